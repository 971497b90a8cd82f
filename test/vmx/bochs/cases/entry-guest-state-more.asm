; More guest-state checks (SDM 26.3.1.2–26.3.1.5; fact sheet §10.3 G8–G22), one violation at a
; time on a fresh VMCS (exit 0x80000021 with its qualification; a valid entry reaches the
; guest's VMCALL): segment RPL/DPL relations, access-rights reserved bits, limit and
; granularity, bases, descriptor-table registers, SYSENTER MSRs, PAT and EFER loads, CR3,
; RIP in compatibility mode, HLT with SS.DPL 3, and event injection against blocking.
%include "harness.inc"
%macro BAD 3                                    ; key, field, value
        call    vmcs_init
        mov     rax, %3
        VMW     %2, rax
        TRY     %1, vmlaunch
%endmacro
case_main:
        call    vmx_on
        BAD     'ss_rpl_ne_cs_rpl', GUEST_SS_SELECTOR, SEL_DATA | 3
        BAD     'ss_dpl_ne_rpl', GUEST_SS_AR, 0xc0f3
        BAD     'cs_dpl3_ss_dpl0', GUEST_CS_AR, 0xa0fb
        BAD     'ds_rpl_above_dpl', GUEST_DS_SELECTOR, SEL_DATA | 3
        BAD     'ds_ar_reserved_bit8', GUEST_DS_AR, 0xc193
        BAD     'cs_ar_reserved_bit17', GUEST_CS_AR, 0x2a09b
        BAD     'cs_g0_limit_high', GUEST_CS_AR, 0x209b
        BAD     'tr_g1_small_limit', GUEST_TR_AR, 0x808b
        BAD     'ss_unusable_valid', GUEST_SS_AR, 0x10000
        BAD     'cs_base_bits_63_32', GUEST_CS_BASE, 1 << 32
        BAD     'es_base_bits_63_32', GUEST_ES_BASE, 1 << 33
        BAD     'gs_base_noncanonical', GUEST_GS_BASE, 0x0000800000000000
        call    vmcs_init
        VMW     GUEST_LDTR_SELECTOR, 0x2c                ; TI set
        VMW     GUEST_LDTR_AR, 0x82
        TRY     'ldtr_usable_ti', vmlaunch
        call    vmcs_init
        VMW     GUEST_LDTR_SELECTOR, 0x28
        VMW     GUEST_LDTR_AR, 0x82                   ; usable LDT, base/limit 0
        VMW     GUEST_LDTR_LIMIT, 0xfff
        TRY     'ldtr_usable_valid', vmlaunch
        BAD     'gdtr_base_noncanonical', GUEST_GDTR_BASE, 0xffff7fff00000000
        BAD     'idtr_base_noncanonical', GUEST_IDTR_BASE, 0x0000800000000000
        BAD     'idtr_limit_high', GUEST_IDTR_LIMIT, 0x10000
        BAD     'sysenter_esp_noncanonical', GUEST_SYSENTER_ESP, 0x0001000000000000
        BAD     'sysenter_eip_noncanonical', GUEST_SYSENTER_EIP, 0x8000000000000000
        BAD     'cr3_beyond_maxphyaddr', GUEST_CR3, 1 << 52
        BAD     'rflags_bit3', GUEST_RFLAGS, 0xa
        BAD     'rflags_bit63', GUEST_RFLAGS, 0x8000000000000002
        call    vmcs_init
        SETCTL  VM_ENTRY_CONTROLS, CTL_ENTRY, 1 << 14 ; load IA32_PAT
        VMW     GUEST_IA32_PAT, 0x0007040600070403    ; type 3 is reserved
        TRY     'pat_invalid', vmlaunch
        call    vmcs_init
        SETCTL  VM_ENTRY_CONTROLS, CTL_ENTRY, 1 << 15 ; load IA32_EFER
        VMW     GUEST_IA32_EFER, 0x1500               ; reserved bit 12
        TRY     'efer_reserved', vmlaunch
        call    vmcs_init
        SETCTL  VM_ENTRY_CONTROLS, CTL_ENTRY, 1 << 15
        VMW     GUEST_IA32_EFER, 0x401                ; LMA without LME, SCE: with CR0.PG LME must equal the IA-32e control
        TRY     'efer_lme_clear', vmlaunch
        ; RIP bits 63:32 with CS.L = 0 (compatibility mode)
        call    vmcs_init
        VMW     GUEST_CS_AR, 0xc09b
        mov     rax, 0x100000000
        VMW     GUEST_RIP, rax
        TRY     'rip_high_compat', vmlaunch
        ; HLT activity with CPL 3 (SS.DPL 3)
        call    vmcs_init
        VMW     GUEST_CS_SELECTOR, SEL_CODE | 3
        VMW     GUEST_CS_AR, 0xa0fb
        VMW     GUEST_SS_SELECTOR, SEL_DATA | 3
        VMW     GUEST_SS_AR, 0xc0f3
        VMW     GUEST_DS_SELECTOR, SEL_DATA | 3
        VMW     GUEST_DS_AR, 0xc0f3
        VMW     GUEST_ES_SELECTOR, SEL_DATA | 3
        VMW     GUEST_ES_AR, 0xc0f3
        VMW     GUEST_ACTIVITY_STATE, 1
        TRY     'hlt_with_ss_dpl3', vmlaunch
        ; injection against blocking
        call    vmcs_init
        VMW     GUEST_RFLAGS, 0x202
        VMW     GUEST_INTERRUPTIBILITY_INFO, 2         ; MOV SS
        VMW     VM_ENTRY_INTR_INFO, 0x80000202
        TRY     'nmi_injection_mov_ss_blocking', vmlaunch
        call    vmcs_init
        VMW     GUEST_RFLAGS, 0x202
        VMW     GUEST_INTERRUPTIBILITY_INFO, 1         ; STI
        VMW     VM_ENTRY_INTR_INFO, 0x80000202
        TRY     'nmi_injection_sti_blocking', vmlaunch
        call    vmcs_init
        SETCTL  PIN_BASED_VM_EXEC_CONTROL, CTL_PIN, (1 << 3) | (1 << 5)
        VMW     GUEST_INTERRUPTIBILITY_INFO, 8         ; virtual-NMI blocking
        VMW     VM_ENTRY_INTR_INFO, 0x80000202
        TRY     'nmi_injection_virtual_nmi_blocked', vmlaunch
        call    vmcs_init
        VMW     GUEST_INTERRUPTIBILITY_INFO, 8         ; NMI blocking, no virtual NMIs: allowed
        VMW     VM_ENTRY_INTR_INFO, 0x80000202         ; (guest IDT limit 0: the entry works, then a triple fault)
        TRY     'nmi_injection_nmi_blocked_no_vnmi', vmlaunch
        call    vmcs_init
        VMW     GUEST_RFLAGS, 0x202
        VMW     GUEST_INTERRUPTIBILITY_INFO, 1         ; STI
        VMW     VM_ENTRY_INTR_INFO, 0x80000020
        TRY     'external_injection_sti_blocking', vmlaunch
        call    vmcs_init
        VMW     GUEST_RFLAGS, 0x202
        VMW     GUEST_INTERRUPTIBILITY_INFO, 1         ; STI
        VMW     VM_ENTRY_INTR_INFO, 0x80000b0d         ; #GP: allowed with STI blocking
        VMW     VM_ENTRY_EXCEPTION_ERROR_CODE, 0
        TRY     'exception_injection_sti_blocking', vmlaunch
        ret
guest:
        vmcall
