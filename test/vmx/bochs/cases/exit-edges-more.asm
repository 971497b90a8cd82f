; More exit-priority and qualification edges (SDM 26.1.1, 26.1.3, 27.2.1 Tables 27-3/27-4/27-6):
; MOV DR4/DR5 with CR4.DE = 1 exit (the exit has priority over that #UD), as does a MOV DR
; with DR7.GD = 1 (over the general-detect #DB); CR3-target values 0–3 with a count of 4,
; then 3, then 0; INVLPG of a non-canonical address (qualification = the address); RDPMC of
; an invalid counter exits before its #GP. CPUID exits mark where the host changes a field.
%include "harness.inc"
case_main:
        call    setup
        SETCTL  CPU_BASED_VM_EXEC_CONTROL, CTL_PROC, (1 << 9) | (1 << 11) | (1 << 15) | (1 << 23)
        SETCTL  VM_ENTRY_CONTROLS, CTL_ENTRY, 1 << 2      ; load debug controls (GUEST_DR7)
        VMW     EXCEPTION_BITMAP, (1 << 1) | (1 << 6) | (1 << 13)
        VMR     GUEST_CR4
        or      eax, 8                                   ; DE
        VMW     GUEST_CR4, rax
        VMW     CR3_TARGET_COUNT, 4
        VMW     CR3_TARGET_VALUE0, 0x121000
        VMW     CR3_TARGET_VALUE1, 0x122000
        VMW     CR3_TARGET_VALUE2, 0x123000
        VMR     GUEST_CR3
        VMW     CR3_TARGET_VALUE3, rax
        lea     rax, [steps]
        mov     [CONT_PTR], rax
        GO      vmlaunch
.exit:  mov     edi, X_LEN | X_INT
        call    report_exit
        VMR     VM_EXIT_REASON
        cmp     eax, 18
        je      .done
        test    eax, eax
        jz      .done                                    ; an exception: stop here
        SKIP
        VMR     VM_EXIT_REASON
        cmp     eax, 10
        jne     .go
        mov     rax, [CONT_PTR]                          ; CPUID: the next host step
        add     qword [CONT_PTR], 16
        mov     rdx, [rax]
        mov     rax, [rax + 8]
        vmwrite rdx, rax
.go:    GO      vmresume
        jmp     .exit
.done:  ret
steps:                                                   ; field, value per CPUID exit
        dq      CR3_TARGET_COUNT, 3
        dq      CR3_TARGET_COUNT, 0
        dq      GUEST_DR7, 0x2400
guest:
        mov     rax, dr4                                 ; CR4.DE = 1: exit, not #UD
        mov     dr5, rcx
        mov     rcx, cr3
        mov     cr3, rcx                                 ; a target (slot 3): no exit
        cpuid                                            ; host: count 3
        mov     cr3, rcx                                 ; CR3 only in slot 3: exit
        cpuid                                            ; host: count 0
        mov     cr3, rcx                                 ; no targets: exit
        mov     rax, 0x0000900000001000
        invlpg  [rax]                                    ; non-canonical: exit with the address
        mov     ecx, 0x12345
        rdpmc                                            ; invalid counter: exit before #GP
        cpuid                                            ; host: DR7.GD = 1
        mov     rdx, dr0                                 ; exit before the general-detect #DB
        vmcall
