; Events in a 32-bit protected-mode guest (unrestricted guest with EPT, CR0.PE = 1, PG = 0;
; SDM 6.11–6.12, 26.6): 8-byte interrupt and trap gates, dword frames (EFLAGS, CS, EIP, error
; code), IF cleared by an interrupt gate only; injected external interrupt, INT n (with its
; VM-entry instruction length), #GP with its error code, the guest's own #UD and INT n, and
; IRETD back from a trap-gate handler.
%include "harness.inc"
%define SEL_CODE32 0x28
%define IDT32      0x15a000
%macro GATE32 3                                  ; vector, handler, type (0xe interrupt, 0xf trap)
        lea     rax, [%2]
        mov     word [IDT32 + %1 * 8], ax
        mov     word [IDT32 + %1 * 8 + 2], SEL_CODE32
        mov     word [IDT32 + %1 * 8 + 4], 0x8000 | (%3 << 8)
        shr     eax, 16
        mov     word [IDT32 + %1 * 8 + 6], ax
%endmacro
%macro INJECT 4                                  ; key, interruption info, error code, length
        VMW     VM_ENTRY_INTR_INFO, %2
        VMW     VM_ENTRY_EXCEPTION_ERROR_CODE, %3
        VMW     VM_ENTRY_INSTRUCTION_LEN, %4
        lea     rax, [idle]
        VMW     GUEST_RIP, rax
        VMW     GUEST_RSP, GUEST_STACK
        VMW     GUEST_RFLAGS, 0x202
        TRY     %1, vmresume
        call    report
%endmacro
case_main:
        mov     rax, 0x00cf9b000000ffff
        mov     [GDT_BASE + 40], rax
        mov     word [GDTR_PTR], 47
        lgdt    [GDTR_PTR]
        GATE32  0x20, isr_frame, 0xe
        GATE32  0x21, isr_frame, 0xf
        GATE32  13, isr_error, 0xe
        GATE32  6, isr_frame, 0xe
        GATE32  0x22, isr_iret, 0xf
        call    setup
        call    enable_ept
        SETCTL  SECONDARY_VM_EXEC_CONTROL, CTL_PROC2, 1 << 7
        VMR     VM_ENTRY_CONTROLS
        and     eax, ~0x200
        VMW     VM_ENTRY_CONTROLS, rax
        VMW     GUEST_CR0, 0x31                           ; PE, ET, NE; no paging
        VMW     GUEST_CR4, 0x2000
        VMW     GUEST_IA32_EFER, 0
        VMW     GUEST_CS_SELECTOR, SEL_CODE32
        VMW     GUEST_CS_AR, 0xc09b
        VMW     GUEST_GDTR_LIMIT, 47
        VMW     GUEST_IDTR_BASE, IDT32
        VMW     GUEST_IDTR_LIMIT, 0x22 * 8 + 7
        lea     rax, [idle]
        VMW     GUEST_RIP, rax
        VMW     GUEST_RFLAGS, 0x202
        VMW     VM_ENTRY_INTR_INFO, 0x80000020
        TRY     'external', vmlaunch
        call    report
        INJECT  'software_int', 0x80000421, 0, 2
        INJECT  'gp_error_code', 0x80000b0d, 0x18, 0
        lea     rax, [own_events]
        VMW     GUEST_RIP, rax
        VMW     GUEST_RSP, GUEST_STACK
        VMW     GUEST_RFLAGS, 0x202
        TRY     'guest_ud', vmresume
        call    report
        lea     rax, [own_int]
        VMW     GUEST_RIP, rax
        VMW     GUEST_RSP, GUEST_STACK
        VMW     GUEST_RFLAGS, 0x202
        TRY     'guest_int_iret', vmresume
        REPORT  'g_rsi', [GREGS + 48]
        REPORT  'g_rsp', [GREGS + 32]
        VMR     GUEST_RFLAGS
        REPORT  'rflags', rax
        ret
report:
        REPORT  'f0', [GREGS + 24]
        REPORT  'f1', [GREGS + 8]
        REPORT  'f2', [GREGS + 16]
        REPORT  'f3', [GREGS + 56]
        REPORT  'handler_esp', [GREGS + 32]
        VMR     GUEST_RFLAGS
        REPORT  'handler_rflags', rax
        mov     qword [GREGS + 56], 0
        ret
guest:
        hlt
        bits    32
idle:
        hlt
        hlt
own_events:
        ud2
own_int:
        xor     esi, esi
        int     0x22
        inc     esi
        vmcall
isr_frame:
        mov     ebx, [esp]
        mov     ecx, [esp + 4]
        mov     edx, [esp + 8]
        vmcall
isr_error:
        mov     ebx, [esp]
        mov     ecx, [esp + 4]
        mov     edx, [esp + 8]
        mov     edi, [esp + 12]
        vmcall
isr_iret:
        add     esi, 5
        iretd
        bits    64
