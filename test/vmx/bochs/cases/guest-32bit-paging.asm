; A 32-bit guest with 32-bit paging (IA-32e mode guest = 0, CR4.PAE = 0, CR4.PSE = 1; SDM 4.3):
; 4-byte entries, a 4 MiB page for the first 4 MiB (code, stack, data), a page table for
; 0xc0000000 with a 4 KiB page at physical 0x100000 and a read-only one; the guest reads through
; both, writes to the read-only page (#PF exit: qualification = address, error code 3), and
; the host reports the accessed/dirty flags the walks set in the 4-byte entries.
%include "harness.inc"
%define SEL_CODE32 0x28
%define PD32       0x15a000
%define PT32       0x15b000
case_main:
        mov     rax, 0x00cf9b000000ffff
        mov     [GDT_BASE + 40], rax
        mov     word [GDTR_PTR], 47
        lgdt    [GDTR_PTR]
        mov     dword [PD32], 0x83                        ; 0–4 MiB: a 4 MiB page (PS)
        mov     dword [PD32 + (0xc0000000 >> 22) * 4], PT32 | 3
        mov     dword [PT32 + 1 * 4], 0x100000 | 3          ; 0xc0001000 → 0x100000, writable
        mov     dword [PT32 + 2 * 4], 0x101000 | 1          ; 0xc0002000 → 0x101000, read-only
        call    setup
        VMR     VM_ENTRY_CONTROLS
        and     eax, ~(1 << 9)
        VMW     VM_ENTRY_CONTROLS, rax
        VMW     GUEST_CS_SELECTOR, SEL_CODE32
        VMW     GUEST_CS_AR, 0xc09b
        VMW     GUEST_GDTR_LIMIT, 47
        VMW     GUEST_CR3, PD32
        VMR     GUEST_CR4
        and     eax, ~0x20                                ; PAE off
        or      eax, 0x10                                 ; PSE on
        VMW     GUEST_CR4, rax
        VMW     GUEST_IA32_EFER, 0
        VMR     GUEST_CR0
        or      eax, 1 << 16                              ; WP: supervisor writes honour R/W
        VMW     GUEST_CR0, rax
        VMW     EXCEPTION_BITMAP, 1 << 14
        lea     rax, [guest32]
        VMW     GUEST_RIP, rax
        GO      vmlaunch
        mov     edi, X_INT
        call    report_exit
        REPORT  'g_rbx', [GREGS + 24]
        REPORT  'g_rcx', [GREGS + 8]
        mov     eax, [PD32]
        REPORT  'pde_4m', rax
        mov     eax, [PD32 + (0xc0000000 >> 22) * 4]
        REPORT  'pde_pt', rax
        mov     eax, [PT32 + 4]
        REPORT  'pte_rw', rax
        mov     eax, [PT32 + 8]
        REPORT  'pte_ro', rax
        ret
guest:
        hlt
        bits    32
guest32:
        mov     ebx, [0xc0001000 + 0x10]                  ; = [0x100010]
        mov     ecx, [0xc0002000]                         ; the read-only page
        mov     dword [0xc0001800], 0x11223344            ; a write: dirty flag
        mov     dword [0xc0002004], 1                     ; read-only: #PF
        vmcall
        bits    64
