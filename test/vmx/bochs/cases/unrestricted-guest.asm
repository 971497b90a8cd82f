; Unrestricted guest (secondary bit 7, with EPT; SDM 26.3.1.1, 26.6.1): a real-mode guest
; (CR0.PE = PG = 0) at 0000:9000 runs 16-bit code; its I/O and CPUID exits report 16-bit
; IPs and lengths; then it switches itself to protected mode (CR0.PE = 1 through LGDT and
; MOV CR0) and executes VMCALL from a 32-bit code segment.
%include "harness.inc"
%define RM_CODE 0x9000
case_main:
        call    setup
        call    enable_ept
        SETCTL  SECONDARY_VM_EXEC_CONTROL, CTL_PROC2, 1 << 7
        SETCTL  CPU_BASED_VM_EXEC_CONTROL, CTL_PROC, 1 << 24    ; unconditional I/O exiting
        VMR     VM_ENTRY_CONTROLS
        and     eax, ~0x200                                    ; not an IA-32e guest
        VMW     VM_ENTRY_CONTROLS, rax
        ; copy the 16/32-bit guest code below 1 MiB
        lea     rsi, [rm_start]
        mov     edi, RM_CODE
        mov     ecx, rm_end - rm_start
        rep movsb
        VMW     GUEST_CR0, 0x30                                 ; ET | NE
        VMW     GUEST_CR4, 0x2000                               ; VMXE
        VMW     GUEST_IA32_EFER, 0
%macro REAL_SEG 1
        VMW     GUEST_%1_SELECTOR, 0
        VMW     GUEST_%1_BASE, 0
        VMW     GUEST_%1_LIMIT, 0xffff
        VMW     GUEST_%1_AR, 0x93
%endmacro
        REAL_SEG ES
        REAL_SEG SS
        REAL_SEG DS
        REAL_SEG FS
        REAL_SEG GS
        VMW     GUEST_CS_SELECTOR, 0
        VMW     GUEST_CS_BASE, 0
        VMW     GUEST_CS_LIMIT, 0xffff
        VMW     GUEST_CS_AR, 0x9b
        VMW     GUEST_IDTR_BASE, 0
        VMW     GUEST_IDTR_LIMIT, 0x3ff
        VMW     GUEST_RIP, RM_CODE
        VMW     GUEST_RSP, 0x9f00
        VMW     GUEST_RFLAGS, 2
        mov     dword [EXIT_MASK], X_LEN
        call    run_until_vmcall
        REPORT  'g_rax', [GREGS]
        REPORT  'g_rbx', [GREGS + 24]
        VMR     GUEST_CR0
        REPORT  'guest_cr0', rax
        VMR     GUEST_CS_SELECTOR
        REPORT  'guest_cs', rax
        VMR     GUEST_CS_AR
        REPORT  'guest_cs_ar', rax
        VMR     GUEST_CS_BASE
        REPORT  'guest_cs_base', rax
        ret
rm_start:
        bits    16
        mov     ax, 0x1234
        out     0x80, al
        mov     dx, 0x71
        in      al, dx
        xor     eax, eax
        cpuid
        mov     bx, 0x5678
        lgdt    [cs:RM_CODE + (rm_gdtr - rm_start)]
        mov     eax, cr0
        or      al, 1
        mov     cr0, eax
        ; (indirect: our CPU implements far JMP through memory only, not JMP ptr16:32)
        jmp     dword far [cs:RM_CODE + (rm_far - rm_start)]
        bits    32
pm32:   mov     ax, 0x10
        mov     ds, ax
        mov     ebx, 0x9abc
        vmcall
        align   8
rm_gdt: dq      0
        dq      0x00cf9b000000ffff                             ; 32-bit code
        dq      0x00cf93000000ffff                             ; data
rm_gdtr:
        dw      23
        dd      RM_CODE + (rm_gdt - rm_start)
rm_far: dd      RM_CODE + (pm32 - rm_start)
        dw      0x08
        bits    64
rm_end:
guest:
        hlt
