; Two VMCSs (SDM 25.11, 31.3 VMCLEAR/VMPTRLD/VMPTRST): A and B launched with different guests,
; switched with VMPTRLD and resumed in turn (each keeps its own guest state and launch
; state); VMCLEAR of the non-current VMCS leaves the current-VMCS pointer alone, then
; VMRESUME of the cleared one fails (5) and VMLAUNCH works again; INVEPT/INVVPID error
; paths: VPID 0 for individual-address and single-context-retaining-globals, a type in
; bits 63:32 of the register, and the all-context types with VPID 0 (valid).
%include "harness.inc"
case_main:
        call    setup
        GO      vmlaunch                          ; A: guest
        call    report
        vmclear [PTR_VMCS_B]
        vmptrld [PTR_VMCS_B]
        RESULT  'vmptrld_b'
        call    vmcs_init_b
        GO      vmlaunch                          ; B: guest_b
        call    report
        vmptrld [PTR_VMCS_A]
        SKIP
        GO      vmresume                          ; A again: its next VMCALL
        call    report
        vmclear [PTR_VMCS_B]                      ; B is not current
        RESULT  'vmclear_b'
        mov     qword [SCRATCH], 0
        vmptrst [SCRATCH]
        mov     rax, [SCRATCH]
        REPORT  'current_is_a', rax
        vmptrld [PTR_VMCS_B]
        TRY     'resume_cleared_b', vmresume
        VMR     GUEST_RIP
        lea     rdx, [guest_b]
        sub     rax, rdx
        REPORT  'b_rip_offset_kept', rax
        TRY     'launch_cleared_b', vmlaunch
        ; INVVPID / INVEPT operands
        mov     qword [SCRATCH + 16], 0
        mov     qword [SCRATCH + 24], 0x1000
        xor     eax, eax
        invvpid rax, [SCRATCH + 16]
        RESULT  'invvpid_address_vpid0'
        mov     eax, 3
        invvpid rax, [SCRATCH + 16]
        RESULT  'invvpid_single_globals_vpid0'
        mov     eax, 2
        invvpid rax, [SCRATCH + 16]
        RESULT  'invvpid_all_vpid0'
        mov     rax, (1 << 32) | 2
        invvpid rax, [SCRATCH + 16]
        RESULT  'invvpid_type_high_bits'
        call    ept_identity
        mov     [SCRATCH + 32], rax
        mov     qword [SCRATCH + 40], 0
        mov     rax, (1 << 32) | 2
        invept  rax, [SCRATCH + 32]
        RESULT  'invept_type_high_bits'
        mov     qword [SCRATCH + 40], 1                ; reserved descriptor bits 127:64
        mov     eax, 2
        invept  rax, [SCRATCH + 32]
        RESULT  'invept_global_reserved_high'
        ret
report:
        xor     edi, edi
        call    report_exit
        REPORT  'g_rbx', [GREGS + 24]
        ret
; vmcs_init_b: VMCS B as VMCS A (vmcs_init on the current VMCS), with guest RIP guest_b
vmcs_init_b:
        push    qword [PTR_VMCS_A]
        mov     rax, [PTR_VMCS_B]
        mov     [PTR_VMCS_A], rax
        call    vmcs_init
        pop     qword [PTR_VMCS_A]
        lea     rax, [guest_b]
        VMW     GUEST_RIP, rax
        VMW     GUEST_RSP, GUEST_STACK - 0x1000
        ret
guest:
        mov     ebx, 0xa1
        vmcall
        mov     ebx, 0xa2
        vmcall
guest_b:
        mov     ebx, 0xb1
        vmcall
        mov     ebx, 0xb2
        vmcall
