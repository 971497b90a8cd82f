; VM entry with invalid control fields → VMfailValid 7 (SDM 27.2.1.1–27.2.1.3; fact sheet
; §10.1), one violation at a time on a fresh valid VMCS; and VMLAUNCH right after MOV SS
; → VMfailValid 26 (SDM 31.3 VMLAUNCH, fact sheet §10.0 P4).
%include "harness.inc"

%macro FRESH 0
        call    vmcs_init
%endmacro

case_main:
        call    vmx_on
        FRESH
        TRY     'valid_vmcs', vmlaunch              ; sanity: reaches the guest's VMCALL
        FRESH
        VMR     PIN_BASED_VM_EXEC_CONTROL
        and     eax, ~2                             ; a must-be-1 (default1) pin bit
        VMW     PIN_BASED_VM_EXEC_CONTROL, rax
        TRY     'pin_default1_clear', vmlaunch
        FRESH
        VMR     CPU_BASED_VM_EXEC_CONTROL
        or      eax, 1                              ; reserved, allowed-1 = 0
        VMW     CPU_BASED_VM_EXEC_CONTROL, rax
        TRY     'primary_reserved_set', vmlaunch
        FRESH
        VMR     VM_EXIT_CONTROLS
        or      eax, 1                              ; reserved exit control bit 0
        VMW     VM_EXIT_CONTROLS, rax
        TRY     'exit_reserved_set', vmlaunch
        FRESH
        VMR     VM_ENTRY_CONTROLS
        and     eax, ~0x10                          ; a must-be-1 entry bit
        VMW     VM_ENTRY_CONTROLS, rax
        TRY     'entry_default1_clear', vmlaunch
        FRESH
        SETCTL  SECONDARY_VM_EXEC_CONTROL, CTL_PROC2, 0x80   ; unrestricted guest, no EPT
        TRY     'unrestricted_without_ept', vmlaunch
        FRESH
        SETCTL  SECONDARY_VM_EXEC_CONTROL, CTL_PROC2, 0x20   ; enable VPID, VPID = 0
        VMW     VPID, 0
        TRY     'vpid_zero', vmlaunch
        FRESH
        SETCTL  PIN_BASED_VM_EXEC_CONTROL, CTL_PIN, 0x20     ; virtual NMIs without NMI exiting
        TRY     'virtual_nmis_without_nmi_exiting', vmlaunch
        FRESH
        SETCTL  CPU_BASED_VM_EXEC_CONTROL, CTL_PROC, 1 << 22 ; NMI-window exiting without virtual NMIs
        TRY     'nmi_window_without_virtual_nmis', vmlaunch
        FRESH
        SETCTL  CPU_BASED_VM_EXEC_CONTROL, CTL_PROC, 1 << 25 ; I/O bitmaps, A misaligned
        VMW     IO_BITMAP_A, IOBM_A + 8
        TRY     'io_bitmap_misaligned', vmlaunch
        FRESH
        SETCTL  CPU_BASED_VM_EXEC_CONTROL, CTL_PROC, 1 << 28 ; MSR bitmap misaligned
        VMW     MSR_BITMAP, MSRBM + 0x10
        TRY     'msr_bitmap_misaligned', vmlaunch
        FRESH
        VMW     CR3_TARGET_COUNT, 5
        TRY     'cr3_target_count_5', vmlaunch
        FRESH
        call    enable_ept
        VMW     EPT_POINTER, EPT_PML4 | 0x19         ; memory type 1 (WC)
        TRY     'eptp_memory_type_wc', vmlaunch
        FRESH
        call    enable_ept
        VMW     EPT_POINTER, EPT_PML4 | 0x16         ; walk length 3 levels
        TRY     'eptp_walk_length_3', vmlaunch
        FRESH
        call    enable_ept
        VMW     EPT_POINTER, EPT_PML4 | 0x81e        ; reserved bit 11
        TRY     'eptp_reserved_bit', vmlaunch
        FRESH
        VMW     VM_ENTRY_INTR_INFO, 0x80000120       ; type 1 (reserved)
        TRY     'inject_type_reserved', vmlaunch
        FRESH
        VMW     VM_ENTRY_INTR_INFO, 0x80000203       ; NMI with vector 3
        TRY     'inject_nmi_vector_3', vmlaunch
        FRESH
        VMW     VM_ENTRY_INTR_INFO, 0x80000320       ; hardware exception vector 32
        TRY     'inject_exception_vector_32', vmlaunch
        FRESH
        VMW     VM_ENTRY_INTR_INFO, 0x8000030d       ; #GP without deliver-error-code
        TRY     'inject_gp_without_error_code', vmlaunch
        FRESH
        VMW     VM_ENTRY_INTR_INFO, 0x80000b06       ; #UD with deliver-error-code
        TRY     'inject_ud_with_error_code', vmlaunch
        FRESH
        VMW     VM_ENTRY_INTR_INFO, 0x80000b0d
        VMW     VM_ENTRY_EXCEPTION_ERROR_CODE, 0x10000 ; error code bits 31:16 set
        TRY     'inject_error_code_high_bits', vmlaunch
        FRESH
        VMW     VM_ENTRY_INTR_INFO, 0x80001020       ; reserved bit 12
        TRY     'inject_reserved_bit', vmlaunch
        ; software interrupt with instruction length 0: error 7 unless IA32_VMX_MISC bit 30
        ; allows it (Bochs's model sets bit 30, ours does not; SDM 27.2.1.3)
        mov     ecx, 0x485
        rdmsr
        bt      eax, 30
        jc      .len0_allowed
        FRESH
        VMW     VM_ENTRY_INTR_INFO, 0x80000420
        VMW     VM_ENTRY_INSTRUCTION_LEN, 0
        TRY     'cap_inject_softint_length_0', vmlaunch
.len0_allowed:
        FRESH
        VMW     VM_ENTRY_INTR_INFO, 0x80000420       ; software interrupt, length 16
        VMW     VM_ENTRY_INSTRUCTION_LEN, 16
        TRY     'inject_softint_length_16', vmlaunch
        FRESH
        SETCTL  VM_EXIT_CONTROLS, CTL_EXIT, 1 << 22  ; save preemption timer without the timer
        TRY     'save_timer_without_timer', vmlaunch
        FRESH
        VMW     VM_ENTRY_MSR_LOAD_COUNT, 1
        VMW     VM_ENTRY_MSR_LOAD_ADDR, SCRATCH + 8  ; not 16-byte aligned
        TRY     'entry_msr_load_misaligned', vmlaunch
        FRESH
        VMW     VM_EXIT_MSR_STORE_COUNT, 1
        VMW     VM_EXIT_MSR_STORE_ADDR, SCRATCH + 4
        TRY     'exit_msr_store_misaligned', vmlaunch
        ; events blocked by MOV SS (the host's own blocking, not the guest's)
        FRESH
        lea     rax, [.back]
        mov     [EXIT_CONT], rax
        mov     [GO_RSP], rsp
        mov     ax, ss
        mov     ss, ax
        vmlaunch
        RESULT  'vmlaunch_after_mov_ss'
        jmp     .done
.back:  REPORT  'vmlaunch_after_mov_ss', 0
.done:  ret
guest:
        vmcall
