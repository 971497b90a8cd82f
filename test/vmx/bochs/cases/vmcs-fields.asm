; Every VMCS field of fields.ts (SDM Appendix B, fact sheet §1.2): VMWRITE of an all-ones
; pattern and VMREAD back, on a cleared VMCS — the supported set and each field's width
; (16/32/64/natural truncation). Read-only fields (type 1) are only read. One line per
; field: f<encoding>=value read, or f<encoding>.err=VM-instruction error.
%include "harness.inc"
case_main:
        call    vmx_on
        vmclear [PTR_VMCS_A]
        vmptrld [PTR_VMCS_A]
        lea     r12, [fields]
.next:  mov     r13d, [r12]
        cmp     r13d, -1
        je      .done
        add     r12, 4
        mov     eax, r13d
        shr     eax, 10
        and     eax, 3
        cmp     eax, 1                                 ; read-only (VM-exit information)
        je      .read
        mov     rax, -1
        vmwrite r13, rax
        jbe     .failed
.read:  vmread  rbx, r13
        jbe     .failed
        call    .key
        mov     rax, rbx
        call    report_kv
        jmp     .next
.failed:
        VMR     VM_INSTRUCTION_ERROR
        mov     rbx, rax
        call    .key
        mov     dword [rsi + 5], '.err'
        mov     byte [rsi + 9], 0
        mov     rax, rbx
        call    report_kv
        jmp     .next
.done:  ret
; rsi := "f" + 4 hex digits of r13 (low 16 bits) at SCRATCH + 0xe00
.key:   lea     rsi, [SCRATCH + 0xe00]
        mov     byte [rsi], 'f'
        mov     ecx, 4
        mov     edx, r13d
        shl     edx, 16
        lea     rdi, [rsi + 1]
.hex:   rol     edx, 4
        mov     eax, edx
        and     eax, 15
        cmp     al, 10
        jb      .dec
        add     al, 'a' - 10 - '0'
.dec:   add     al, '0'
        mov     [rdi], al
        inc     rdi
        dec     ecx
        jnz     .hex
        mov     byte [rdi], 0
        ret
fields:
        FIELD_TABLE
guest:
        hlt
