; Control-register accesses (reason 28, SDM 26.1.3, 27.2.1 Table 27-3; fact sheet §4.1):
; CR0/CR4 guest/host masks and read shadows (MOV to CR exits only when a masked bit
; differs from the shadow; MOV from CR reads the shadow), CLTS, LMSW (register and memory:
; bit 6 and the guest-linear address), CR3-load/-store exiting with a CR3-target value,
; CR8-load/-store exiting.
%include "harness.inc"
case_main:
        call    setup
        SETCTL  CPU_BASED_VM_EXEC_CONTROL, CTL_PROC, (1 << 15) | (1 << 16) | (1 << 19) | (1 << 20)
        VMW     CR0_GUEST_HOST_MASK, 0x8000000a         ; PG, TS, MP
        VMR     GUEST_CR0
        or      eax, 8
        VMW     CR0_READ_SHADOW, rax                     ; shadow: TS = 1
        VMW     CR4_GUEST_HOST_MASK, 0x2080              ; VMXE, PGE
        VMW     CR4_READ_SHADOW, 0x20                    ; shadow: PAE only
        VMW     CR3_TARGET_COUNT, 1
        VMR     GUEST_CR3
        VMW     CR3_TARGET_VALUE0, rax
        mov     dword [EXIT_MASK], X_LEN | X_GLA
        call    run_until_vmcall
        REPORT  'g_rax', [GREGS + 0]
        REPORT  'g_rbx', [GREGS + 24]
        REPORT  'g_r10', [GREGS + 80]
        VMR     GUEST_CR0
        REPORT  'guest_cr0', rax
        VMR     GUEST_CR4
        REPORT  'guest_cr4', rax
        ret
guest:
        mov     rax, cr0                ; shadowed read, no exit
        mov     r10, rax
        mov     cr0, rax                ; masked bits equal the shadow: no exit
        and     eax, ~8
        mov     cr0, rax                ; TS differs from the shadow: exit
        or      eax, 2                  ; MP differs too (shadow MP = 0)
        mov     r11, rax
        mov     cr0, r11
        mov     rax, r10
        xor     eax, 1 << 16            ; WP: not masked, no exit
        mov     cr0, rax
        clts                            ; mask.TS = shadow.TS = 1: exit
        lmsw    ax                      ; TS 0 vs shadow 1: exit
        mov     word [0x159300], 0x0b
        lmsw    [0x159300]              ; memory operand
        mov     rbx, cr4                ; shadowed read
        or      ebx, 0x80
        mov     cr4, rbx                ; PGE 1 vs shadow 0: exit
        and     ebx, ~0x80
        or      ebx, 0x200              ; OSFXSR: not masked, no exit
        mov     cr4, rbx
        mov     rcx, cr3                ; CR3-store exiting
        mov     cr3, rcx                ; a CR3-target value: no exit
        mov     rdx, 0x121000
        mov     cr3, rdx                ; not a target: exit
        mov     cr8, rsi                ; CR8-load exiting
        mov     r9, cr8                 ; CR8-store exiting
        mov     rbx, cr4
        vmcall
