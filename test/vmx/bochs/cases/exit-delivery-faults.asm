; Faults while the guest delivers its own events (SDM 27.2.4, 27.2.5, 6.15 Table 6-5):
; INT 0x21 through a not-present gate raises #NP(0x10a), which exits through the exception
; bitmap (IDT-vectoring information, instruction length); #DE through a not-present gate
; gives #NP during delivery, contributory + contributory = #DF, and #DF exits when bit 8
; of the exception bitmap is set (not #NP: its bit is clear then).
%include "harness.inc"
%define GUEST_IDT 0x15a000
case_main:
        call    setup
        IDT_GATE GUEST_IDT + 8 * 16, isr
        mov     word [GUEST_IDT + 0x21 * 16 + 4], 0x0e00     ; not present
        mov     word [GUEST_IDT + 0 * 16 + 4], 0x0e00        ; #DE: not present
        VMW     GUEST_IDTR_BASE, GUEST_IDT
        VMW     GUEST_IDTR_LIMIT, 0xfff
        VMW     EXCEPTION_BITMAP, 1 << 11
        GO      vmlaunch
        call    report
        VMR     VM_EXIT_INSTRUCTION_LEN                      ; defined: a software interrupt was being delivered
        REPORT  'ilen', rax
        VMW     EXCEPTION_BITMAP, 1 << 8
        lea     rax, [divide]
        VMW     GUEST_RIP, rax
        GO      vmresume
        call    report
        VMW     EXCEPTION_BITMAP, 0                          ; #DF delivered to the guest
        lea     rax, [divide]
        VMW     GUEST_RIP, rax
        VMW     GUEST_RSP, GUEST_STACK
        GO      vmresume
        call    report
        ret
report:
        mov     edi, X_INT | X_IDTV
        call    report_exit
        REPORT  'frame0', [GREGS + 24]
        REPORT  'frame1', [GREGS + 8]
        ret
isr:    mov     rbx, [rsp]
        mov     rcx, [rsp + 8]
        vmcall
guest:
        int     0x21
        vmcall
divide: xor     ecx, ecx
        div     ecx
        vmcall
