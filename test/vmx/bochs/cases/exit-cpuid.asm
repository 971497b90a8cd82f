; CPUID exits unconditionally (reason 10, length 2); the host emulates it by setting the
; guest's RAX and resumes; the guest copies RAX to RBX and does VMCALL (reason 18).
%include "harness.inc"
case_main:
        call    setup
        GO      vmlaunch
        mov     edi, X_LEN
        call    report_exit
        REPORT  'g_rax', [GREGS + 0]
        REPORT  'g_rcx', [GREGS + 8]
        SKIP
        mov     qword [GREGS + 0], 0x1234
        GO      vmresume
        mov     edi, X_LEN
        call    report_exit
        REPORT  'g_rbx', [GREGS + 24]
        ret
guest:
        xor     eax, eax
        mov     ecx, 0x55
        cpuid
        mov     rbx, rax
        vmcall
