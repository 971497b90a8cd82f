; VMX-preemption timer (52; SDM 26.5.1, 27.2, 27.3.4): value 0 exits before the first
; guest instruction and "save preemption-timer value" stores 0; a large value lets the
; guest reach its VMCALL first. (Monitor trap flag is not compared: Bochs's
; corei7_skylake_x model does not offer it — IA32_VMX_TRUE_PROCBASED_CTLS bit 59 = 0.)
%include "harness.inc"
case_main:
        call    setup
        SETCTL  PIN_BASED_VM_EXEC_CONTROL, CTL_PIN, 1 << 6
        SETCTL  VM_EXIT_CONTROLS, CTL_EXIT, 1 << 22
        VMW     VMX_PREEMPTION_TIMER_VALUE, 0
        GO      vmlaunch
        xor     edi, edi
        call    report_exit
        VMR     VMX_PREEMPTION_TIMER_VALUE
        REPORT  'timer_saved', rax
        VMW     VMX_PREEMPTION_TIMER_VALUE, 0x7fffffff
        GO      vmresume
        mov     edi, X_LEN
        call    report_exit
        REPORT  'g_rax', [GREGS]
        ret
guest:
        mov     eax, 1
        add     eax, 2
        vmcall
