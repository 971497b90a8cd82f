; Triple fault in the guest (reason 2; SDM 25.2, 27.2): a #UD with an IDT that has no
; gates (limit 0) escalates to #GP, #DF and shutdown, which exits; guest RIP and the
; event fields as saved.
%include "harness.inc"
case_main:
        call    setup
        GO      vmlaunch
        mov     edi, X_INT | X_IDTV
        call    report_exit
        VMR     GUEST_ACTIVITY_STATE
        REPORT  'activity', rax
        REPORT  'g_rbx', [GREGS + 24]
        ret
guest:
        mov     ebx, 0x77
        ud2
