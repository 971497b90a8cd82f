; EPT violations while delivering an injected event (SDM 27.2.4 IDT-vectoring information,
; 28.3.3.2): the guest IDT page is not present in EPT (a read of the gate), then the
; guest stack page is read-only (the write of the frame); each exit carries the injected
; event as IDT-vectoring information; the host fixes EPT and re-injects it from there.
%include "harness.inc"
%define GUEST_IDT  0x15a000
%define GSTACK_TOP 0x15c000
case_main:
        call    setup
        IDT_GATE GUEST_IDT + 0x20 * 16, isr
        call    enable_ept
        xor     ebx, ebx
        call    split_2m
        mov     qword [EPT_PT + (GUEST_IDT >> 12) * 8], 0                              ; IDT page not present
        mov     qword [EPT_PT + ((GSTACK_TOP - 0x1000) >> 12) * 8], (GSTACK_TOP - 0x1000) | 0x35 ; stack R+X
        VMW     GUEST_IDTR_BASE, GUEST_IDT
        VMW     GUEST_IDTR_LIMIT, 0xfff
        VMW     GUEST_RSP, GSTACK_TOP
        VMW     GUEST_RFLAGS, 0x202
        VMW     VM_ENTRY_INTR_INFO, 0x80000020
        GO      vmlaunch
.exit:  mov     edi, X_GPA | X_GLA | X_IDTV
        call    report_exit
        VMR     VM_ENTRY_INTR_INFO
        REPORT  'entry_info_after', rax
        VMR     VM_EXIT_REASON
        cmp     eax, 48
        jne     .done
        VMR     GUEST_PHYSICAL_ADDRESS
        mov     rcx, rax
        shr     rcx, 12
        and     rax, ~0xfff
        or      rax, 0x37
        mov     [EPT_PT + rcx * 8], rax
        mov     qword [SCRATCH], 0
        mov     qword [SCRATCH + 8], 0
        mov     eax, 2
        invept  rax, [SCRATCH]
        VMR     IDT_VECTORING_INFO                     ; re-inject the event that was being delivered
        VMW     VM_ENTRY_INTR_INFO, rax
        GO      vmresume
        jmp     .exit
.done:  REPORT  'frame_rip', [GREGS + 24]
        REPORT  'frame_rflags', [GREGS + 8]
        REPORT  'handler_rsp', [GREGS + 32]
        ret
isr:    mov     rbx, [rsp]
        mov     rcx, [rsp + 16]
        vmcall
guest:
        hlt
