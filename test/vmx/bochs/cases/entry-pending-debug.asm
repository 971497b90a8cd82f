; Pending debug exceptions at VM entry (SDM 26.7.3, 27.3.1.5): with BS (bit 14) or B0 plus
; "enabled breakpoint" (bit 12) pending and no event injected, a #DB is delivered before the
; first guest instruction (through the exception bitmap: exit 0, qualification = the pending
; bits, guest RIP unchanged). Guest-state checks: with blocking by STI, BS must equal
; RFLAGS.TF (IA32_DEBUGCTL.BTF = 0) — otherwise exit 0x80000021 (reported last).
%include "harness.inc"
case_main:
        call    setup
        VMW     EXCEPTION_BITMAP, 1 << 1
        VMW     GUEST_PENDING_DBG_EXCEPTIONS, 0x4000
        VMW     GUEST_RFLAGS, 0x102
        TRY     'bs_with_tf', vmlaunch
        call    after
        VMW     GUEST_PENDING_DBG_EXCEPTIONS, 0x1001
        VMW     GUEST_RFLAGS, 0x2
        TRY     'b0_enabled', vmresume
        call    after
        VMW     GUEST_PENDING_DBG_EXCEPTIONS, 0x4000
        VMW     GUEST_INTERRUPTIBILITY_INFO, 1
        VMW     GUEST_RFLAGS, 0x302
        TRY     'sti_bs_with_tf', vmresume
        call    after
        VMW     GUEST_PENDING_DBG_EXCEPTIONS, 0x4000
        VMW     GUEST_INTERRUPTIBILITY_INFO, 0
        VMW     GUEST_RFLAGS, 0x102
        VMW     VM_ENTRY_INTR_INFO, 0x80000306              ; an injected #UD (no gate: triple fault)
        TRY     'bs_with_injection', vmresume
        call    after
        ; invalid guest state: blocking by STI with TF = 1 but BS = 0, and BS = 1 with TF = 0
        VMW     GUEST_PENDING_DBG_EXCEPTIONS, 0
        VMW     GUEST_INTERRUPTIBILITY_INFO, 1
        VMW     GUEST_RFLAGS, 0x302
        TRY     'sti_tf_without_bs', vmresume
        call    reset
        VMW     GUEST_PENDING_DBG_EXCEPTIONS, 0x4000
        VMW     GUEST_INTERRUPTIBILITY_INFO, 1
        VMW     GUEST_RFLAGS, 0x202
        TRY     'sti_bs_without_tf', vmresume
        ret
after:  VMR     GUEST_RIP
        lea     rdx, [guest]
        sub     rax, rdx
        REPORT  'grip_offset', rax
        VMR     GUEST_PENDING_DBG_EXCEPTIONS
        REPORT  'pending_dbg', rax
        VMR     VM_EXIT_INTR_INFO
        REPORT  'intinfo', rax
        VMR     GUEST_INTERRUPTIBILITY_INFO
        REPORT  'interruptibility', rax
reset:  lea     rax, [guest]
        VMW     GUEST_RIP, rax
        VMW     GUEST_RSP, GUEST_STACK
        VMW     GUEST_PENDING_DBG_EXCEPTIONS, 0
        VMW     GUEST_INTERRUPTIBILITY_INFO, 0
        VMW     VM_ENTRY_INTR_INFO, 0
        ret
guest:
        nop
        nop
        vmcall
