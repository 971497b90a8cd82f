; Interrupt-window exiting (7; SDM 26.7.5): with RFLAGS.IF = 1 and no blocking the exit
; happens before the first guest instruction; with IF = 0 only after STI and the
; instruction in its shadow.
%include "harness.inc"
case_main:
        call    setup
        SETCTL  CPU_BASED_VM_EXEC_CONTROL, CTL_PROC, 1 << 2
        VMW     GUEST_RFLAGS, 0x202
        GO      vmlaunch
        xor     edi, edi
        call    report_exit
        VMR     GUEST_INTERRUPTIBILITY_INFO
        REPORT  'interruptibility', rax
        ; IF = 0: the guest runs until STI + one instruction
        VMW     GUEST_RFLAGS, 2
        lea     rax, [guest2]
        VMW     GUEST_RIP, rax
        GO      vmresume
        xor     edi, edi
        call    report_exit
        VMR     GUEST_INTERRUPTIBILITY_INFO
        REPORT  'interruptibility', rax
        VMR     GUEST_RFLAGS
        REPORT  'guest_rflags', rax
        REPORT  'g_rax', [GREGS]
        ret
guest:
        vmcall
guest2:
        mov     eax, 1
        inc     eax
        sti
        inc     eax
        inc     eax
        vmcall
