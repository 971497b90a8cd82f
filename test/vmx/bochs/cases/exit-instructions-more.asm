; More instruction exits (SDM 26.1.2, 26.1.3): INVD (13, unconditional), RDPMC exiting (15),
; and XSETBV with CR4.OSXSAVE = 0, whose #UD has priority over the unconditional exit
; (26.1.1). (MONITOR/MWAIT are not compared: our CPU model has no MONITOR/MWAIT —
; CPUID.1:ECX.MONITOR = 0, so they are #UD before any exit; Bochs's model has them.)
%include "harness.inc"
case_main:
        call    setup
        SETCTL  CPU_BASED_VM_EXEC_CONTROL, CTL_PROC, 1 << 11
        VMW     EXCEPTION_BITMAP, 1 << 6
        mov     dword [EXIT_MASK], X_LEN | X_INT
        lea     rax, [continuations]
        mov     [CONT_PTR], rax
        GO      vmlaunch
.exit:  mov     edi, X_LEN | X_INT
        call    report_exit
        VMR     VM_EXIT_REASON
        cmp     eax, 18
        je      .done
        test    eax, eax                                ; an exception: RIP from the table
        jz      .cont
        SKIP
        jmp     .go
.cont:  call    next_continuation
.go:    GO      vmresume
        jmp     .exit
.done:  ret
continuations:
        dq      after_xsetbv
guest:
        invd
        xor     ecx, ecx
        rdpmc
        xor     ecx, ecx
        xsetbv
after_xsetbv:
        vmcall
