; An EPT violation during the guest's own page walk (SDM 28.3.3.2): the guest's page
; directory page is not present in EPT, so the walk for the first instruction fetch
; faults with bit 7 = 1, bit 8 = 0 (a paging-structure access), GPA = the PDE address,
; GLA = the guest RIP.
%include "harness.inc"
case_main:
        call    setup
        call    enable_ept
        xor     ebx, ebx
        call    split_2m
        mov     qword [EPT_PT + (PD_BASE >> 12) * 8], 0
        GO      vmlaunch
        mov     edi, X_GPA | X_GLA
        call    report_exit
        mov     qword [EPT_PT + (PD_BASE >> 12) * 8], PD_BASE | 0x37
        GO      vmresume
        mov     edi, X_GPA | X_GLA | X_LEN
        call    report_exit
        ret
guest:
        vmcall
