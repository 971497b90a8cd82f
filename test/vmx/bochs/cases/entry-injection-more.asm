; More event injection (SDM 26.6, 27.2.4, 27.2.5): a privileged software exception (type 5,
; ICEBP #DB) and INTO (type 6, vector 4) push RIP + VM-entry instruction length; an injected
; #PF does not write CR2 (the handler reads the host's value); #DF with error code 0; an
; injected software interrupt whose gate is not present exits with #NP (error code
; vector·8 + 2 + EXT = 0) and the interrupt in IDT-vectoring information, its length in
; the VM-exit instruction length; an injected #GP whose gate is beyond the IDT limit
; becomes #DF (IDT-vectoring error code reported).
%include "harness.inc"
%define GUEST_IDT 0x15a000

%macro GATE 2                                  ; vector, handler
        IDT_GATE GUEST_IDT + %1 * 16, %2
        mov     dword [rdi + 12], 0
%endmacro

%macro INJECT 4                                ; key, interruption info, error code, length
        VMW     VM_ENTRY_INTR_INFO, %2
        VMW     VM_ENTRY_EXCEPTION_ERROR_CODE, %3
        VMW     VM_ENTRY_INSTRUCTION_LEN, %4
        lea     rax, [gstart]
        VMW     GUEST_RIP, rax
        VMW     GUEST_RSP, GUEST_STACK
        VMW     GUEST_RFLAGS, 0x2
        REPORT  %1, 0
        GO      vmresume
        call    report_injection
%endmacro

case_main:
        call    setup
        GATE    1, isr
        GATE    4, isr
        GATE    8, isr
        GATE    14, isr
        GATE    0x21, isr
        mov     byte [GUEST_IDT + 0x21 * 16 + 5], 0x0e      ; 0x21: not present
        GATE    0x22, isr
        VMW     GUEST_IDTR_BASE, GUEST_IDT
        VMW     GUEST_IDTR_LIMIT, 0x22 * 16 + 15
        VMW     EXCEPTION_BITMAP, (1 << 11) | (1 << 8)
        mov     eax, 0x5a5a000
        mov     cr2, rax
        VMW     VM_ENTRY_INTR_INFO, 0x80000501          ; privileged software exception #DB
        VMW     VM_ENTRY_INSTRUCTION_LEN, 1
        REPORT  'icebp', 0
        GO      vmlaunch
        call    report_injection
        INJECT  'into', 0x80000604, 0, 1
        INJECT  'software_int_3_bytes', 0x80000422, 0, 3
        INJECT  'page_fault', 0x80000b0e, 0x3, 0
        INJECT  'double_fault', 0x80000b08, 0, 0
        INJECT  'software_int_not_present', 0x80000421, 0, 2
        VMR     IDT_VECTORING_ERROR_CODE
        VMW     GUEST_IDTR_LIMIT, 13 * 16 - 1            ; #GP gate beyond the limit
        INJECT  'gp_beyond_limit', 0x80000b0d, 0x18, 0
        VMR     IDT_VECTORING_ERROR_CODE
        REPORT  'idt_vectoring_error', rax
        ret

report_injection:
        mov     edi, X_INT | X_IDTV
        call    report_exit
        VMR     VM_EXIT_REASON
        test    eax, eax
        jnz     .frame
        VMR     VM_EXIT_INTR_INFO
        and     eax, 0xff
        cmp     eax, 11
        jne     .frame
        VMR     VM_EXIT_INSTRUCTION_LEN
        REPORT  'ilen', rax
.frame: REPORT  'frame0', [GREGS + 24]
        REPORT  'frame1', [GREGS + 8]
        REPORT  'handler_cr2', [GREGS + 16]
        mov     qword [GREGS + 24], 0
        mov     qword [GREGS + 8], 0
        mov     qword [GREGS + 16], 0
        ret

gstart: hlt
        hlt
        hlt
isr:    mov     rbx, [rsp]
        mov     rcx, [rsp + 8]
        mov     rdx, cr2
        vmcall
guest:
        hlt
