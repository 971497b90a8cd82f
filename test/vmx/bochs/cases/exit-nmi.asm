; NMI exiting (pin bit 3; SDM 25.2, 27.1, 27.2.2) with the x2APIC as the source: an NMI IPI
; to the processor's own APIC ID (held pending while the host blocks NMIs) exits with
; interruption information 0x80000202 (type NMI) at the entry (guest interruptibility bit 3 = 0: NMIs are not blocked after VM entry,
; SDM 26.6.1); with bit 3 = 1 the NMI waits through the guest's run (no exit) and the host
; takes it after its IRET.
%include "harness.inc"
%macro SELF_NMI 0
        mov     ecx, 0x802                       ; x2APIC ID
        rdmsr
        mov     edx, eax                         ; destination
        mov     eax, 4 << 8                      ; delivery mode NMI, physical
        mov     ecx, 0x830                       ; ICR
        wrmsr
%endmacro
case_main:
        cli
        mov     ecx, 0x1b
        rdmsr
        or      eax, 0xc00
        wrmsr
        mov     ecx, 0x80f
        mov     eax, 0x1ff
        xor     edx, edx
        wrmsr
        call    setup
        SETCTL  PIN_BASED_VM_EXEC_CONTROL, CTL_PIN, 1 << 3
        ; a first NMI is taken by the host at once; its handler does not IRET (NMIs stay
        ; blocked), so the second one waits for the VM entry
        lea     rax, [.blocked]
        mov     [EXC_RECOVER], rax
        mov     [EXC_RSP], rsp
        SELF_NMI
        mov     ecx, 10
.wait:  dec     ecx
        jnz     .wait
.blocked:
        mov     qword [EXC_RECOVER], 0
        SELF_NMI
        GO      vmlaunch
        call    report
        ; guest blocking by NMI (interruptibility bit 3) with NMI exiting: the NMI waits in
        ; non-root operation (SDM 26.6.1) — no exit; the guest runs to its VMCALL
        SELF_NMI
        lea     rax, [guest]
        VMW     GUEST_RIP, rax
        VMW     GUEST_INTERRUPTIBILITY_INFO, 8
        GO      vmresume
        call    report
        VMR     GUEST_INTERRUPTIBILITY_INFO
        REPORT  'interruptibility', rax
        ; the host's IRET unblocks NMIs: the waiting one is taken by the host
        lea     rax, [.taken]
        mov     [EXC_RECOVER], rax
        mov     [EXC_RSP], rsp
        mov     rax, rsp
        push    SEL_DATA
        push    rax
        pushfq
        push    SEL_CODE
        lea     rax, [.iret]
        push    rax
        iretq
.iret:  mov     ecx, 10
.spin:  dec     ecx
        jnz     .spin
        REPORT  'no_nmi_after_iret', 1
.taken: mov     qword [EXC_RECOVER], 0
        ret
report:
        mov     edi, X_INT
        call    report_exit
        ret
guest:
        mov     ecx, 100000
.spin:  dec     ecx
        jnz     .spin
        vmcall
