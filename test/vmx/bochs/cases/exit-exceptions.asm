; Exceptions through the exception bitmap (reason 0; SDM 25.2, 27.2.2; fact sheet §3.3,
; §3.5): #UD, #BP (software exception, with length), #DE, #GP(0) with its error code, #PF
; with the faulting address as qualification and the error-code mask/match rule; a #PF
; whose error code does not match is delivered to the guest (IDT limit 0: triple fault, 2).
%include "harness.inc"
case_main:
        call    setup
        VMW     EXCEPTION_BITMAP, (1 << 6) | (1 << 3) | (1 << 0) | (1 << 13) | (1 << 14)
        lea     rax, [continuations]
        mov     [CONT_PTR], rax
        GO      vmlaunch
.exit:  mov     edi, X_INT | X_IDTV
        call    report_exit
        VMR     VM_EXIT_INTR_INFO
        and     eax, 0x7ff
        cmp     eax, 0x603                        ; #BP: length defined (software exception)
        jne     .nolen
        VMR     VM_EXIT_INSTRUCTION_LEN
        REPORT  'ilen', rax
.nolen: VMR     VM_EXIT_REASON
        test    eax, eax
        jnz     .done
        VMR     VM_EXIT_INTR_INFO
        and     eax, 0xff
        cmp     eax, 14
        jne     .next
        ; after the first #PF: exit only for write faults (mask = match = W)
        VMW     PAGE_FAULT_ERROR_CODE_MASK, 2
        VMW     PAGE_FAULT_ERROR_CODE_MATCH, 2
.next:  call    next_continuation
        GO      vmresume
        jmp     .exit
.done:  ret
continuations:
        dq      g1, g2, g3, g4, g5, g6, g7, g8
guest:
        ud2
g1:     int3
g2:     xor     ecx, ecx
        div     ecx
g3:     mov     rax, 0x0000800000000000
        mov     rbx, [rax]                        ; non-canonical: #GP(0)
g4:     mov     rax, 0x40000010
        mov     rbx, [rax]                        ; not present: #PF, error code 0
g5:     mov     rax, 0x40001000
        mov     [rax], rbx                        ; write: error code 2 matches: exit
g6:     mov     rax, 0x40002000
        mov     rbx, [rax]                        ; read: 0 does not match: to the guest
g7:     vmcall
g8:     vmcall
