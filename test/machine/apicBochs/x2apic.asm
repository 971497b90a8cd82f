; x2APIC differential case (run in Bochs 2.7 and in Hyperscope's bare mode through the
; VMX differential harness, test/vmx/bochs/harness.inc): IA32_APIC_BASE transitions, the
; x2APIC MSR access rules (#GP for reserved MSRs, read-only writes, write-only reads,
; reserved bits), TPR/PPR, self IPIs held by IF = 0 and by the TPR, delivery order, EOI,
; and a one-shot timer that has expired after a long loop (IRR, current count 0).
%include "harness.inc"

%define TICK_LOG  0x159000              ; scratch page: vectors taken, in order

; RDMSR_REPORT 'key', msr — key=EDX:EAX, or host_exception=vector when RDMSR faults
%macro RDMSR_REPORT 2
        mov     ecx, %2
        lea     rax, [%%fault]
        mov     [EXC_RECOVER], rax
        mov     [EXC_RSP], rsp
        rdmsr
        mov     qword [EXC_RECOVER], 0
        shl     rdx, 32
        or      rax, rdx
        REPORT  %1, rax
%%fault:
%endmacro

; WRMSR_PROBE 'key', msr, value — key=0 when WRMSR succeeds, else host_exception=vector
%macro WRMSR_PROBE 3
        mov     rax, %3
        mov     rdx, rax
        shr     rdx, 32
        mov     ecx, %2
        lea     r11, [%%fault]
        mov     [EXC_RECOVER], r11
        mov     [EXC_RSP], rsp
        wrmsr
        mov     qword [EXC_RECOVER], 0
        REPORT  %1, 0
%%fault:
%endmacro

case_main:
        call    setup                       ; VMXON + a VMCS, as the harness's case end expects
        ; gates 0x40, 0x60 -> handlers that log the vector and the PPR, then EOI
        lea     rax, [handler40]
        mov     edi, 0x40
        call    set_gate
        lea     rax, [handler60]
        mov     edi, 0x60
        call    set_gate
        mov     word [IDTR_PTR], 0x80 * 16 - 1
        lidt    [IDTR_PTR]

        mov     ecx, 0x1b
        rdmsr
        and     eax, 0xd00                  ; EN, EXTD, BSP (the base address is the same)
        REPORT  'apic_base_reset', rax
        RDMSR_REPORT 'id_xapic', 0x802      ; #GP: not in x2APIC mode
        WRMSR_PROBE 'extd_without_en', 0x1b, 0xfee00400
        mov     ecx, 0x1b
        rdmsr
        or      eax, 0xc00
        wrmsr
        rdmsr
        and     eax, 0xd00
        REPORT  'apic_base_x2', rax
        WRMSR_PROBE 'x2_to_xapic', 0x1b, 0xfee00900

        RDMSR_REPORT 'id', 0x802
        RDMSR_REPORT 'ldr', 0x80d
        RDMSR_REPORT 'svr_reset', 0x80f
        RDMSR_REPORT 'lvt_timer_reset', 0x832
        RDMSR_REPORT 'eoi_read', 0x80b
        RDMSR_REPORT 'self_ipi_read', 0x83f
        RDMSR_REPORT 'reserved_809', 0x809
        RDMSR_REPORT 'icr_hi_831', 0x831
        WRMSR_PROBE 'write_id', 0x802, 0
        WRMSR_PROBE 'write_ppr', 0x80a, 0
        WRMSR_PROBE 'write_irr', 0x820, 0
        WRMSR_PROBE 'tpr_bit8', 0x808, 0x100
        WRMSR_PROBE 'tpr_high', 0x808, 0x100000000
        WRMSR_PROBE 'eoi_nonzero', 0x80b, 1
        WRMSR_PROBE 'esr_nonzero', 0x828, 1
        WRMSR_PROBE 'svr_bit9', 0x80f, 0x200
        WRMSR_PROBE 'svr', 0x80f, 0x1ff
        WRMSR_PROBE 'divide', 0x83e, 0x9
        RDMSR_REPORT 'divide', 0x83e
        WRMSR_PROBE 'icr_64', 0x830, 0x00000005000000f0
        RDMSR_REPORT 'icr', 0x830

        ; TPR 0x50: vector 0x40 is held, 0x60 is taken first once IF = 1
        WRMSR_PROBE 'tpr', 0x808, 0x50
        RDMSR_REPORT 'ppr_tpr', 0x80a
        mov     qword [TICK_LOG], 0
        WRMSR_PROBE 'ipi40', 0x83f, 0x40
        WRMSR_PROBE 'ipi60', 0x83f, 0x60
        RDMSR_REPORT 'irr2_held', 0x822
        RDMSR_REPORT 'irr3_held', 0x823
        sti
        nop
        cli
        REPORT  'taken_tpr', [TICK_LOG]
        RDMSR_REPORT 'irr2_after', 0x822
        WRMSR_PROBE 'tpr0', 0x808, 0
        sti
        nop
        cli
        REPORT  'taken', [TICK_LOG]
        REPORT  'ppr_in_60', [TICK_LOG + 16]
        REPORT  'ppr_in_40', [TICK_LOG + 24]
        RDMSR_REPORT 'isr2', 0x812
        RDMSR_REPORT 'ppr_end', 0x80a

        ; one-shot timer: 10 counts (divide by 1), vector 0x40, IF = 0: pending after a long loop
        WRMSR_PROBE 'div1', 0x83e, 0xb
        WRMSR_PROBE 'lvt', 0x832, 0x40
        WRMSR_PROBE 'init', 0x838, 10
        mov     ecx, 200000
.spin:  dec     ecx
        jnz     .spin
        RDMSR_REPORT 'timer_current', 0x839
        RDMSR_REPORT 'timer_irr2', 0x822
        RDMSR_REPORT 'timer_lvt', 0x832
        mov     qword [TICK_LOG], 0
        sti                                 ; the expired timer's interrupt is taken now
        nop
        cli
        REPORT  'timer_taken', [TICK_LOG]
        RDMSR_REPORT 'timer_irr2_after', 0x822
        ret

handler40:
        push    rax
        push    rcx
        push    rdx
        mov     rax, [TICK_LOG]
        shl     rax, 8
        or      rax, 0x40
        mov     [TICK_LOG], rax
        mov     ecx, 0x80a
        rdmsr
        mov     [TICK_LOG + 24], rax
        jmp     handler_eoi
handler60:
        push    rax
        push    rcx
        push    rdx
        mov     rax, [TICK_LOG]
        shl     rax, 8
        or      rax, 0x60
        mov     [TICK_LOG], rax
        mov     ecx, 0x80a
        rdmsr
        mov     [TICK_LOG + 16], rax
handler_eoi:
        mov     ecx, 0x80b
        xor     eax, eax
        xor     edx, edx
        wrmsr
        pop     rdx
        pop     rcx
        pop     rax
        iretq

; set_gate: edi = vector, rax = handler (64-bit interrupt gate, DPL 0)
set_gate:
        shl     edi, 4
        add     rdi, IDT_BASE
        mov     [rdi], ax
        mov     word [rdi + 2], SEL_CODE
        mov     word [rdi + 4], 0x8e00
        shr     rax, 16
        mov     [rdi + 6], ax
        shr     rax, 16
        mov     [rdi + 8], eax
        mov     dword [rdi + 12], 0
        ret

guest:                                  ; (the harness's default VMCS needs a guest entry; unused)
        hlt
