; Event injection into a real-mode guest (unrestricted guest with EPT; SDM 26.6.1, 20.1.4 real-
; mode delivery through the IVT): an external interrupt, INT n with its VM-entry instruction
; length and #UD push FLAGS, CS and IP (16-bit frame) and clear IF; a hardware exception
; with "deliver error code" is invalid in real mode (VMfailValid 7, SDM 26.2.1.3); handlers
; return with IRET (an injected interrupt, then the guest's own INT n).
%include "harness.inc"
%define RM_CODE 0x9000
%macro IVT 2                                    ; vector, offset of the handler in RM_CODE
        mov     dword [%1 * 4], (rm_%2 - rm_start + RM_CODE)
%endmacro
%macro INJECT 4                                 ; key, interruption info, error code, length
        VMW     VM_ENTRY_INTR_INFO, %2
        VMW     VM_ENTRY_EXCEPTION_ERROR_CODE, %3
        VMW     VM_ENTRY_INSTRUCTION_LEN, %4
        VMW     GUEST_RIP, rm_idle - rm_start + RM_CODE
        VMW     GUEST_RSP, 0x9f00
        VMW     GUEST_RFLAGS, 0x202
        TRY     %1, vmresume
        call    report
%endmacro
case_main:
        call    setup
        call    enable_ept
        SETCTL  SECONDARY_VM_EXEC_CONTROL, CTL_PROC2, 1 << 7
        VMR     VM_ENTRY_CONTROLS
        and     eax, ~0x200
        VMW     VM_ENTRY_CONTROLS, rax
        lea     rsi, [rm_start]
        mov     edi, RM_CODE
        mov     ecx, rm_end - rm_start
        rep movsb
        IVT     0x20, handler
        IVT     0x21, handler
        IVT     6, handler
        VMW     GUEST_CR0, 0x30
        VMW     GUEST_CR4, 0x2000
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
        VMW     GUEST_RIP, rm_idle - rm_start + RM_CODE
        VMW     GUEST_RSP, 0x9f00
        VMW     GUEST_RFLAGS, 0x202
        VMW     VM_ENTRY_INTR_INFO, 0x80000020            ; external interrupt 0x20
        TRY     'external', vmlaunch
        call    report
        INJECT  'software_int', 0x80000421, 0, 2
        INJECT  'ud', 0x80000306, 0, 0
        INJECT  'gp_with_error_code', 0x80000b0d, 0, 0
        ; handlers that return with IRET: an injected interrupt, then the guest's own INT n
        IVT     0x22, iret_handler
        VMW     GUEST_RIP, rm_after - rm_start + RM_CODE
        VMW     GUEST_RSP, 0x9f00
        VMW     GUEST_RFLAGS, 0x202
        VMW     VM_ENTRY_INTR_INFO, 0x80000022
        TRY     'iret_back', vmresume
        REPORT  'g_rsi', [GREGS + 48]
        REPORT  'g_rdi', [GREGS + 56]
        REPORT  'g_rsp', [GREGS + 32]
        VMR     GUEST_RFLAGS
        REPORT  'rflags_after_iret', rax
        ret
report:
        REPORT  'frame_ip', [GREGS + 24]
        REPORT  'frame_cs', [GREGS + 8]
        REPORT  'frame_flags', [GREGS + 16]
        REPORT  'handler_sp', [GREGS + 32]
        VMR     GUEST_RFLAGS
        REPORT  'rflags_in_handler', rax
        mov     qword [GREGS + 24], 0
        mov     qword [GREGS + 8], 0
        mov     qword [GREGS + 16], 0
        ret
rm_start:
        bits    16
rm_idle:
        hlt
        hlt
rm_after:
        xor     si, si
        mov     di, 0x10
        int     0x22                                      ; the guest's own INT n (handler IRETs)
        vmcall
rm_iret_handler:
        inc     si
        add     di, si
        iret
rm_handler:
        mov     bp, sp
        mov     bx, [bp]
        mov     cx, [bp + 2]
        mov     dx, [bp + 4]
        vmcall
rm_end:
        bits    64
guest:
        hlt
