"""Runs x86-64 code sequences in Unicorn for the differential test (unicornDiff.test.ts).

Every case runs at codeBase, like in our machine (return addresses and RIP-relative
operands agree). Unicorn 2.0 keeps translated blocks across mem_write, so each case drops
the cached translations of the code region (ctl_remove_cache; ctl_flush_tb costs ~0.3 s).

stdin: {"codeBase": int, "dataBase": int, "fsBase": int, "gsBase": int, "data": hex, "cases": [{"code": hex, "regs": [16 hex], "rflags": int}]}
stdout: [{"regs": [16 hex], "rflags": int, "changes": [[offset, byte], ...], "error": str | null}]
A CPU exception stops the case with error "exception <vector>" and the state at the fault.
Register order is the x86 encoding order: rax rcx rdx rbx rsp rbp rsi rdi r8..r15.
"""
import json
import sys

from unicorn import Uc, UcError, UC_ARCH_X86, UC_MODE_64, UC_HOOK_INTR
from unicorn.x86_const import (
    UC_X86_REG_RAX, UC_X86_REG_RCX, UC_X86_REG_RDX, UC_X86_REG_RBX, UC_X86_REG_RSP, UC_X86_REG_RBP,
    UC_X86_REG_RSI, UC_X86_REG_RDI, UC_X86_REG_R8, UC_X86_REG_R9, UC_X86_REG_R10, UC_X86_REG_R11,
    UC_X86_REG_R12, UC_X86_REG_R13, UC_X86_REG_R14, UC_X86_REG_R15, UC_X86_REG_EFLAGS, UC_X86_REG_RIP, UC_X86_REG_FS_BASE, UC_X86_REG_GS_BASE,
)

GPRS = [UC_X86_REG_RAX, UC_X86_REG_RCX, UC_X86_REG_RDX, UC_X86_REG_RBX, UC_X86_REG_RSP, UC_X86_REG_RBP,
        UC_X86_REG_RSI, UC_X86_REG_RDI, UC_X86_REG_R8, UC_X86_REG_R9, UC_X86_REG_R10, UC_X86_REG_R11,
        UC_X86_REG_R12, UC_X86_REG_R13, UC_X86_REG_R14, UC_X86_REG_R15]
CODE_SIZE = 0x10000


def main():
    request = json.load(sys.stdin)
    code_base = request["codeBase"]
    data_base = request["dataBase"]
    data = bytes.fromhex(request["data"])
    data_size = (len(data) + 0xfff) & ~0xfff
    cases = request["cases"]
    raised = []

    def on_interrupt(uc_, vector, _user):
        raised.append(vector)
        uc_.emu_stop()

    def fresh():
        uc_ = Uc(UC_ARCH_X86, UC_MODE_64)
        uc_.mem_map(code_base, CODE_SIZE)
        uc_.mem_map(data_base, data_size)
        uc_.hook_add(UC_HOOK_INTR, on_interrupt)
        return uc_

    uc = fresh()
    results = []
    for i, case in enumerate(cases):
        code = bytes.fromhex(case["code"])
        if len(code) > CODE_SIZE:
            raise ValueError("case %d: code longer than %d bytes" % (i, CODE_SIZE))
        start = code_base
        uc.mem_write(start, code)
        uc.ctl_remove_cache(code_base, code_base + CODE_SIZE)
        uc.mem_write(data_base, data)
        for reg, value in zip(GPRS, case["regs"]):
            uc.reg_write(reg, int(value, 16))
        uc.reg_write(UC_X86_REG_EFLAGS, case["rflags"])
        uc.reg_write(UC_X86_REG_FS_BASE, request["fsBase"])
        uc.reg_write(UC_X86_REG_GS_BASE, request["gsBase"])
        error = None
        raised.clear()
        try:
            uc.emu_start(start, start + len(code), 0, 100000)
        except UcError as e:
            error = "%s at rip 0x%x" % (e, uc.reg_read(UC_X86_REG_RIP))
        if raised:
            error = "exception %d" % raised[0]
        elif error is None and uc.reg_read(UC_X86_REG_RIP) != start + len(code):
            error = "stopped early (instruction limit?) at rip 0x%x" % uc.reg_read(UC_X86_REG_RIP)
        final = bytes(uc.mem_read(data_base, len(data)))
        changes = []
        for chunk in range(0, len(data), 256):
            if final[chunk:chunk + 256] != data[chunk:chunk + 256]:
                changes += [[j, final[j]] for j in range(chunk, min(chunk + 256, len(data))) if final[j] != data[j]]
        results.append({
            "regs": ["%x" % uc.reg_read(reg) for reg in GPRS],
            "rflags": uc.reg_read(UC_X86_REG_EFLAGS),
            "changes": changes,
            "error": error,
        })
        if raised:
            uc = fresh()  # a stopped exception stays pending in Unicorn 2.0: start over
    json.dump(results, sys.stdout)


if __name__ == "__main__":
    main()
