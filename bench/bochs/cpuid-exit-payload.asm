; The exit benchmark's Bochs side (and, assembled at 0x100000, the same program in our
; bare mode): a minimal hypervisor whose guest executes CPUID in a loop; the host (in
; assembly) counts each exit, skips the CPUID and resumes, ITERATIONS times, then leaves
; VMX operation and returns. Position-independent; RAM use: GDT 0x110000, TSS 0x111000,
; VMXON region 0x130000, VMCS 0x131000, state 0x158000, host stack 0x160000, guest stack
; 0x170000. Writes IA32_FEATURE_CONTROL (lock + VMX outside SMX) when it is not locked.
        push    rbx
        push    rbp
        push    r12
        push    r13
        push    r14
        push    r15
        mov     [0x158000], rsp
        mov     rax, 0x00af9b000000ffff
        mov     [0x110008], rax
        mov     rax, 0x00cf93000000ffff
        mov     [0x110010], rax
        mov     rax, 0x0000891110000067
        mov     [0x110018], rax
        mov     qword [0x110020], 0
        mov     word [0x158010], 39
        mov     qword [0x158012], 0x110000
        lgdt    [0x158010]
        push    0x08
        lea     rax, [rel .cs]
        push    rax
        o64 retf
.cs:    mov     ax, 0x10
        mov     ds, ax
        mov     es, ax
        mov     ss, ax
        mov     ax, 0x18
        ltr     ax
        mov     rax, cr0
        or      eax, 0x20                        ; NE
        and     eax, 0x9fffffff                  ; caches on (CD, NW clear)
        mov     cr0, rax
        mov     rax, cr4
        or      eax, 0x2000                      ; VMXE
        mov     cr4, rax
        mov     ecx, 0x3a
        rdmsr
        test    al, 1
        jnz     .locked
        mov     eax, 5
        xor     edx, edx
        wrmsr
.locked:
        mov     ecx, 0x480
        rdmsr
        and     eax, 0x7fffffff
        mov     [0x130000], eax
        mov     [0x131000], eax
        mov     qword [0x158020], 0x130000
        mov     qword [0x158028], 0x131000
        vmxon   [0x158020]
        vmclear [0x158028]
        vmptrld [0x158028]
%macro CTL 3                                     ; field, TRUE MSR, wanted bits
        mov     ecx, %2
        rdmsr
        mov     ebx, %3
        or      ebx, eax
        and     ebx, edx
        mov     eax, %1
        vmwrite rax, rbx
%endmacro
%macro W 2                                       ; field, value (clobbers rax, rbx)
        mov     rbx, %2
        mov     eax, %1
        vmwrite rax, rbx
%endmacro
        CTL     0x4000, 0x48d, 0                 ; pin
        CTL     0x4002, 0x48e, 0                 ; primary (CPUID exits anyway)
        CTL     0x400c, 0x48f, 0x200             ; exit: 64-bit host
        CTL     0x4012, 0x490, 0x200             ; entry: IA-32e guest
        W       0x2800, -1                       ; VMCS link pointer
        mov     r12, cr0
        W       0x6c00, r12                      ; host CR0
        W       0x6800, r12                      ; guest CR0
        mov     r12, cr3
        W       0x6c02, r12
        W       0x6802, r12
        mov     r12, cr4
        W       0x6c04, r12
        W       0x6804, r12
        W       0x0c02, 0x08                     ; host CS
        W       0x0c04, 0x10                     ; host SS
        W       0x0c06, 0x10                     ; host DS
        W       0x0c00, 0x10                     ; host ES
        W       0x0c0c, 0x18                     ; host TR
        W       0x6c0a, 0x111000                 ; host TR base
        W       0x6c0c, 0x110000                 ; host GDTR base
        W       0x6c14, 0x160000                 ; host RSP
        lea     rax, [rel .exit]
        W       0x6c16, rax                      ; host RIP
        W       0x0802, 0x08                     ; guest CS
        W       0x4816, 0xa09b
        W       0x4802, 0xffffffff
        W       0x0804, 0x10                     ; guest SS
        W       0x4818, 0xc093
        W       0x4804, 0xffffffff
        W       0x0806, 0x10                     ; guest DS
        W       0x481a, 0xc093
        W       0x4806, 0xffffffff
        W       0x0800, 0x10                     ; guest ES
        W       0x4814, 0xc093
        W       0x4800, 0xffffffff
        W       0x481c, 0x10000                  ; FS unusable
        W       0x481e, 0x10000                  ; GS unusable
        W       0x4820, 0x10000                  ; LDTR unusable
        W       0x080e, 0x18                     ; guest TR
        W       0x6814, 0x111000
        W       0x480e, 0x67
        W       0x4822, 0x8b
        W       0x6816, 0x110000                 ; guest GDTR
        W       0x4810, 39
        W       0x681a, 0x400                    ; guest DR7
        W       0x6820, 2                        ; guest RFLAGS
        W       0x681c, 0x170000                 ; guest RSP
        lea     rax, [rel .guest]
        W       0x681e, rax                      ; guest RIP
        mov     qword [0x158030], ITERATIONS
        vmlaunch
        jmp     .done                            ; entry failed
.exit:  dec     qword [0x158030]
        jz      .done
        mov     eax, 0x681e                      ; guest RIP += 2 (CPUID)
        vmread  rbx, rax
        add     rbx, 2
        vmwrite rax, rbx
        vmresume
.done:  vmxoff
        mov     rsp, [0x158000]
        pop     r15
        pop     r14
        pop     r13
        pop     r12
        pop     rbp
        pop     rbx
        jmp     .out
.guest: xor     eax, eax
        cpuid
        jmp     .guest
.out:
