; TSC offsetting (primary bit 3; SDM 25.3, 26.1.3): without RDTSC exiting, RDTSC, RDTSCP
; and RDMSR of IA32_TSC return the TSC plus TSC_OFFSET (RDTSCP also loads ECX from
; IA32_TSC_AUX); the host's TSC is not offset. Only bits far above the elapsed time are
; compared (the two CPU models count different ticks). RDTSC exiting takes priority over
; offsetting (exit 16); RDTSCP with "enable RDTSCP" = 0 is #UD (exit through the bitmap).
%include "harness.inc"
case_main:
        call    setup
        SETCTL  CPU_BASED_VM_EXEC_CONTROL, CTL_PROC, (1 << 3) | (1 << 28)
        SETCTL  SECONDARY_VM_EXEC_CONTROL, CTL_PROC2, 1 << 3
        mov     ecx, 0xc0000103
        mov     eax, 0x4321
        xor     edx, edx
        wrmsr
        mov     rax, 0x7000000000000000
        VMW     TSC_OFFSET, rax
        GO      vmlaunch
        call    report_tsc
        ; a negative offset: guest TSC = 2^40 + (ticks since the host read it)
        rdtsc
        shl     rdx, 32
        or      rax, rdx
        neg     rax
        mov     rcx, 1 << 40
        add     rax, rcx
        VMW     TSC_OFFSET, rax
        lea     rax, [guest]
        VMW     GUEST_RIP, rax
        GO      vmresume
        call    report_tsc
        ; RDTSC exiting wins over offsetting
        SETCTL  CPU_BASED_VM_EXEC_CONTROL, CTL_PROC, 1 << 12
        lea     rax, [guest]
        VMW     GUEST_RIP, rax
        GO      vmresume
        mov     edi, X_LEN
        call    report_exit
        ; RDTSCP without "enable RDTSCP": #UD
        VMR     SECONDARY_VM_EXEC_CONTROL
        and     eax, ~(1 << 3)
        VMW     SECONDARY_VM_EXEC_CONTROL, rax
        VMW     EXCEPTION_BITMAP, 1 << 6
        lea     rax, [rdtscp_only]
        VMW     GUEST_RIP, rax
        GO      vmresume
        mov     edi, X_INT
        call    report_exit
        ret
report_tsc:
        mov     edi, 0
        call    report_exit
        mov     rax, [GREGS + 64]
        shr     rax, 40
        REPORT  'rdtsc_bits_63_40', rax
        mov     rax, [GREGS + 72]
        shr     rax, 40
        REPORT  'rdtscp_bits_63_40', rax
        REPORT  'rdtscp_ecx', [GREGS + 80]
        mov     rax, [GREGS + 88]
        shr     rax, 40
        REPORT  'rdmsr_tsc_bits_63_40', rax
        rdtsc
        shl     rdx, 32
        or      rax, rdx
        shr     rax, 56
        REPORT  'host_tsc_bits_63_56', rax
        ret
guest:
        rdtsc
        shl     rdx, 32
        or      rax, rdx
        mov     r8, rax
        rdtscp
        shl     rdx, 32
        or      rax, rdx
        mov     r9, rax
        mov     r10, rcx
        mov     ecx, 0x10
        rdmsr
        shl     rdx, 32
        or      rax, rdx
        mov     r11, rax
        vmcall
rdtscp_only:
        rdtscp
        vmcall
