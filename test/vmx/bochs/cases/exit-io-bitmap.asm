; I/O bitmaps (SDM 26.1.3, fact sheet §4.3): bitmap A (ports 0–0x7fff) and B
; (0x8000–0xffff); an access exits if any byte's bit is set; a wrap past 0xffff always
; exits; unconditional I/O exiting is ignored while bitmaps are used.
%include "harness.inc"
case_main:
        call    setup
        SETCTL  CPU_BASED_VM_EXEC_CONTROL, CTL_PROC, (1 << 25) | (1 << 24)
        bts     dword [IOBM_A + (0x80 >> 3)], 0x80 & 7
        bts     dword [IOBM_A + (0x87 >> 3)], 0x87 & 7
        bts     dword [IOBM_B + ((0x8000 - 0x8000) >> 3)], 0
        bts     dword [IOBM_B + ((0x9001 - 0x8000) >> 3)], 0x9001 & 7
        mov     dword [EXIT_MASK], X_LEN
        call    run_until_vmcall
        REPORT  'g_rbx', [GREGS + 24]
        ret
guest:
        xor     ebx, ebx
        out     0x80, al                       ; bit set: exit
        out     0x84, al                       ; clear: no exit
        inc     ebx
        mov     dx, 0x86
        out     dx, ax                         ; 0x86-0x87, 0x87 set: exit
        mov     dx, 0x7fff
        in      ax, dx                         ; 0x7fff-0x8000, 0x8000 in B: exit
        mov     dx, 0x9000
        in      al, dx                         ; clear: no exit
        inc     ebx
        in      eax, dx                        ; 0x9000-0x9003 covers 0x9001: exit
        mov     dx, 0xfffe
        in      eax, dx                        ; wraps past 0xffff: exit
        vmcall
