; Benchmark: a guest-mode virtio-blk driver reading 4 KiB (8 sectors) per request in a
; loop: header IN + 4 KiB data + status byte, one QueueNotify (an emulated MMIO write, one
; VM exit) per request, then polling the used ring. Device 0 at guest-physical 0xd0000000.
; Exit code 0 after ITERATIONS requests, 1 on any error.
bits 64
org 0x100000

MMIO    equ 0xd0000000
Q       equ 0x200000          ; descriptors +0, avail +0x80, used +0x100 (size 8)
REQ     equ 0x201000          ; header, status at +16
DATA    equ 0x202000          ; 4 KiB
SECTORS equ 8

        mov     rbx, MMIO
        mov     edx, [rbx + 0x000]
        cmp     edx, 0x74726976
        jne     fail
        mov     edx, [rbx + 0x008]
        cmp     edx, 2
        jne     fail
        mov     dword [rbx + 0x070], 0
        mov     dword [rbx + 0x070], 3
        mov     dword [rbx + 0x024], 1
        mov     dword [rbx + 0x020], 1          ; VERSION_1
        mov     dword [rbx + 0x070], 11
        mov     edx, [rbx + 0x070]
        test    edx, 8
        jz      fail
        mov     dword [rbx + 0x030], 0
        mov     dword [rbx + 0x038], 8
        mov     dword [rbx + 0x080], Q
        mov     dword [rbx + 0x090], Q + 0x80
        mov     dword [rbx + 0x0a0], Q + 0x100
        mov     dword [rbx + 0x044], 1
        mov     dword [rbx + 0x070], 15         ; DRIVER_OK
        mov     r12, [rbx + 0x100]              ; capacity in sectors
        shr     r12, 3                          ; 4 KiB blocks
        jz      fail
        ; the chain: header → data (device-writable) → status (device-writable)
        mov     qword [Q], REQ
        mov     dword [Q + 8], 16
        mov     dword [Q + 12], 0x00010001      ; NEXT, next = 1
        mov     qword [Q + 16], DATA
        mov     dword [Q + 24], 4096
        mov     dword [Q + 28], 0x00020003      ; NEXT | WRITE, next = 2
        mov     qword [Q + 32], REQ + 16
        mov     dword [Q + 40], 1
        mov     dword [Q + 44], 2               ; WRITE
        mov     dword [REQ], 0                  ; VIRTIO_BLK_T_IN
        xor     r13d, r13d                      ; block number
        xor     r14d, r14d                      ; avail idx
        mov     r15, ITERATIONS
.loop:  mov     rax, r13
        shl     rax, 3
        mov     [REQ + 8], rax                  ; sector
        mov     byte [REQ + 16], 0xff
        mov     eax, r14d
        and     eax, 7
        mov     word [Q + 0x80 + 4 + rax * 2], 0
        inc     r14d
        mov     [Q + 0x80 + 2], r14w
        mov     dword [rbx + 0x050], 0          ; QueueNotify: one VM exit
.poll:  cmp     [Q + 0x100 + 2], r14w
        jne     .poll
        cmp     byte [REQ + 16], 0
        jne     fail
        inc     r13
        cmp     r13, r12
        jb      .next
        xor     r13d, r13d
.next:  dec     r15
        jnz     .loop
        mov     al, 0
        out     0xf4, al
fail:   mov     al, 1
        out     0xf4, al
