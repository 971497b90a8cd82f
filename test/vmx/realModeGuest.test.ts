/**
 * Events in a real-mode guest (unrestricted guest with EPT), found by the Bochs case
 * entry-injection-real-mode: delivery through the IVT with a 16-bit FLAGS/CS/IP frame,
 * IF/TF/AC cleared (SDM 20.1.4), and IRET popping the frame back — they used to triple-fault
 * (event delivery and IRET existed only in IA-32e mode).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hasNasm } from '../machine/cpuRunner';
import { F } from '../../src/machine/vmx/fields';
import { Primary, Secondary } from '../../src/machine/vmx/controls';
import { Defaults, Layout, vmxTest } from './prelude';

const skip = !hasNasm() && 'nasm is not installed';
const CODE = 0x9000;

/** A real-mode guest at 0000:9000 (code copied below 1 MiB), EPT mapping the first GiB with one 1 GiB page. */
function realModeGuest(setup: string, code: string) {
  return vmxTest({
    primary: Defaults.primary | Primary.activateSecondaryControls,
    secondary: Secondary.enableEpt | Secondary.unrestrictedGuest,
    entry: Defaults.entry & ~(1 << 9),
    setup: `  mov qword [${Layout.ept}], ${Layout.ept + 0x1000} | 7
  mov qword [${Layout.ept + 0x1000}], 0xb7
  VMW EPT_POINTER, ${Layout.ept} | 0x1e
  lea rsi, [rel rm_start]
  mov edi, ${CODE}
  mov ecx, rm_end - rm_start
  rep movsb
  mov dword [0x20 * 4], ${CODE} + (rm_handler - rm_start)
  VMW GUEST_CR0, 0x30
  mov rax, cr4
  and eax, 0x2000
  VMW GUEST_CR4, rax
  VMW GUEST_IA32_EFER, 0
  VMW GUEST_CS_SELECTOR, 0
  VMW GUEST_CS_LIMIT, 0xffff
  VMW GUEST_CS_AR, 0x9b
  VMW GUEST_SS_SELECTOR, 0
  VMW GUEST_SS_LIMIT, 0xffff
  VMW GUEST_SS_AR, 0x93
  VMW GUEST_DS_SELECTOR, 0
  VMW GUEST_DS_LIMIT, 0xffff
  VMW GUEST_DS_AR, 0x93
  VMW GUEST_ES_SELECTOR, 0
  VMW GUEST_ES_LIMIT, 0xffff
  VMW GUEST_ES_AR, 0x93
  VMW GUEST_TR_AR, 0x8b
  VMW GUEST_IDTR_BASE, 0
  VMW GUEST_IDTR_LIMIT, 0x3ff
  VMW GUEST_RIP, ${CODE}
  VMW GUEST_RSP, 0x9f00
  VMW GUEST_RFLAGS, 0x202
${setup}`,
    guest: 'hlt',
    extra: `rm_start:\n  bits 16\n${code}\nrm_end:\n  bits 64`,
  }).runToStop();
}

test('an injected external interrupt in a real-mode guest goes through the IVT: 16-bit frame, IF cleared (SDM 20.1.4)', { skip }, () => {
  const t = realModeGuest('  VMW VM_ENTRY_INTR_INFO, 0x80000020', '  hlt\nrm_handler:\n  mov bp, sp\n  mov bx, [bp]\n  mov cx, [bp + 2]\n  mov dx, [bp + 4]\n  vmcall');
  const vmcs = t.machine.vmx.current!;
  assert.equal(vmcs.get(F.VM_EXIT_REASON), 18n);
  assert.equal(t.cpu.getGpr(3) & 0xffffn, BigInt(CODE), 'IP: the guest RIP at entry');
  assert.equal(t.cpu.getGpr(1) & 0xffffn, 0n, 'CS');
  assert.equal(t.cpu.getGpr(2) & 0xffffn, 0x202n, 'FLAGS with IF');
  assert.equal(vmcs.get(F.GUEST_RSP), 0x9f00n - 6n);
  assert.equal(vmcs.get(F.GUEST_RFLAGS) & 0x200n, 0n, 'IF cleared in the handler');
});

test("a real-mode guest's INT n returns with IRET: FLAGS restored, SP back (SDM IRET real-address mode)", { skip }, () => {
  const t = realModeGuest('', '  xor si, si\n  int 0x20\n  inc si\n  vmcall\nrm_handler:\n  add si, 5\n  iret');
  const vmcs = t.machine.vmx.current!;
  assert.equal(vmcs.get(F.VM_EXIT_REASON), 18n);
  assert.equal(t.cpu.getGpr(6) & 0xffffn, 6n, 'the handler ran, then the instruction after INT');
  assert.equal(vmcs.get(F.GUEST_RSP), 0x9f00n);
  assert.equal(vmcs.get(F.GUEST_RFLAGS) & 0x200n, 0x200n, 'IF back from the popped FLAGS');
});
