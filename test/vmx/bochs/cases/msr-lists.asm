; VM-entry MSR-load, VM-exit MSR-store and VM-exit MSR-load lists (SDM 26.4, 27.4, 27.6;
; fact sheet §10.4 M1): a bad entry i fails the entry with exit 0x80000022 and
; qualification i; valid lists load the guest's MSR, store it at the exit and load the
; host's.
%include "harness.inc"
%define LIST_IN   0x15b000
%define LIST_OUT  0x15b100
%define LIST_HOST 0x15b200
case_main:
        call    setup
        SETCTL  CPU_BASED_VM_EXEC_CONTROL, CTL_PROC, 1 << 28    ; MSR bitmap all zero: no MSR exits
        mov     dword [LIST_IN + 0], 0x174                      ; IA32_SYSENTER_CS
        mov     qword [LIST_IN + 8], 0x10
        mov     dword [LIST_IN + 16], 0xc0000100                ; FS_BASE, non-canonical value
        mov     rax, 0x0000800000000000
        mov     qword [LIST_IN + 24], rax
        VMW     VM_ENTRY_MSR_LOAD_ADDR, LIST_IN
        VMW     VM_ENTRY_MSR_LOAD_COUNT, 2
        TRY     'entry_msr_load_bad_second', vmlaunch
        mov     dword [LIST_IN + 20], 1                         ; reserved bits 63:32 of the entry
        mov     qword [LIST_IN + 24], 0
        call    vmcs_init
        SETCTL  CPU_BASED_VM_EXEC_CONTROL, CTL_PROC, 1 << 28
        VMW     VM_ENTRY_MSR_LOAD_ADDR, LIST_IN
        VMW     VM_ENTRY_MSR_LOAD_COUNT, 2
        TRY     'entry_msr_load_reserved', vmlaunch
        ; valid: load SYSENTER_CS = 0x10 for the guest, store it at the exit, host gets 0x20
        call    vmcs_init
        SETCTL  CPU_BASED_VM_EXEC_CONTROL, CTL_PROC, 1 << 28
        VMW     VM_ENTRY_MSR_LOAD_ADDR, LIST_IN
        VMW     VM_ENTRY_MSR_LOAD_COUNT, 1
        mov     dword [LIST_OUT], 0x174
        mov     qword [LIST_OUT + 8], 0xdead
        VMW     VM_EXIT_MSR_STORE_ADDR, LIST_OUT
        VMW     VM_EXIT_MSR_STORE_COUNT, 1
        mov     dword [LIST_HOST], 0x174
        mov     qword [LIST_HOST + 8], 0x20
        VMW     VM_EXIT_MSR_LOAD_ADDR, LIST_HOST
        VMW     VM_EXIT_MSR_LOAD_COUNT, 1
        GO      vmlaunch
        xor     edi, edi
        call    report_exit
        REPORT  'guest_read', [GREGS]
        REPORT  'stored', [LIST_OUT + 8]
        mov     ecx, 0x174
        rdmsr
        REPORT  'host_after_exit', rax
        ret
guest:
        mov     ecx, 0x174
        rdmsr
        mov     ecx, 0x174
        mov     eax, 0x18
        xor     edx, edx
        wrmsr
        mov     eax, 0x10
        rdmsr
        vmcall
