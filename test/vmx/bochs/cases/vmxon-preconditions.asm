; VMXON's and VMX operation's preconditions (SDM 24.7, 24.8, 31.3 VMXON/VMXOFF/VMREAD):
; #UD without CR4.VMXE, #GP with CR0.NE = 0 (CR0_FIXED0), VMfailInvalid for a misaligned
; or too-high VMXON pointer and a wrong revision; in VMX operation clearing CR4.VMXE or
; CR0.NE is #GP; VMREAD after VMXOFF is #UD.
%include "harness.inc"
case_main:
        mov     rax, cr4
        and     eax, ~0x2000
        mov     cr4, rax
        PROBE   'vmxon_without_vmxe', vmxon [PTR_VMXON]
        mov     rax, cr4
        or      eax, 0x2000
        mov     cr4, rax
        mov     rax, cr0
        and     eax, ~0x20
        mov     cr0, rax
        PROBE   'vmxon_cr0_ne_clear', vmxon [PTR_VMXON]
        mov     rax, cr0
        or      eax, 0x20
        mov     cr0, rax
        mov     qword [SCRATCH], VMXON_REGION + 0x10
        PROBE   'vmxon_misaligned', vmxon [SCRATCH]
        mov     rax, 1 << 50
        mov     [SCRATCH], rax
        PROBE   'vmxon_beyond_maxphyaddr', vmxon [SCRATCH]
        mov     eax, [VMXON_REGION]
        push    rax
        mov     dword [VMXON_REGION], 0x1234
        PROBE   'vmxon_bad_revision', vmxon [PTR_VMXON]
        pop     rax
        mov     [VMXON_REGION], eax
        PROBE   'vmxon', vmxon [PTR_VMXON]
        mov     byte [IN_VMX], 1
        mov     rbx, cr4
        mov     rax, rbx
        and     eax, ~0x2000
        PROBE   'clear_vmxe_in_vmx', mov cr4, rax
        mov     rbx, cr0
        mov     rax, rbx
        and     eax, ~0x20
        PROBE   'clear_ne_in_vmx', mov cr0, rax
        PROBE   'vmxoff', vmxoff
        mov     byte [IN_VMX], 0
        mov     rdx, GUEST_RIP
        PROBE   'vmread_after_vmxoff', vmread rax, rdx
        PROBE   'vmxoff_outside_vmx', vmxoff
        ret
guest:
        hlt
