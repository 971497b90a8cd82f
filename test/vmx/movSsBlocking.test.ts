/**
 * VMLAUNCH/VMRESUME while events are blocked by MOV SS fails with VMfailValid(26) before
 * any field check (SDM 31.3 VMLAUNCH/VMRESUME, fact sheet §10.0 P4); blocking by STI
 * does not. Found by the Bochs differential test (entry-controls case).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hasNasm } from '../machine/cpuRunner';
import { F } from '../../src/machine/vmx/fields';
import { vmxTest } from './prelude';

const skip = !hasNasm() && 'nasm is not installed';

test('VMLAUNCH right after MOV SS: VMfailValid(26), even with invalid controls', { skip }, () => {
  const t = vmxTest({ setup: '  VMW CR3_TARGET_COUNT, 5\n  mov ax, ss\n  mov ss, ax', guest: 'hlt' }).runToStop();
  assert.equal(t.machine.vmx.current!.get(F.VM_INSTRUCTION_ERROR), 26n);
  assert.equal(t.machine.vmx.lastEntryFailure?.check, 'P4');
  assert.equal(t.cpu.getGpr(15), 0xfa11n, 'VMLAUNCH falls through');
  assert.ok(t.cpu.rflags & 0x40, 'ZF');
});

test('VMLAUNCH right after STI (blocking by STI): the entry proceeds', { skip }, () => {
  const t = vmxTest({ setup: '  sti', guest: 'hlt' }).runToStop();
  assert.equal(t.machine.vmx.lastEntryFailure, undefined, t.machine.vmx.lastEntryFailure?.describe());
  assert.notEqual(t.machine.vmx.current!.get(F.VM_INSTRUCTION_ERROR), 26n);
});

test('MOV SS two instructions before VMLAUNCH does not block the entry', { skip }, () => {
  const t = vmxTest({ setup: '  mov ax, ss\n  mov ss, ax\n  nop', guest: 'hlt' }).runToStop();
  assert.equal(t.machine.vmx.lastEntryFailure, undefined, t.machine.vmx.lastEntryFailure?.describe());
});
