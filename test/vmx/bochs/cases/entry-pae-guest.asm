; A 32-bit PAE guest (IA-32e mode guest = 0; SDM 26.3.1.6, 26.3.2.4, 27.3.4): without EPT the
; PDPTEs are loaded from guest CR3 at VM entry — one with a reserved bit set fails the entry
; with exit 0x80000021 and qualification 2; with EPT they come from the GUEST_PDPTEn fields
; (reserved bits: qualification 2 too) and an exit saves them. A valid guest runs 32-bit code
; through its own PAE tables (CPUID and VMCALL exits, 32-bit GPRs, reads through PDPTE0 and
; PDPTE3; PDPTEs have no accessed flag, so memory keeps them as written).
%include "harness.inc"
%define SEL_CODE32 0x28
%define PAE_PDPT   0x15a000
%define PAE_PD     0x15b000
%define PAE_PD3    0x15c000
case_main:
        mov     rax, 0x00cf9b000000ffff                  ; 32-bit code segment (GDT slot 5)
        mov     [GDT_BASE + 40], rax
        mov     word [GDTR_PTR], 47
        lgdt    [GDTR_PTR]
        ; PAE tables: PDPTE0 → PD of 2 MiB pages, identity over the first GiB
        mov     qword [PAE_PDPT], PAE_PD | 1
        xor     ecx, ecx
.pd:    mov     rax, rcx
        shl     rax, 21
        or      rax, 0x83
        mov     [PAE_PD + rcx * 8], rax
        inc     ecx
        cmp     ecx, 512
        jb      .pd
        mov     qword [PAE_PDPT + 24], PAE_PD3 | 1       ; PDPTE3: 0xc0000000 → one 2 MiB page at 0
        mov     qword [PAE_PD3], 0x83
        call    vmx_on
        call    pae_vmcs
        mov     qword [PAE_PDPT + 8], 0x2003             ; PDPTE1: present with bit 1 set (bits 2:1 are reserved)
        TRY     'pdpte_reserved_memory', vmlaunch
        mov     qword [PAE_PDPT + 8], 0
        call    pae_vmcs
        TRY     'pae_guest', vmlaunch
        call    report
        REPORT  'pdpte0_in_memory', [PAE_PDPT]          ; PAE PDPTEs have no accessed flag (bits 8:5 reserved)
        SKIP
        GO      vmresume
        call    report
        ; with EPT: PDPTEs from the VMCS
        call    pae_vmcs
        call    enable_ept
        VMW     GUEST_PDPTE0, PAE_PD | 1
        VMW     GUEST_PDPTE1, 0
        VMW     GUEST_PDPTE2, 0x100 | 1                  ; reserved bit 8
        VMW     GUEST_PDPTE3, 0
        TRY     'pdpte_reserved_vmcs', vmlaunch
        call    pae_vmcs
        call    enable_ept
        VMW     GUEST_PDPTE0, PAE_PD | 1
        VMW     GUEST_PDPTE1, 0
        VMW     GUEST_PDPTE2, 0
        VMW     GUEST_PDPTE3, PAE_PD3 | 1
        TRY     'pae_guest_ept', vmlaunch
        call    report
        VMR     GUEST_PDPTE0
        REPORT  'saved_pdpte0', rax
        VMR     GUEST_PDPTE2
        REPORT  'saved_pdpte2', rax
        ret
report:
        xor     edi, edi
        call    report_exit
        REPORT  'g_rax', [GREGS + 0]
        REPORT  'g_rbx', [GREGS + 24]
        REPORT  'g_rdx', [GREGS + 16]
        REPORT  'g_rcx', [GREGS + 8]
        ret
; pae_vmcs: a fresh VMCS for a 32-bit PAE guest
pae_vmcs:
        call    vmcs_init
        VMR     VM_ENTRY_CONTROLS
        and     eax, ~(1 << 9)                           ; not an IA-32e mode guest
        VMW     VM_ENTRY_CONTROLS, rax
        VMW     GUEST_CS_SELECTOR, SEL_CODE32
        VMW     GUEST_CS_AR, 0xc09b
        VMW     GUEST_CR3, PAE_PDPT
        VMW     GUEST_IA32_EFER, 0
        VMW     GUEST_GDTR_LIMIT, 47
        lea     rax, [guest32]
        VMW     GUEST_RIP, rax
        ret
guest:
        hlt
        bits    32
guest32:
        mov     eax, 0x12345678
        mov     ebx, [0x100000]                          ; through the guest's PAE mapping
        mov     ecx, [0xc0100000]                        ; PDPTE3 (PAE: bits 31:30 pick the PDPTE)
        xor     edx, edx
        cpuid
        mov     eax, 0x89abcdef
        mov     edx, 0x42
        vmcall
        bits    64
