; INVEPT / INVVPID in VMX root (SDM 31.3; fact sheet §5 error 28, §6.2 types).
%include "harness.inc"
case_main:
        call    setup
        call    ept_identity
        mov     [SCRATCH], rax
        mov     qword [SCRATCH + 8], 0
        mov     ecx, 0x48c
        rdmsr
        REPORT  'cap_ept_vpid', rax
        mov     eax, 1
        invept  rax, [SCRATCH]
        RESULT  'invept_single'
        mov     eax, 2
        invept  rax, [SCRATCH]
        RESULT  'invept_global'
        xor     eax, eax
        invept  rax, [SCRATCH]
        RESULT  'invept_type0'
        mov     eax, 3
        invept  rax, [SCRATCH]
        RESULT  'invept_type3'
        mov     qword [SCRATCH + 16], 1          ; VPID 1
        mov     qword [SCRATCH + 24], 0x1000
        mov     eax, 0
        invvpid rax, [SCRATCH + 16]
        RESULT  'invvpid_address'
        mov     eax, 1
        invvpid rax, [SCRATCH + 16]
        RESULT  'invvpid_single'
        mov     eax, 2
        invvpid rax, [SCRATCH + 16]
        RESULT  'invvpid_all'
        mov     eax, 3
        invvpid rax, [SCRATCH + 16]
        RESULT  'invvpid_single_globals'
        mov     eax, 4
        invvpid rax, [SCRATCH + 16]
        RESULT  'invvpid_type4'
        mov     qword [SCRATCH + 16], 0          ; VPID 0 with single-context
        mov     eax, 1
        invvpid rax, [SCRATCH + 16]
        RESULT  'invvpid_single_vpid0'
        mov     qword [SCRATCH + 16], 1
        mov     rax, 0x0000800000000000
        mov     [SCRATCH + 24], rax              ; non-canonical address
        xor     eax, eax
        invvpid rax, [SCRATCH + 16]
        RESULT  'invvpid_noncanonical'
        mov     qword [SCRATCH + 16], 0x10001    ; reserved bits 63:16 of the descriptor
        mov     eax, 2
        invvpid rax, [SCRATCH + 16]
        RESULT  'invvpid_reserved'
        ret
guest:
        hlt
