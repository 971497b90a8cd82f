; NMI blocking in VMX non-root operation (SDM 25.3 IRET, 26.6.1.2, 27.2.2, 27.3.4): an
; injected NMI blocks NMIs until the guest's IRETQ (interruptibility bit 3 saved inside
; the handler, clear after it); with virtual NMIs and NMI-window exiting the IRETQ that
; clears virtual-NMI blocking is followed by exit 8; an IRETQ that faults (#GP, null CS)
; after unblocking reports bit 12 "NMI unblocking due to IRET" and saves bit 3 clear.
%include "harness.inc"
%define GUEST_IDT 0x15a000

%macro ENTER_WITH_NMI 1                        ; vmlaunch|vmresume
        lea     rax, [gmain]
        VMW     GUEST_RIP, rax
        VMW     GUEST_RSP, GUEST_STACK
        VMW     VM_ENTRY_INTR_INFO, 0x80000202
        GO      %1
%endmacro

case_main:
        call    setup
        IDT_GATE GUEST_IDT + 2 * 16, nmi_handler
        mov     dword [rdi + 12], 0
        VMW     GUEST_IDTR_BASE, GUEST_IDT
        VMW     GUEST_IDTR_LIMIT, 0xfff
        ; 1. no NMI exiting: blocking by NMI inside the handler, gone after its IRETQ
        mov     byte [bad_iret], 0
        ENTER_WITH_NMI vmlaunch
        xor     edi, edi
        call    report_exit
        VMR     GUEST_INTERRUPTIBILITY_INFO
        REPORT  'nmi_in_handler', rax
        SKIP
        GO      vmresume
        xor     edi, edi
        call    report_exit
        VMR     GUEST_INTERRUPTIBILITY_INFO
        REPORT  'nmi_after_iret', rax
        ; 2. virtual NMIs + NMI-window exiting: no window exit while the injected NMI's
        ;    handler runs; its IRETQ clears virtual-NMI blocking and exits (8)
        SETCTL  PIN_BASED_VM_EXEC_CONTROL, CTL_PIN, (1 << 3) | (1 << 5)
        SETCTL  CPU_BASED_VM_EXEC_CONTROL, CTL_PROC, 1 << 22
        ENTER_WITH_NMI vmresume
        xor     edi, edi
        call    report_exit
        VMR     GUEST_INTERRUPTIBILITY_INFO
        REPORT  'vnmi_in_handler', rax
        SKIP
        GO      vmresume
        xor     edi, edi
        call    report_exit
        VMR     GUEST_INTERRUPTIBILITY_INFO
        REPORT  'vnmi_after_iret', rax
        ; 3. virtual NMIs, the handler's IRETQ faults (#GP(0), null CS) after unblocking
        VMR     CPU_BASED_VM_EXEC_CONTROL
        and     eax, ~(1 << 22)
        VMW     CPU_BASED_VM_EXEC_CONTROL, rax
        VMW     EXCEPTION_BITMAP, 1 << 13
        mov     byte [bad_iret], 1
        ENTER_WITH_NMI vmresume
        xor     edi, edi
        call    report_exit
        SKIP
        GO      vmresume
        mov     edi, X_INT | X_IDTV
        call    report_exit
        VMR     GUEST_INTERRUPTIBILITY_INFO
        REPORT  'vnmi_iret_fault', rax
        ret

guest:
gmain:  vmcall
        hlt
nmi_handler:
        vmcall
        cmp     byte [bad_iret], 0
        je      .ret
        mov     qword [rsp + 8], 0
.ret:   iretq

align 8
bad_iret: db 0
