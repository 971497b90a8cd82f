; I/O exits with unconditional I/O exiting (SDM 27.2.1 Table 27-5; fact sheet §4.3):
; qualification size/direction/string/REP/immediate (bit 6)/port, instruction length,
; guest-linear address for INS/OUTS; the guest's RCX/RSI/RDI are untouched by the exit.
%include "harness.inc"
case_main:
        call    setup
        SETCTL  CPU_BASED_VM_EXEC_CONTROL, CTL_PROC, 1 << 24
        GO      vmlaunch
.exit:  mov     edi, X_LEN
        VMR     EXIT_QUALIFICATION
        test    eax, 0x10                      ; string: guest-linear address too
        jz      .report
        mov     edi, X_LEN | X_GLA | X_INFO          ; (instruction information: IA32_VMX_BASIC bit 54 on both models)
.report:
        call    report_exit
        VMR     VM_EXIT_REASON
        cmp     eax, 18
        je      .done
        REPORT  'g_rcx', [GREGS + 8]
        REPORT  'g_rsi', [GREGS + 48]
        REPORT  'g_rdi', [GREGS + 56]
        SKIP
        GO      vmresume
        jmp     .exit
.done:  ret
guest:
        mov     al, 0x5a
        out     0x80, al
        in      al, 0x61
        mov     dx, 0x3f8
        in      ax, dx
        out     dx, eax
        mov     dx, 0xcfc
        in      eax, dx
        out     0x70, ax
        mov     rsi, 0x159100
        mov     ecx, 3
        rep outsb
        mov     rdi, 0x159200
        insw
        mov     dx, 0x80
        rep insd
        db      0x66
        outsw
        fs outsb                               ; segment override: FS in the information
        a32 outsb                              ; 32-bit address size
        vmcall
