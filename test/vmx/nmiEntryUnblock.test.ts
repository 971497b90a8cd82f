/**
 * VM entry loads blocking by NMI from interruptibility bit 3 (SDM 26.6.1): an NMI the host
 * held pending while it blocked NMIs is taken right after an entry that unblocks them —
 * with NMI exiting a VM exit before the first guest instruction. Found by the Bochs case
 * exit-nmi (the pending NMI was not looked at again until some other event).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hasNasm } from '../machine/cpuRunner';
import { F } from '../../src/machine/vmx/fields';
import { Defaults, vmxTest } from './prelude';

const skip = !hasNasm() && 'nasm is not installed';

function run(interruptibility: number) {
  const t = vmxTest({
    pin: Defaults.pin | (1 << 3), // NMI exiting
    setup: `  mov ecx, 0x1b
  rdmsr
  or eax, 0xc00
  wrmsr
  mov ecx, 0x80f
  mov eax, 0x1ff
  xor edx, edx
  wrmsr
  mov r14, guest_entry
  VMW GUEST_INTERRUPTIBILITY_INFO, ${interruptibility}
  mov ecx, 0x802
  rdmsr
  mov edx, eax
  mov eax, 4 << 8 ; NMI to the own APIC ID
  mov ecx, 0x830
  wrmsr`,
    guest: '  nop\n  vmcall',
  });
  t.machine.cpu.nmiBlocked = true; // the host blocks NMIs (an NMI handler that has not executed IRET)
  t.runToStop();
  const vmcs = t.machine.vmx.current!;
  return { reason: vmcs.get(F.VM_EXIT_REASON), info: vmcs.get(F.VM_EXIT_INTR_INFO), rip: vmcs.get(F.GUEST_RIP), start: t.cpu.getGpr(14) };
}

test('an NMI held pending by the host exits right at a VM entry with interruptibility bit 3 = 0', { skip }, () => {
  const e = run(0);
  assert.equal(e.reason, 0n);
  assert.equal(e.info, 0x80000202n);
  assert.equal(e.rip, e.start, 'before the first guest instruction');
});

test('with interruptibility bit 3 = 1 the NMI stays blocked in the guest (NMI exiting: for all of non-root operation)', { skip }, () => {
  assert.equal(run(8).reason, 18n);
});
