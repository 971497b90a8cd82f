; Event injection on VM entry (SDM 26.6): an external interrupt, a hardware exception with
; error code, a software interrupt and a software exception (return RIP = guest RIP +
; VM-entry instruction length) and an NMI (then NMI blocking is saved), each delivered
; through the guest's IDT; the handler copies its stack frame to GPRs and does VMCALL.
; The valid bit of the VM-entry interruption information is cleared by the exit.
%include "harness.inc"
%define GUEST_IDT 0x15a000

%macro GATE 2                                  ; vector, handler
        IDT_GATE GUEST_IDT + %1 * 16, %2
        mov     dword [rdi + 12], 0
%endmacro

%macro INJECT 4                                ; key, interruption info, error code, length
        VMW     VM_ENTRY_INTR_INFO, %2
        VMW     VM_ENTRY_EXCEPTION_ERROR_CODE, %3
        VMW     VM_ENTRY_INSTRUCTION_LEN, %4
        lea     rax, [gstart]
        VMW     GUEST_RIP, rax
        VMW     GUEST_RSP, GUEST_STACK
        VMW     GUEST_RFLAGS, 0x202
        REPORT  %1, 0
        GO      vmresume
        call    report_injection
%endmacro

case_main:
        call    setup
        GATE    0x20, isr_plain
        GATE    13, isr_error
        GATE    0x21, isr_plain
        GATE    3, isr_plain
        GATE    2, isr_plain
        VMW     GUEST_IDTR_BASE, GUEST_IDT
        VMW     GUEST_IDTR_LIMIT, 0xfff
        VMW     GUEST_RFLAGS, 0x202
        VMW     VM_ENTRY_INTR_INFO, 0x80000020       ; external interrupt 0x20
        REPORT  'external', 0
        GO      vmlaunch
        call    report_injection
        INJECT  'gp_error_code', 0x80000b0d, 0x1234, 0
        INJECT  'software_int', 0x80000421, 0, 2
        INJECT  'software_exception_bp', 0x80000603, 0, 1
        INJECT  'nmi', 0x80000202, 0, 0
        VMR     GUEST_INTERRUPTIBILITY_INFO
        REPORT  'interruptibility_after_nmi', rax
        ret

report_injection:
        mov     edi, X_IDTV
        call    report_exit
        VMR     VM_ENTRY_INTR_INFO
        REPORT  'entry_info_after', rax
        REPORT  'frame0', [GREGS + 24]
        REPORT  'frame1', [GREGS + 8]
        REPORT  'frame2', [GREGS + 16]
        REPORT  'frame3', [GREGS + 64]
        REPORT  'handler_rsp', [GREGS + 72]
        ret

gstart: hlt
        hlt
        hlt
isr_plain:
isr_error:
        mov     rbx, [rsp]
        mov     rcx, [rsp + 8]
        mov     rdx, [rsp + 16]
        mov     r8, [rsp + 24]
        mov     r9, rsp
        vmcall
guest:
        hlt
