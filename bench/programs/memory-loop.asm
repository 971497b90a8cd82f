; Benchmark (b): a memory-heavy loop under 4-level paging with 4 KiB pages. The program
; builds its own PML4 -> PDPT -> PD -> PT tables mapping a 16 MiB buffer at 1 GiB
; (physical 0x1000000) with 4 KiB pages, loads CR3, then repeatedly reads and writes
; every 64th byte of the buffer: 4096 pages, more than the TLB holds.
bits 64
org 0x100000
PML4    equ 0x200000
PDPT    equ 0x201000
PD_LOW  equ 0x202000
PD_HIGH equ 0x203000
PT      equ 0x204000           ; 8 page tables, 0x204000..0x20bfff
BUFFER  equ 0x1000000          ; physical
VBASE   equ 0x40000000         ; virtual (1 GiB)
PAGES   equ 4096

        ; clear the table area
        mov     rdi, PML4
        mov     ecx, (12 * 4096) / 8
        xor     eax, eax
        rep stosq
        mov     qword [PML4], PDPT | 3
        mov     qword [PDPT], PD_LOW | 3
        mov     qword [PDPT + 8], PD_HIGH | 3
        ; identity-map the low 1 GiB with 2 MiB pages (code, stack, tables)
        mov     rdi, PD_LOW
        mov     eax, 0x83
        mov     ecx, 512
.low:   mov     [rdi], rax
        add     rax, 0x200000
        add     rdi, 8
        dec     ecx
        jnz     .low
        ; PD_HIGH[0..7] -> the 8 page tables
        mov     rdi, PD_HIGH
        mov     rax, PT | 3
        mov     ecx, 8
.pds:   mov     [rdi], rax
        add     rax, 4096
        add     rdi, 8
        dec     ecx
        jnz     .pds
        ; 4096 PTEs -> the buffer
        mov     rdi, PT
        mov     rax, BUFFER | 3
        mov     ecx, PAGES
.ptes:  mov     [rdi], rax
        add     rax, 4096
        add     rdi, 8
        dec     ecx
        jnz     .ptes
        mov     rax, PML4
        mov     cr3, rax

        mov     r8, ITERATIONS
.outer: mov     rsi, VBASE
        mov     rdi, VBASE + PAGES * 4096
.inner: mov     rax, [rsi]
        add     [rsi + 8], rax
        add     rsi, 64
        cmp     rsi, rdi
        jb      .inner
        dec     r8
        jnz     .outer
        hlt
