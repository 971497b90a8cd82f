; #DB through the exception bitmap (reason 0, vector 1; SDM 27.2.1 Table 27-1): the exit
; qualification carries what DR6 would get — BS (bit 14) for a single step, B0 for an
; instruction breakpoint (a fault: guest RIP = the breakpoint). (Data breakpoints are not
; compared: our CPU does not simulate them — src/machine/cpu/execute/debugBreakpoints.ts.)
%include "harness.inc"
case_main:
        call    setup
        VMW     EXCEPTION_BITMAP, 1 << 1
        lea     rax, [continuations]
        mov     [CONT_PTR], rax
        GO      vmlaunch
.exit:  mov     edi, X_INT
        call    report_exit
        VMR     VM_EXIT_REASON
        test    eax, eax
        jnz     .done
        VMW     GUEST_RFLAGS, 2
        call    next_continuation
        GO      vmresume
        jmp     .exit
.done:  ret
continuations:
        dq      g1, g3
guest:
        pushfq
        or      qword [rsp], 0x100                   ; TF
        popfq
        nop                                          ; #DB (single step) after this one
g1:     lea     rax, [bp_target]
        mov     dr0, rax
        mov     eax, 1                               ; L0, execute
        mov     dr7, rax
bp_target:
        nop
g3:     mov     eax, 0x400
        mov     dr7, rax
        vmcall
