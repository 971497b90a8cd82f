; External-interrupt exiting (pin bit 0; SDM 25.2, 27.2.2) with the x2APIC as the source: the
; host (IF = 0) sends itself an IPI, then enters the guest. With "acknowledge interrupt on
; exit" the exit (1) reports the vector in the VM-exit interruption information and the
; interrupt moves from IRR to ISR; without it the information is invalid and the interrupt
; stays requested; without external-interrupt exiting it is delivered through the guest IDT.
; The exit does not depend on the guest's RFLAGS.IF (first step: IF = 0).
%include "harness.inc"
%define GUEST_IDT 0x15a000
%define VEC 0x40
%macro WRMSR 2
        mov     ecx, %1
        mov     eax, %2
        xor     edx, edx
        wrmsr
%endmacro
%macro RDMSR 2                                   ; key, msr
        mov     ecx, %2
        rdmsr
        REPORT  %1, rax
%endmacro
case_main:
        cli
        mov     eax, 1
        cpuid
        bt      ecx, 21
        setc    al
        movzx   eax, al
        REPORT  'cpuid_x2apic', rax
        mov     ecx, 0x1b
        rdmsr
        or      eax, 0xc00                       ; x2APIC mode, enabled
        wrmsr
        WRMSR   0x80f, 0x1ff                     ; software enable, spurious vector 0xff
        call    setup
        IDT_GATE GUEST_IDT + VEC * 16, isr
        VMW     GUEST_IDTR_BASE, GUEST_IDT
        VMW     GUEST_IDTR_LIMIT, 0xfff
        SETCTL  CPU_BASED_VM_EXEC_CONTROL, CTL_PROC, 1 << 28       ; MSR bitmaps (all zero: no MSR exits)
        SETCTL  PIN_BASED_VM_EXEC_CONTROL, CTL_PIN, 1
        SETCTL  VM_EXIT_CONTROLS, CTL_EXIT, 1 << 15
        WRMSR   0x83f, VEC                       ; self IPI; guest RFLAGS.IF = 0: exits all the same
        GO      vmlaunch
        call    report
        WRMSR   0x80b, 0                         ; EOI
        lea     rax, [guest]
        VMW     GUEST_RIP, rax
        VMW     GUEST_RFLAGS, 0x202
        WRMSR   0x83f, VEC                       ; self IPI, guest IF = 1
        GO      vmresume
        call    report
        WRMSR   0x80b, 0                         ; EOI
        RDMSR   'isr_after_eoi', 0x812
        ; without acknowledge-on-exit
        VMR     VM_EXIT_CONTROLS
        and     eax, ~(1 << 15)
        VMW     VM_EXIT_CONTROLS, rax
        WRMSR   0x83f, VEC
        GO      vmresume
        call    report
        ; no external-interrupt exiting: the guest (IF = 1) takes the still-requested interrupt
        VMR     PIN_BASED_VM_EXEC_CONTROL
        and     eax, ~1
        VMW     PIN_BASED_VM_EXEC_CONTROL, rax
        VMW     GUEST_RFLAGS, 0x202
        GO      vmresume
        call    report
        REPORT  'handler_frame_rip', [GREGS + 24]
        ret
report:
        mov     edi, X_INT
        call    report_exit
        RDMSR   'isr', 0x812
        RDMSR   'irr', 0x822
        ret
isr:    mov     rbx, [rsp]
        mov     ecx, 0x80b
        xor     eax, eax
        xor     edx, edx
        wrmsr                                    ; EOI in the guest (the physical x2APIC)
        vmcall
guest:
        mov     ecx, 100000                      ; (no interrupt: a VMCALL exit after a while)
.spin:  dec     ecx
        jnz     .spin
        vmcall
