; VMX instruction operands (SDM 31.3; 27.2.5 Table 27-13/27-14): in VMX root, VMREAD/
; VMWRITE/VMPTRST/VMPTRLD with 32-bit address size (a 0x67 prefix: the effective address
; wraps at 4 GiB) and a segment override; in compatibility mode (IA32_EFER.LMA = 1, CS.L = 0)
; VMREAD is #UD. In VMX non-root: VMX instructions with 32-bit addresses and segment
; overrides exit with their instruction information; a compatibility-mode guest gets #UD
; for VMREAD/VMPTRLD/INVEPT/VMXOFF (the #UD has priority over the exit, SDM 26.1.1), while
; VMCALL and CPUID still exit.
%include "harness.inc"
%define SEL_CODE32 0x28
case_main:
        ; a 32-bit code segment after the TSS descriptor (GDT slots 5)
        mov     rax, 0x00cf9b000000ffff
        mov     [GDT_BASE + 40], rax
        mov     word [GDTR_PTR], 47
        lgdt    [GDTR_PTR]
        call    setup
        VMW     GUEST_GDTR_LIMIT, 47
        mov     ebx, SCRATCH
        mov     rdx, GUEST_RSP
        mov     rax, 0x1122334455667788
        vmwrite rdx, rax
        vmread  [ebx + 0x10], rdx
        RESULT  'vmread_a32'
        REPORT  'vmread_a32_value', [SCRATCH + 0x10]
        mov     qword [SCRATCH + 0x18], 0x4455
        vmwrite rdx, [ebx + 0x18]
        RESULT  'vmwrite_a32'
        vmread  rax, rdx
        REPORT  'vmwrite_a32_value', rax
        ; 32-bit address wrap: 0xfffff000 + 0x159020 = 0x158020 (mod 2^32)
        mov     ebx, 0xfffff000
        vmread  [ebx + SCRATCH + 0x1020], rdx
        RESULT  'vmread_a32_wrap'
        REPORT  'vmread_a32_wrap_value', [SCRATCH + 0x20]
        vmptrst [ebx + SCRATCH + 0x1028]
        RESULT  'vmptrst_a32_wrap'
        REPORT  'vmptrst_a32_wrap_value', [SCRATCH + 0x28]
        mov     qword [SCRATCH + 0x30], VMCS_A
        vmptrld [ebx + SCRATCH + 0x1030]
        RESULT  'vmptrld_a32_wrap'
        ; FS override with a base: FS.base + offset
        mov     ecx, 0xc0000100
        mov     eax, SCRATCH
        xor     edx, edx
        wrmsr
        mov     rdx, GUEST_RSP
        vmread  [fs:0x40], rdx
        RESULT  'vmread_fs'
        REPORT  'vmread_fs_value', [SCRATCH + 0x40]
        mov     ecx, 0xc0000100
        xor     eax, eax
        xor     edx, edx
        wrmsr
        ; VMREAD in compatibility mode: #UD (then a #DE marks "no fault")
        lea     rax, [.compat_done]
        mov     [EXC_RECOVER], rax
        mov     [EXC_RSP], rsp
        push    SEL_CODE32
        lea     rax, [compat_vmread]
        push    rax
        o64 retf
.compat_done:
        mov     qword [EXC_RECOVER], 0
        ; non-root: operands with 32-bit addresses and segment overrides
        VMW     EXCEPTION_BITMAP, 1 << 6
        mov     dword [EXIT_MASK], X_LEN | X_INFO
        call    run_until_vmcall
        ; a compatibility-mode guest
        VMW     GUEST_CS_SELECTOR, SEL_CODE32
        VMW     GUEST_CS_AR, 0xc09b
        lea     rax, [compat_steps]
        mov     [CONT_PTR], rax
        call    next_continuation
        GO      vmresume
.exit:  mov     edi, X_INT
        call    report_exit
        VMR     VM_EXIT_REASON
        cmp     eax, 18
        je      .done
        cmp     eax, 10
        jne     .next
        SKIP
        jmp     .go
.next:  call    next_continuation
.go:    GO      vmresume
        jmp     .exit
.done:  ret
compat_steps:
        dq      c_vmread, c_vmptrld, c_invept, c_vmxoff, c_cpuid
guest:
        mov     ebx, 0x159000
        mov     ecx, 4
        mov     edx, 0x4400
        vmread  [ebx + ecx * 2 + 0x10], rdx
        vmwrite rdx, [ebx + 0x20]
        vmptrld [ebx - 0x10]
        vmptrst [gs:rbx + 0x30]
        vmclear [es:ebx]
        invept  rdx, [ss:ebx + 0x40]
        invvpid rdx, [rcx * 8 + 0x159000]
        vmread  [rel op_save], rdx
        vmcall
op_save:
        dq      0
        bits    32
compat_vmread:
        mov     edx, 0x681c
        vmread  eax, edx
        xor     ecx, ecx
        div     ecx
c_vmread:
        mov     edx, 0x681c
        vmread  [0x159000], edx
c_vmptrld:
        vmptrld [0x159000]
c_invept:
        mov     eax, 2
        invept  eax, [0x159000]
c_vmxoff:
        vmxoff
c_cpuid:
        xor     eax, eax
        cpuid
        vmcall
        bits    64
