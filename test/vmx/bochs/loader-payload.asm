; Bochs side of the differential VMX tests: the payload bench/bochs/rom.asm calls in
; long mode. It copies each case image of the table that bochsrc's optramimage1-4 put at
; 0x1000000 (dd count, then dd offset, dd length per case; offsets from 0x1000000) to
; 0x100000, prints "@@case" on port 0xE9 and calls it. A case that crashes Bochs (a
; triple fault in the host resets the machine and restarts the ROM) is reported as
; "@@crash" and skipped: the loader's progress survives the reset in RAM at 0x7000.
        mov     rax, 0x444c5348                  ; "HSLD"
        cmp     [0x7000], rax
        jne     .fresh
        lea     rsi, [rel .crash]
        call    .print
        inc     qword [0x7008]
        jmp     .loop
.fresh: mov     [0x7000], rax
        mov     qword [0x7008], 0
.loop:  mov     rcx, [0x7008]
        cmp     ecx, [0x1000000]
        jae     .done
        lea     rsi, [rel .case]
        call    .print
        mov     rcx, [0x7008]
        mov     esi, [0x1000008 + rcx * 8]
        mov     edx, [0x100000c + rcx * 8]
        add     rsi, 0x1000000
        mov     edi, 0x100000
        mov     ecx, edx
        cld
        rep movsb
        mov     [0x7010], rsp
        mov     eax, 0x100000
        call    rax
        mov     rsp, [0x7010]
        inc     qword [0x7008]
        jmp     .loop
.print: mov     al, [rsi]
        test    al, al
        jz      .pdone
        out     0xe9, al
        inc     rsi
        jmp     .print
.pdone: ret
.case:  db "@@case", 10, 0
.crash: db "@@crash", 10, 0
.done:  mov     qword [0x7000], 0
