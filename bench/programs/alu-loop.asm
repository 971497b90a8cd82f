; Benchmark (a): a tight ALU loop — add rax, rcx; dec rdx; jnz — then hlt.
bits 64
org 0x100000
        mov     rcx, 1
        mov     rdx, ITERATIONS
        xor     eax, eax
.loop:  add     rax, rcx
        dec     rdx
        jnz     .loop
        hlt
