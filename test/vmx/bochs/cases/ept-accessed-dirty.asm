; EPT accessed/dirty flags (EPTP bit 6; SDM 28.3.5, fact sheet §6.1): after the guest
; reads one page and writes another, the host reads the A (bit 8) and D (bit 9) flags of
; the EPT entries; the guest's paging-structure accesses set A on their EPT entries.
%include "harness.inc"
case_main:
        call    setup
        call    enable_ept
        mov     ecx, 0x48c
        rdmsr
        bt      eax, 21                                 ; A/D supported?
        jnc     .noad
        mov     rax, EPT_PML4 | 0x5e                    ; WB, 4-level, A/D
        VMW     EPT_POINTER, rax
.noad:  mov     rbx, 0x300000
        call    split_2m
        GO      vmlaunch
        xor     edi, edi
        call    report_exit
        REPORT  'pml4e', [EPT_PML4]
        REPORT  'pdpte', [EPT_PDPT]
        REPORT  'pde_code', [EPT_PD]
        REPORT  'pde_split', [EPT_PD + 8]
        REPORT  'pte_read', [EPT_PT + 0x101 * 8]
        REPORT  'pte_written', [EPT_PT + 0x102 * 8]
        REPORT  'pte_untouched', [EPT_PT + 0x103 * 8]
        ret
guest:
        mov     rax, [0x301000]
        mov     [0x302008], rax
        vmcall
