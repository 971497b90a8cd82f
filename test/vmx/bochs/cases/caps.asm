; The capability MSRs of both CPU models (never compared: cap_ keys), for the record.
%include "harness.inc"
case_main:
%macro CAP 2
        mov     ecx, %2
        rdmsr
        shl     rdx, 32
        or      rax, rdx
        REPORT  %1, rax
%endmacro
        CAP     'cap_basic', 0x480
        CAP     'cap_pin', 0x48d
        CAP     'cap_proc', 0x48e
        CAP     'cap_proc2', 0x48b
        CAP     'cap_exit', 0x48f
        CAP     'cap_entry', 0x490
        CAP     'cap_misc', 0x485
        CAP     'cap_cr0_fixed0', 0x486
        CAP     'cap_cr0_fixed1', 0x487
        CAP     'cap_cr4_fixed0', 0x488
        CAP     'cap_cr4_fixed1', 0x489
        CAP     'cap_vmcs_enum', 0x48a
        CAP     'cap_ept_vpid', 0x48c
        ret
guest:
        hlt
