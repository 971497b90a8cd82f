; VM entry with invalid host-state fields → VMfailValid 8 (SDM 27.2.2–27.2.4; fact sheet
; §10.2), one violation at a time on a fresh valid VMCS.
%include "harness.inc"
case_main:
        call    vmx_on
        call    vmcs_init
        VMR     HOST_CR4
        and     eax, ~0x2000
        VMW     HOST_CR4, rax
        TRY     'host_cr4_vmxe_clear', vmlaunch
        call    vmcs_init
        VMR     HOST_CR0
        and     eax, ~0x20
        VMW     HOST_CR0, rax
        TRY     'host_cr0_ne_clear', vmlaunch
        call    vmcs_init
        VMR     HOST_CR4
        and     eax, ~0x20
        VMW     HOST_CR4, rax
        TRY     'host_cr4_pae_clear', vmlaunch
        call    vmcs_init
        mov     rax, 1 << 52
        VMW     HOST_CR3, rax
        TRY     'host_cr3_beyond_maxphyaddr', vmlaunch
        call    vmcs_init
        VMW     HOST_CS_SELECTOR, SEL_CODE | 3
        TRY     'host_cs_rpl3', vmlaunch
        call    vmcs_init
        VMW     HOST_SS_SELECTOR, SEL_DATA | 4
        TRY     'host_ss_ti', vmlaunch
        call    vmcs_init
        VMW     HOST_CS_SELECTOR, 0
        TRY     'host_cs_null', vmlaunch
        call    vmcs_init
        VMW     HOST_TR_SELECTOR, 0
        TRY     'host_tr_null', vmlaunch
        call    vmcs_init
        VMW     HOST_SS_SELECTOR, 0                 ; allowed with a 64-bit host
        TRY     'host_ss_null_64bit', vmlaunch
        call    vmcs_init
        mov     rax, 0x0000800000000000
        VMW     HOST_RIP, rax
        TRY     'host_rip_noncanonical', vmlaunch
        call    vmcs_init
        mov     rax, 0x0000800000000000
        VMW     HOST_FS_BASE, rax
        TRY     'host_fs_base_noncanonical', vmlaunch
        call    vmcs_init
        mov     rax, 0xffff800000000000 - 0x1000000000000
        VMW     HOST_GDTR_BASE, rax
        TRY     'host_gdtr_base_noncanonical', vmlaunch
        call    vmcs_init
        mov     rax, 0x0000900000000000
        VMW     HOST_TR_BASE, rax
        TRY     'host_tr_base_noncanonical', vmlaunch
        call    vmcs_init
        mov     rax, 0x0000800000000000
        VMW     HOST_IA32_SYSENTER_EIP, rax
        TRY     'host_sysenter_eip_noncanonical', vmlaunch
        call    vmcs_init
        VMR     VM_EXIT_CONTROLS
        and     eax, ~0x200                         ; 32-bit host while in IA-32e mode
        VMW     VM_EXIT_CONTROLS, rax
        TRY     'host_address_space_size_0', vmlaunch
        call    vmcs_init
        SETCTL  VM_EXIT_CONTROLS, CTL_EXIT, 1 << 21 ; load IA32_EFER
        VMW     HOST_IA32_EFER, 0x100               ; LME without LMA
        TRY     'host_efer_lma_clear', vmlaunch
        call    vmcs_init
        SETCTL  VM_EXIT_CONTROLS, CTL_EXIT, 1 << 21
        VMW     HOST_IA32_EFER, 0x10500             ; reserved bit 16
        TRY     'host_efer_reserved', vmlaunch
        call    vmcs_init
        SETCTL  VM_EXIT_CONTROLS, CTL_EXIT, 1 << 19 ; load IA32_PAT
        VMW     HOST_IA32_PAT, 0x0007040600070402   ; type 2 is reserved
        TRY     'host_pat_invalid', vmlaunch
        call    vmcs_init
        SETCTL  VM_EXIT_CONTROLS, CTL_EXIT, 1 << 21
        TRY     'host_efer_valid', vmlaunch
        ret
guest:
        vmcall
