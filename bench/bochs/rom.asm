; A 64 KiB ROM image for Bochs (the reference emulator of `npm run bench`): reset vector ->
; protected mode -> long mode (identity-mapped 2 MiB pages over 1 GiB) -> the benchmark
; payload (%include "payload.asm") -> "Shutdown" on Bochs' port 0x8900, which ends the run.
bits 16
org 0xf0000
start16:
        cli
        xor     ax, ax
        mov     ds, ax
        o32 lgdt [cs:gdt_ptr - 0xf0000]
        mov     eax, cr0
        or      eax, 1
        mov     cr0, eax
        jmp     dword 0x08:start32
bits 32
start32:
        mov     ax, 0x10
        mov     ds, ax
        mov     es, ax
        mov     ss, ax
        mov     esp, 0x90000
        ; page tables at 0x1000 (PML4), 0x2000 (PDPT), 0x3000 (PD)
        mov     edi, 0x1000
        mov     ecx, 3 * 1024
        xor     eax, eax
        rep stosd
        mov     dword [0x1000], 0x2003
        mov     dword [0x2000], 0x3003
        mov     edi, 0x3000
        mov     eax, 0x83
        mov     ecx, 512
.pd:    mov     [edi], eax
        mov     dword [edi + 4], 0
        add     eax, 0x200000
        add     edi, 8
        loop    .pd
        mov     eax, 0x1000
        mov     cr3, eax
        mov     eax, cr4
        or      eax, 0x20
        mov     cr4, eax
        mov     ecx, 0xc0000080
        rdmsr
        or      eax, 0x100
        wrmsr
        mov     eax, cr0
        or      eax, 0x80000000
        mov     cr0, eax
        jmp     0x18:start64
bits 64
start64:
        mov     rsp, 0x90000
        call    payload
        mov     dx, 0x8900
        mov     rsi, shutdown
        mov     ecx, 8
.s:     lodsb
        out     dx, al
        loop    .s
        hlt
shutdown: db "Shutdown"
payload:
%include "payload.asm"
        ret
align 8
gdt:    dq 0
        dq 0x00cf9a000000ffff   ; 0x08 code32
        dq 0x00cf92000000ffff   ; 0x10 data
        dq 0x00af9a000000ffff   ; 0x18 code64
gdt_ptr: dw gdt_ptr - gdt - 1
        dd gdt
        times 0xfff0 - ($ - $$) db 0
bits 16
reset:  jmp     0xf000:start16 - 0xf0000
        times 0x10000 - ($ - $$) db 0
