; VMX instructions in VMX non-root operation exit unconditionally (SDM 26.1.2) with the
; instruction-information field (SDM 27.2.5 Table 27-13/27-14) and the memory operand's
; displacement as qualification (SDM 27.2.1); descriptor-table exiting (46/47) likewise.
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
        vmread  rax, rdx
        vmread  [rbx + rcx * 4 + 0x10], rdx
        vmwrite r9, [rbx + 0x20]
        vmwrite rsi, r10
        vmptrld [rbx]
        vmptrst [rbx + rcx * 8 - 8]
        vmclear [rbx + 0x100]
        vmxon   [rbx]
        invept  rax, [rbx + 0x30]
        invvpid r11, [rbx + rcx]
        vmlaunch
        vmresume
        vmxoff
        sgdt    [rbx + 0x40]
        sidt    [rbx + rcx * 2]
        lgdt    [rbx + 0x40]
        sldt    eax
        str     [rbx + 0x50]
        ltr     r8w
        vmcall
