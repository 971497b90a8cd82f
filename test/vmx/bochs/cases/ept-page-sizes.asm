; EPT page sizes and execute-only (SDM 28.3.2, 28.3.3; fact sheet §6.1, §6.2): a 1 GiB
; EPT page (PDPTE with PS) that is read+execute only — a guest write violates with the
; 1 GiB entry's permissions; an execute-only 4 KiB page (when IA32_VMX_EPT_VPID_CAP bit 0)
; can be fetched but not read; a 2 MiB entry with address bits 20:12 set is a misconfiguration.
%include "harness.inc"
case_main:
        call    setup
        call    enable_ept
        ; 1 GiB page for GPA 0..1 GiB, R+X, WB
        mov     qword [EPT_PDPT], 0xb5                     ; PS | WB | R+X
        mov     qword [SCRATCH], 0
        mov     qword [SCRATCH + 8], 0
        mov     byte [0x200000], 0xc3                      ; a RET for the execute-only step
        GO      vmlaunch
        mov     edi, X_GPA | X_GLA
        call    report_exit
        ; back to the 4-level map, with an execute-only page at 0x200000 (if supported)
        mov     qword [EPT_PDPT], EPT_PD | 7
        mov     rbx, 0x200000
        call    split_2m
        mov     ecx, 0x48c
        rdmsr
        test    al, 1
        jz      .no_xo
        mov     qword [EPT_PT], 0x200000 | 0x34            ; X only, WB
.no_xo: mov     eax, 2
        invept  rax, [SCRATCH]
        VMR     GUEST_RIP
        mov     rbx, rax
        GO      vmresume                                   ; retries the write: now allowed
        mov     edi, X_GPA | X_GLA
        call    report_exit
        ; misaligned 2 MiB entry
        mov     qword [EPT_PD + 8], 0x200000 | 0x1000 | 0xb7
        mov     eax, 2
        invept  rax, [SCRATCH]
        GO      vmresume
        mov     edi, X_GPA
        call    report_exit
        REPORT  'g_rcx', [GREGS + 8]
        ret
guest:
        mov     rax, 0x1234
        mov     [0x159800], rax                            ; write into the R+X 1 GiB page
        mov     rax, 0x200000
        call    rax                                        ; fetch from the execute-only page
        mov     rcx, [0x200000]                            ; read: violation
        vmcall
