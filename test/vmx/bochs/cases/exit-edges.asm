; Edge cases of CR-access and I/O exits (SDM 26.1.3, 25.3 (CR0/CR4 masks), 26.1.1): CLTS
; with mask.TS = 1 and shadow.TS = 0 neither exits nor changes CR0.TS; LMSW cannot clear
; PE (no exit when only PE would change and the shadow's PE is 1); REP OUTSB with RCX = 0;
; MOV to CR8 of a value with reserved bits set under CR8-load exiting (exit before #GP).
%include "harness.inc"
case_main:
        call    setup
        SETCTL  CPU_BASED_VM_EXEC_CONTROL, CTL_PROC, (1 << 24) | (1 << 19)
        VMW     EXCEPTION_BITMAP, 1 << 13
        VMR     GUEST_CR0
        or      eax, 8                                   ; guest CR0.TS = 1
        VMW     GUEST_CR0, rax
        and     eax, ~8
        VMW     CR0_READ_SHADOW, rax                     ; shadow: TS = 0, PE = 1
        VMW     CR0_GUEST_HOST_MASK, 0x9                 ; PE, TS
        mov     dword [EXIT_MASK], X_LEN | X_GLA | X_INT
        call    run_until_vmcall
        VMR     GUEST_CR0
        REPORT  'guest_cr0', rax
        REPORT  'g_rbx', [GREGS + 24]
        ret
guest:
        clts                                             ; no exit, TS stays 1
        xor     eax, eax
        lmsw    ax                                       ; PE cannot be cleared: no exit
        mov     rbx, cr0                                 ; shadowed read
        xor     ecx, ecx
        mov     dx, 0x80
        mov     rsi, 0x159000
        rep outsb                                        ; count 0
        mov     eax, 0x10
        mov     cr8, rax                                 ; reserved bits: exit or #GP?
        vmcall
