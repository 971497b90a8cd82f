import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hasNasm } from '../machine/cpuRunner';
import { F } from '../../src/machine/vmx/fields';
import { vmxTest } from './prelude';

const skip = !hasNasm() && 'nasm is not installed';

test('a valid VMCS launches; CPUID in the guest exits with reason 10 and length 2', { skip }, () => {
  const t = vmxTest({ guest: 'mov eax, 1\ncpuid\nhlt' }).runToStop();
  const vmx = t.machine.vmx;
  assert.equal(vmx.lastEntryFailure?.describe(), undefined);
  t.assertStop('halt');
  assert.equal(t.cpu.getGpr(15), 0n, 'VMLAUNCH did not fall through');
  const vmcs = vmx.current!;
  assert.equal(vmcs.get(F.VM_EXIT_REASON), 10n);
  assert.equal(vmcs.get(F.VM_EXIT_INSTRUCTION_LEN), 2n);
  assert.equal(vmx.exits.length, 1);
  assert.equal(vmx.exits[0]!.name, 'CPUID');
  assert.equal(vmcs.launchState, 'launched');
  assert.equal(vmx.operation, 'root');
});
