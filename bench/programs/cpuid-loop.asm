; Benchmark: a guest doing CPUID in a loop (one VM exit per iteration under the
; built-in hypervisor), then hlt.
bits 64
org 0x100000
        mov     r8, ITERATIONS
.loop:  xor     eax, eax
        cpuid
        dec     r8
        jnz     .loop
        hlt
