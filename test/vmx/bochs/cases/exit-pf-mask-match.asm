; #PF and the exception bitmap (SDM 25.2; fact sheet §3.5): a #PF causes a VM exit iff
; ((PFEC & PFEC_MASK) == PFEC_MATCH) equals bit 14 of the exception bitmap — all four
; combinations, with mask = match = W (bit 1): bit 14 = 1 exits on a write fault and
; delivers a read fault to the guest; bit 14 = 0 the other way round; and a match value
; outside the mask (never matches). A #PF that exits does not write CR2 (SDM 27.1); one
; delivered to the guest does (its handler reports CR2 and the error code, then VMCALL).
%include "harness.inc"
%define GUEST_IDT 0x15a000
case_main:
        call    setup
        IDT_GATE GUEST_IDT + 14 * 16, pf_handler
        VMW     GUEST_IDTR_BASE, GUEST_IDT
        VMW     GUEST_IDTR_LIMIT, 0xfff
        VMW     PAGE_FAULT_ERROR_CODE_MASK, 2
        VMW     PAGE_FAULT_ERROR_CODE_MATCH, 2
        lea     rax, [steps]
        mov     [CONT_PTR], rax
        lea     rbx, [bitmaps]
.step:  mov     rax, [rbx]
        cmp     rax, -1
        je      .done
        VMW     EXCEPTION_BITMAP, rax
        mov     rax, [rbx + 8]
        VMW     PAGE_FAULT_ERROR_CODE_MATCH, rax
        VMW     GUEST_RSP, GUEST_STACK
        call    next_continuation
        mov     eax, 0x5a5a000
        mov     cr2, rax                          ; the host's CR2 (= the guest's: not switched)
        push    rbx
        cmp     qword [rbx + 16], 0
        jne     .resume
        GO      vmlaunch
        jmp     .exited
.resume:
        GO      vmresume
.exited:
        pop     rbx
        mov     edi, X_INT
        call    report_exit
        mov     rax, cr2
        REPORT  'cr2_after_exit', rax
        REPORT  'g_rbx', [GREGS + 24]             ; handler: CR2
        REPORT  'g_rcx', [GREGS + 8]              ; handler: error code
        mov     qword [GREGS + 24], 0
        mov     qword [GREGS + 8], 0
        add     rbx, 24
        jmp     .step
.done:  ret
; per step: exception bitmap, PFEC match, 0 for VMLAUNCH / 1 for VMRESUME
bitmaps:
        dq      1 << 14, 2, 0                      ; write fault: match, bit 14 = 1 → exit
        dq      1 << 14, 2, 1                      ; read fault: no match → guest
        dq      0, 2, 1                            ; write fault: match, bit 14 = 0 → guest
        dq      0, 2, 1                            ; read fault: no match, bit 14 = 0 → exit
        dq      0, 4, 1                            ; match bit outside the mask: never matches → exit
        dq      1 << 14, 4, 1                      ; ... and with bit 14 = 1 → guest
        dq      -1
steps:
        dq      write_fault, read_fault, write_fault, read_fault, write_fault, write_fault
pf_handler:
        mov     rbx, cr2
        mov     rcx, [rsp]
        vmcall
write_fault:
        mov     rax, 0x40003008
        mov     [rax], rbx
        vmcall
read_fault:
        mov     rax, 0x40004010
        mov     rbx, [rax]
        vmcall
guest:
        vmcall
