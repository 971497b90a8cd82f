; Launch state (SDM 31.3 VMLAUNCH/VMRESUME; fact sheet §10.0 P5): VMRESUME of a clear
; VMCS fails with 5, VMLAUNCH of a launched one with 4, VMCLEAR makes it clear again.
%include "harness.inc"
case_main:
        call    setup
        vmresume
        RESULT  'vmresume_clear'
        GO      vmlaunch
        mov     edi, X_LEN
        call    report_exit
        vmlaunch
        RESULT  'vmlaunch_launched'
        SKIP
        GO      vmresume
        mov     edi, X_LEN
        call    report_exit
        vmclear [PTR_VMCS_A]
        vmptrld [PTR_VMCS_A]
        vmresume
        RESULT  'vmresume_after_vmclear'
        SKIP
        GO      vmlaunch
        mov     edi, X_LEN
        call    report_exit
        REPORT  'g_rbx', [GREGS + 24]
        ret
guest:
        vmcall
        inc     rbx
        vmcall
        inc     rbx
        vmcall
