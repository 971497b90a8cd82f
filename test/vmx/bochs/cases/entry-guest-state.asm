; VM entry with invalid guest state → VM exit 0x80000021 with its qualification, host
; state loaded (SDM 27.3.1, 27.8; fact sheet §10.3), one violation at a time.
%include "harness.inc"
%macro CASE 1
        call    vmcs_init
%endmacro
case_main:
        call    vmx_on
        call    vmcs_init
        VMW     GUEST_RFLAGS, 0
        TRY     'rflags_bit1_clear', vmlaunch
        call    vmcs_init
        VMW     GUEST_RFLAGS, 0x8002
        TRY     'rflags_bit15_set', vmlaunch
        call    vmcs_init
        VMW     GUEST_RFLAGS, 0x20002                ; VM with an IA-32e guest
        TRY     'rflags_vm_in_ia32e', vmlaunch
        call    vmcs_init
        VMR     GUEST_CR0
        and     eax, ~1                              ; PG without PE
        VMW     GUEST_CR0, rax
        TRY     'cr0_pe_clear', vmlaunch
        call    vmcs_init
        VMR     GUEST_CR0
        or      eax, 1 << 29                         ; NW without CD
        VMW     GUEST_CR0, rax
        TRY     'cr0_nw_without_cd', vmlaunch
        call    vmcs_init
        VMR     GUEST_CR4
        and     eax, ~0x2000
        VMW     GUEST_CR4, rax
        TRY     'cr4_vmxe_clear', vmlaunch
        call    vmcs_init
        VMR     GUEST_CR4
        and     eax, ~0x20                           ; IA-32e guest without PAE
        VMW     GUEST_CR4, rax
        TRY     'cr4_pae_clear', vmlaunch
        call    vmcs_init
        SETCTL  VM_ENTRY_CONTROLS, CTL_ENTRY, 4       ; load debug controls
        mov     rax, 1 << 32
        VMW     GUEST_DR7, rax
        TRY     'dr7_high_bits', vmlaunch
        call    vmcs_init
        SETCTL  VM_ENTRY_CONTROLS, CTL_ENTRY, 1 << 15 ; load IA32_EFER
        VMW     GUEST_IA32_EFER, 0x100               ; LMA differs from IA-32e mode guest
        TRY     'efer_lma_mismatch', vmlaunch
        call    vmcs_init
        VMW     GUEST_TR_AR, 0x89                    ; available TSS
        TRY     'tr_not_busy', vmlaunch
        call    vmcs_init
        VMW     GUEST_TR_AR, 0x1008b                 ; unusable TR
        TRY     'tr_unusable', vmlaunch
        call    vmcs_init
        VMW     GUEST_TR_SELECTOR, SEL_TSS | 4       ; TI set
        TRY     'tr_ti', vmlaunch
        call    vmcs_init
        VMW     GUEST_CS_AR, 0xe09b                  ; L and D/B both set
        TRY     'cs_l_and_db', vmlaunch
        call    vmcs_init
        VMW     GUEST_CS_AR, 0xa093                  ; data type in CS
        TRY     'cs_data_type', vmlaunch
        call    vmcs_init
        VMW     GUEST_SS_AR, 0xc09b                  ; code type in SS
        TRY     'ss_code_type', vmlaunch
        call    vmcs_init
        VMW     GUEST_DS_AR, 0xc092                  ; not accessed
        TRY     'ds_not_accessed', vmlaunch
        call    vmcs_init
        VMW     GUEST_DS_AR, 0xc013                  ; not present
        TRY     'ds_not_present', vmlaunch
        call    vmcs_init
        VMW     GUEST_DS_LIMIT, 0xfffff              ; G = 1 with limit[11:0] != 0xfff
        TRY     'ds_limit_granularity', vmlaunch
        call    vmcs_init
        VMW     GUEST_LDTR_AR, 0x83                  ; usable LDTR with type 3
        TRY     'ldtr_bad_type', vmlaunch
        call    vmcs_init
        mov     rax, 0x0000800000000000
        VMW     GUEST_FS_BASE, rax
        TRY     'fs_base_noncanonical', vmlaunch
        call    vmcs_init
        VMW     GUEST_GDTR_LIMIT, 0x10000
        TRY     'gdtr_limit_high', vmlaunch
        call    vmcs_init
        mov     rax, 0x0000800000000000
        VMW     GUEST_RIP, rax
        TRY     'rip_noncanonical', vmlaunch
        call    vmcs_init
        VMW     GUEST_ACTIVITY_STATE, 4
        TRY     'activity_state_4', vmlaunch
        call    vmcs_init
        VMW     GUEST_INTERRUPTIBILITY_INFO, 3       ; STI and MOV SS blocking
        VMW     GUEST_RFLAGS, 0x202
        TRY     'sti_and_mov_ss_blocking', vmlaunch
        call    vmcs_init
        VMW     GUEST_INTERRUPTIBILITY_INFO, 1       ; STI blocking with IF = 0
        TRY     'sti_blocking_if0', vmlaunch
        call    vmcs_init
        VMW     GUEST_INTERRUPTIBILITY_INFO, 0x20    ; reserved bit 5
        TRY     'interruptibility_reserved', vmlaunch
        call    vmcs_init
        VMW     GUEST_INTERRUPTIBILITY_INFO, 2       ; MOV SS blocking while HLT
        VMW     GUEST_ACTIVITY_STATE, 1
        TRY     'mov_ss_blocking_in_hlt', vmlaunch
        call    vmcs_init
        VMW     VM_ENTRY_INTR_INFO, 0x80000020       ; external interrupt with IF = 0
        TRY     'inject_external_if0', vmlaunch
        call    vmcs_init
        VMW     GUEST_PENDING_DBG_EXCEPTIONS, 0x10   ; reserved bit 4
        TRY     'pending_debug_reserved', vmlaunch
        call    vmcs_init
        VMW     VMCS_LINK_POINTER, SCRATCH           ; revision 0 ≠ VMCS revision
        TRY     'link_pointer_bad_revision', vmlaunch
        call    vmcs_init
        VMW     VMCS_LINK_POINTER, VMCS_B + 8        ; misaligned
        TRY     'link_pointer_misaligned', vmlaunch
        call    vmcs_init
        VMW     GUEST_RFLAGS, 0x202
        VMW     GUEST_INTERRUPTIBILITY_INFO, 1       ; valid STI blocking: entry works
        TRY     'sti_blocking_valid', vmlaunch
        REPORT  'g_after_exit', [GREGS]
        ret
guest:
        vmcall
