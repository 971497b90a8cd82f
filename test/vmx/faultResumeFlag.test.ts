/**
 * RF in the EFLAGS image a fault-class exception pushes (SDM 17.3.1.1), found by the Bochs case
 * guest-protected-mode-events: a fault raised while delivering an event, and a fault an
 * instruction raised (the run loop passes instructionFault). Injected events and interrupts
 * push RF as it is.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hasNasm } from '../machine/cpuRunner';
import { idtData } from '../support/guestPreludes';
import { F } from '../../src/machine/vmx/fields';
import { vmxTest } from './prelude';

const skip = !hasNasm() && 'nasm is not installed';
const RF = 1n << 16n;

/** Guest IDT: #UD and #NP → a handler that copies the pushed RFLAGS (after the error code for #NP) to RBX; vector 0x21 not present. */
function run(setup: string, guest: string): { reason: bigint; rflags: bigint } {
  const t = vmxTest({
    setup: `  VMW GUEST_IDTR_BASE, idt\n  VMW GUEST_IDTR_LIMIT, idt_end - idt - 1\n${setup}`,
    guest,
    extra: `ud_handler:\n  mov rbx, [rsp + 16]\n  vmcall\nnp_handler:\n  mov rbx, [rsp + 24]\n  vmcall\n${idtData({ 6: 'ud_handler', 11: 'np_handler', 0x21: { handler: 'ud_handler', present: false } }, { idtr: false })}`,
  }).runToStop();
  return { reason: t.machine.vmx.current!.get(F.VM_EXIT_REASON), rflags: t.cpu.getGpr(3) };
}

test('a #NP raised while delivering an injected interrupt pushes EFLAGS with RF = 1', { skip }, () => {
  const e = run('  VMW GUEST_RFLAGS, 0x202\n  VMW VM_ENTRY_INTR_INFO, 0x80000021', 'hlt');
  assert.equal(e.reason, 18n);
  assert.equal(e.rflags & RF, RF);
});

test('an injected hardware exception pushes RFLAGS as it is (RF = 0)', { skip }, () => {
  const e = run('  VMW VM_ENTRY_INTR_INFO, 0x80000306', 'hlt');
  assert.equal(e.reason, 18n);
  assert.equal(e.rflags & RF, 0n);
});

test("an instruction's #UD pushes RFLAGS with RF = 1 (SDM 17.3.1.1)", { skip }, () => {
  const e = run('', 'ud2');
  assert.equal(e.reason, 18n);
  assert.equal(e.rflags & RF, RF);
});

/** Guest: #UD, whose handler steps over the UD2 and IRETQs (RF = 1 comes back with the pushed EFLAGS), then `after`, then VMCALL; the RFLAGS the VMCALL exit saved. */
function rflagsAfterReturn(after: string): bigint {
  const t = vmxTest({
    setup: '  VMW GUEST_IDTR_BASE, idt\n  VMW GUEST_IDTR_LIMIT, idt_end - idt - 1',
    guest: `  ud2\n${after}\n  vmcall`,
    extra: `ud_handler:\n  add qword [rsp], 2\n  iretq\n${idtData({ 6: 'ud_handler' }, { idtr: false })}`,
  }).runToStop();
  assert.equal(t.machine.vmx.current!.get(F.VM_EXIT_REASON), 18n);
  return t.machine.vmx.current!.get(F.GUEST_RFLAGS);
}

test('RF restored by IRETQ lasts one instruction: set while the next one runs, clear once it completed (SDM 17.3.1.1)', { skip }, () => {
  assert.equal(rflagsAfterReturn('') & RF, RF, 'VMCALL right after the IRETQ exits with RF = 1 saved');
  assert.equal(rflagsAfterReturn('  nop') & RF, 0n, 'after one completed instruction RF is 0');
});
