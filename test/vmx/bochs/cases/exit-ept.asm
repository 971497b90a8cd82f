; EPT violations (reason 48; SDM 28.3.3.2, 27.2.1 Table 27-7; fact sheet §4.5): the access
; (read/write/fetch), the entry's R/W/X, guest-linear address valid and "translated"
; (bit 8) vs an access to a guest paging-structure entry (bit 8 = 0), with the
; guest-physical and guest-linear addresses; the host fixes the entry and resumes.
%include "harness.inc"
case_main:
        call    setup
        call    enable_ept
        mov     rbx, 0x300000
        call    split_2m
        mov     qword [EPT_PT + 0x101 * 8], 0x301000 | 0x35   ; R+X, WB
        mov     qword [EPT_PT + 0x102 * 8], 0                   ; not present
        mov     qword [EPT_PT + 0x103 * 8], 0x303000 | 0x33   ; R+W, WB
        mov     qword [EPT_PT + 0x104 * 8], 0x304000 | 0x34   ; X only (if execute-only is supported)
        mov     byte [0x303000], 0xc3                          ; ret
        GO      vmlaunch
.exit:  mov     edi, X_GPA | X_GLA
        call    report_exit
        VMR     VM_EXIT_REASON
        cmp     eax, 48
        jne     .done
        ; give the page R/W/X and retry the access
        VMR     GUEST_PHYSICAL_ADDRESS
        mov     rcx, rax
        shr     rcx, 12
        and     ecx, 511
        and     rax, ~0xfff
        or      rax, 0x37
        mov     [EPT_PT + rcx * 8], rax
        call    invept_all
        GO      vmresume
        jmp     .exit
.done:  REPORT  'g_rbx', [GREGS + 24]
        REPORT  'g_rcx', [GREGS + 8]
        ret
invept_all:
        mov     qword [SCRATCH], 0
        mov     qword [SCRATCH + 8], 0
        mov     eax, 2
        invept  rax, [SCRATCH]
        ret
guest:
        mov     rbx, [0x301008]                 ; readable: no exit
        mov     [0x301010], rbx                 ; write to R+X: exit
        mov     rcx, [0x302020]                 ; not present: exit
        mov     rax, 0x303000
        call    rax                             ; fetch from R+W: exit
        mov     rcx, [0x301010]
        vmcall
