; RDMSR/WRMSR exits (31/32) with the MSR bitmap (SDM 26.1.3, fact sheet §4.4): read-low,
; read-high, write-low, write-high quarters; MSRs outside both ranges always exit; with
; bitmaps off every access exits. Qualification 0, guest RCX = the MSR.
%include "harness.inc"
case_main:
        call    setup
        SETCTL  CPU_BASED_VM_EXEC_CONTROL, CTL_PROC, 1 << 28
        bts     dword [MSRBM + (0x174 >> 3)], 0x174 & 7                 ; read-low
        bts     dword [MSRBM + 0x400 + (0x101 >> 3)], 0x101 & 7         ; read-high 0xc0000101
        bts     dword [MSRBM + 0x800 + (0x175 >> 3)], 0x175 & 7         ; write-low
        bts     dword [MSRBM + 0xc00 + (0x100 >> 3)], 0x100 & 7         ; write-high 0xc0000100
        mov     dword [EXIT_MASK], X_LEN
        call    run_until_vmcall
        REPORT  'g_rax', [GREGS + 0]
        REPORT  'g_rdx', [GREGS + 16]
        REPORT  'g_r8', [GREGS + 64]
        ; bitmaps off: every RDMSR/WRMSR exits
        call    vmcs_init
        mov     dword [EXIT_MASK], X_LEN
        lea     rax, [guest2]
        VMW     GUEST_RIP, rax
        call    run_until_vmcall
        ret
guest:
        mov     ecx, 0x174
        rdmsr                                  ; exit
        mov     ecx, 0x175
        rdmsr                                  ; native: SYSENTER_ESP loaded from the VMCS (0)
        mov     r8, rax
        xor     eax, eax
        xor     edx, edx
        wrmsr                                  ; exit
        mov     ecx, 0xc0000101
        rdmsr                                  ; exit
        mov     ecx, 0xc0000100
        wrmsr                                  ; exit
        mov     ecx, 0xc0000102
        mov     eax, 0x1000
        wrmsr                                  ; native (KERNEL_GS_BASE)
        rdmsr
        mov     ecx, 0x40000000
        rdmsr                                  ; outside both ranges: exit
        mov     ecx, 0x2000
        wrmsr                                  ; outside: exit
        vmcall
guest2:
        mov     ecx, 0x10
        rdmsr
        mov     ecx, 0xc0000102
        wrmsr
        vmcall
