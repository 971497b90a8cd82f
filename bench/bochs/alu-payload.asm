        mov     rcx, 1
        mov     rdx, ITERATIONS
.loop:  add     rax, rcx
        dec     rdx
        jnz     .loop
