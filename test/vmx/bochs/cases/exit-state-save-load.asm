; What a VM exit saves and loads (SDM 27.3 saving guest state, 27.5 loading host state):
; guest segment registers (a null DS → unusable), FS/GS bases written by the guest,
; RFLAGS, DR7 (save debug controls), EFER (save IA32_EFER), CR0/CR3/CR4; in the host
; afterwards: GDTR/IDTR limits 0xffff, RFLAGS 0x2, DR7 0x400, selectors, FS base from
; the host-state area, LDTR null.
%include "harness.inc"
case_main:
        call    setup
        SETCTL  VM_EXIT_CONTROLS, CTL_EXIT, (1 << 2) | (1 << 20)  ; save debug controls, save EFER
        SETCTL  CPU_BASED_VM_EXEC_CONTROL, CTL_PROC, 1 << 28      ; MSR bitmap (all clear): WRMSR runs
        VMW     HOST_FS_BASE, 0x7000
        GO      vmlaunch
        xor     edi, edi
        call    report_exit
%macro SAVED 2
        VMR     %2
        REPORT  %1, rax
%endmacro
        SAVED   'ds_sel', GUEST_DS_SELECTOR
        SAVED   'ds_ar_unusable', GUEST_DS_AR
        SAVED   'es_sel', GUEST_ES_SELECTOR
        SAVED   'es_ar', GUEST_ES_AR
        SAVED   'es_limit', GUEST_ES_LIMIT
        SAVED   'fs_base', GUEST_FS_BASE
        SAVED   'gs_base', GUEST_GS_BASE
        SAVED   'rflags', GUEST_RFLAGS
        SAVED   'dr7', GUEST_DR7
        SAVED   'efer', GUEST_IA32_EFER
        SAVED   'cr0', GUEST_CR0
        SAVED   'cr4', GUEST_CR4
        SAVED   'gdtr_limit', GUEST_GDTR_LIMIT
        SAVED   'idtr_base', GUEST_IDTR_BASE
        SAVED   'rsp', GUEST_RSP
        SAVED   'cs_ar', GUEST_CS_AR
        SAVED   'tr_ar', GUEST_TR_AR
        ; host state after the exit
        sgdt    [SCRATCH]
        movzx   eax, word [SCRATCH]
        REPORT  'host_gdtr_limit', rax
        sidt    [SCRATCH + 16]
        movzx   eax, word [SCRATCH + 16]
        REPORT  'host_idtr_limit', rax
        REPORT  'host_rflags', [EXIT_RFLAGS]
        mov     rax, dr7
        REPORT  'host_dr7', rax
        mov     ax, ds
        REPORT  'host_ds', rax
        mov     ax, fs
        REPORT  'host_fs', rax
        str     ax
        REPORT  'host_tr', rax
        sldt    ax
        REPORT  'host_ldtr', rax
        mov     ecx, 0xc0000100
        rdmsr
        REPORT  'host_fs_base', rax
        mov     ecx, 0xc0000080
        rdmsr
        REPORT  'host_efer', rax
        lidt    [IDTR_PTR]                             ; restore the IDT limit for the harness
        lgdt    [GDTR_PTR]
        ret
guest:
        xor     eax, eax
        mov     ds, ax                                 ; null selector: unusable
        mov     ax, SEL_DATA
        mov     es, ax
        mov     ecx, 0xc0000100
        mov     eax, 0x12345000
        xor     edx, edx
        wrmsr
        mov     ecx, 0xc0000101
        mov     eax, 0x6789a000
        wrmsr
        mov     rax, 0x401
        mov     dr7, rax
        lgdt    [GDTR_PTR]
        push    rax
        pop     rax
        stc
        std
        vmcall
