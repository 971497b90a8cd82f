; Activity state and event windows (SDM 26.7.5, 26.7.6, 25.2, 26.6.4): entry in the HLT
; state with a preemption timer of 0 exits 52 with HLT saved; an external interrupt
; injected into a halted guest wakes it (handler runs); NMI-window exiting with virtual
; NMIs exits at once unless virtual-NMI blocking is set; interrupt-window exiting waits
; out blocking by STI present at entry.
%include "harness.inc"
%define GUEST_IDT 0x15a000
case_main:
        call    setup
        IDT_GATE GUEST_IDT + 0x20 * 16, isr
        VMW     GUEST_IDTR_BASE, GUEST_IDT
        VMW     GUEST_IDTR_LIMIT, 0xfff
        ; 1. HLT activity state + timer 0
        SETCTL  PIN_BASED_VM_EXEC_CONTROL, CTL_PIN, 1 << 6
        VMW     VMX_PREEMPTION_TIMER_VALUE, 0
        VMW     GUEST_ACTIVITY_STATE, 1
        GO      vmlaunch
        xor     edi, edi
        call    report_exit
        VMR     GUEST_ACTIVITY_STATE
        REPORT  'activity_saved', rax
        ; 2. inject an external interrupt into the halted guest
        VMR     PIN_BASED_VM_EXEC_CONTROL
        and     eax, ~(1 << 6)
        VMW     PIN_BASED_VM_EXEC_CONTROL, rax
        VMW     GUEST_ACTIVITY_STATE, 1
        VMW     GUEST_RFLAGS, 0x202
        VMW     VM_ENTRY_INTR_INFO, 0x80000020
        GO      vmresume
        xor     edi, edi
        call    report_exit
        VMR     GUEST_ACTIVITY_STATE
        REPORT  'activity_after_wake', rax
        REPORT  'frame_rip', [GREGS + 24]
        ; 3. NMI-window exiting with virtual NMIs: no blocking (exit before the first
        ; instruction), then virtual-NMI blocking (no exit), then open again
        SETCTL  PIN_BASED_VM_EXEC_CONTROL, CTL_PIN, (1 << 3) | (1 << 5)
        SETCTL  CPU_BASED_VM_EXEC_CONTROL, CTL_PROC, 1 << 22
        VMW     GUEST_INTERRUPTIBILITY_INFO, 0
        lea     rax, [guest3]
        VMW     GUEST_RIP, rax
        GO      vmresume
        xor     edi, edi
        call    report_exit
        VMW     GUEST_INTERRUPTIBILITY_INFO, 8                  ; virtual-NMI blocking
        lea     rax, [guest3]
        VMW     GUEST_RIP, rax
        GO      vmresume
        xor     edi, edi
        call    report_exit
        VMW     GUEST_INTERRUPTIBILITY_INFO, 0
        GO      vmresume
        xor     edi, edi
        call    report_exit
        VMR     CPU_BASED_VM_EXEC_CONTROL
        and     eax, ~(1 << 22)
        VMW     CPU_BASED_VM_EXEC_CONTROL, rax
        ; 4. interrupt window with blocking by STI at entry
        SETCTL  CPU_BASED_VM_EXEC_CONTROL, CTL_PROC, 1 << 2
        VMW     GUEST_RFLAGS, 0x202
        VMW     GUEST_INTERRUPTIBILITY_INFO, 1
        lea     rax, [guest4]
        VMW     GUEST_RIP, rax
        GO      vmresume
        xor     edi, edi
        call    report_exit
        REPORT  'g_rax', [GREGS]
        ret
isr:    mov     rbx, [rsp]
        vmcall
guest:
        hlt
guest3: mov     eax, 1
        vmcall
guest4: mov     eax, 7
        inc     eax
        vmcall
