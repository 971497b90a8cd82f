; EPT misconfigurations (reason 49; SDM 28.3.3.1, fact sheet §6.1): write without read,
; an invalid memory type in a leaf, a reserved bit (PS in a PML4E); GPA saved.
%include "harness.inc"
case_main:
        call    setup
        call    enable_ept
        mov     rbx, 0x300000
        call    split_2m
        mov     qword [EPT_PT + 0x101 * 8], 0x301000 | 0x32   ; W without R
        mov     qword [EPT_PT + 0x102 * 8], 0x302000 | 0x17   ; memory type 2
        GO      vmlaunch
        mov     edi, X_GPA
        call    report_exit
        mov     qword [EPT_PT + 0x101 * 8], 0x301000 | 0x37
        GO      vmresume
        mov     edi, X_GPA
        call    report_exit
        mov     qword [EPT_PT + 0x102 * 8], 0x302000 | 0x37
        or      qword [EPT_PML4], 0x80                          ; PS in a PML4E
        mov     qword [SCRATCH], 0
        mov     qword [SCRATCH + 8], 0
        mov     eax, 2
        invept  rax, [SCRATCH]
        GO      vmresume
        mov     edi, X_GPA
        call    report_exit
        ret
guest:
        mov     rax, [0x301000]
        mov     rax, [0x302000]
        mov     rax, [0x301000]
        vmcall
