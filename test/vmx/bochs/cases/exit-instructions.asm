; Instruction exits controlled by processor-based controls (SDM 26.1.3, 27.2.1, 27.2.5):
; HLT (12), INVLPG (14, qualification = linear address), RDTSC (16), RDTSCP (51), PAUSE
; (40), WBINVD (54), MOV DR (29, qualification DR/direction/GPR), each with its length.
%include "harness.inc"
case_main:
        call    setup
        SETCTL  CPU_BASED_VM_EXEC_CONTROL, CTL_PROC, (1 << 7) | (1 << 9) | (1 << 12) | (1 << 23) | (1 << 30)
        SETCTL  SECONDARY_VM_EXEC_CONTROL, CTL_PROC2, (1 << 3) | (1 << 6)
        mov     dword [EXIT_MASK], X_LEN
        call    run_until_vmcall
        REPORT  'g_rbx', [GREGS + 24]
        ret
guest:
        mov     rbx, 0x123000
        hlt
        invlpg  [rbx + 0x10]
        invlpg  [rbx + rbx * 2 - 8]
        rdtsc
        rdtscp
        pause
        wbinvd
        mov     dr7, rax
        mov     rbx, dr1
        mov     dr3, r9
        mov     r12, dr6
        inc     rbx
        vmcall
