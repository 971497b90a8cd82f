; Guest interruptibility saved on VM exits (SDM 27.3.4): an exit on the instruction right
; after MOV SS stores blocking by MOV SS (bit 1), right after STI blocking by STI
; (bit 0); event injection on entry (SDM 26.6): a #UD injected into a guest whose IDT
; has no gates escalates (exit 2) with the injected event in IDT-vectoring information.
%include "harness.inc"
case_main:
        call    setup
        mov     dword [EXIT_MASK], X_LEN
        GO      vmlaunch
        xor     edi, edi
        call    report_exit
        VMR     GUEST_INTERRUPTIBILITY_INFO
        REPORT  'interruptibility', rax
        SKIP
        VMW     GUEST_INTERRUPTIBILITY_INFO, 0
        GO      vmresume
        xor     edi, edi
        call    report_exit
        VMR     GUEST_INTERRUPTIBILITY_INFO
        REPORT  'interruptibility', rax
        SKIP
        VMW     GUEST_INTERRUPTIBILITY_INFO, 0
        VMW     GUEST_RFLAGS, 2
        VMW     EXCEPTION_BITMAP, 1 << 13
        VMW     VM_ENTRY_INTR_INFO, 0x80000306          ; inject #UD
        GO      vmresume
        mov     edi, X_INT | X_IDTV
        call    report_exit
        VMR     VM_ENTRY_INTR_INFO
        REPORT  'entry_intr_info_after', rax
        ret
guest:
        mov     ax, ss
        mov     ss, ax
        cpuid
        sti
        cpuid
        vmcall
