; Descriptor-table exiting (secondary bit 2; SDM 26.1.3, 27.2.1, 27.2.5 Tables 27-10 and
; 27-11): every one of SGDT, SIDT, LGDT, LIDT (exit 46) and SLDT, STR, LLDT, LTR (exit 47)
; in register and memory forms, with 32-bit address size, a segment override, an index
; without base, an absolute address and RIP-relative addressing (the qualification is then
; the effective address, not the displacement).
%include "harness.inc"
case_main:
        call    setup
        SETCTL  SECONDARY_VM_EXEC_CONTROL, CTL_PROC2, 1 << 2
        mov     dword [EXIT_MASK], X_LEN | X_INFO
        call    run_until_vmcall
        ret
guest:
        mov     rbx, 0x159000
        mov     rcx, 2
        lidt    [rbx + 0x60]
        lldt    [rbx + 0x70]
        lldt    dx
        sldt    [rbx + rcx * 8 + 0x10]
        sldt    r12
        str     ecx
        str     [rbx - 0x18]
        ltr     [rbx]
        ltr     r15w
        sgdt    [ebx + 8]
        sidt    [fs:rbx + 0x20]
        lidt    [gs:ebx + ecx * 4]
        sgdt    [rel dt_save]
        lgdt    [rcx * 4 + 0x159100]
        sidt    [0x159200]
        lldt    [r13 + r14 * 8]
        str     [rsp + 0x18]
        sldt    [rbp - 0x100]
        vmcall
dt_save:
        dq      0, 0
