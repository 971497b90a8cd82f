/**
 * VPID 0000H is the host's: with "enable VPID" 0, VM exits (like VM entries) invalidate its
 * linear mappings (SDM 29.4.3.3), so a host page-table change made without INVLPG is seen
 * after the next exit; with VPIDs the host's cached mapping survives the round trip.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hasNasm } from '../machine/cpuRunner';
import { Defaults, vmxTest } from './prelude';

const skip = !hasNasm() && 'nasm is not installed';

// Host reads linear 0x400000 (cached: HPA 0x400000 holds 0x11), then remaps its 2 MiB page to
// HPA 0x600000 (holds 0x22) in the bare page directory at 0x7000 without INVLPG; reads again after the exit.
const setup = `
  mov qword [0x400000], 0x11
  mov qword [0x600000], 0x22
  mov r12, [0x400000]
  mov qword [0x7010], 0x600087`;

test('without VPID a VM exit drops the host (VPID 0) mappings: a changed host page table is seen after the exit', { skip }, () => {
  const t = vmxTest({ setup, guest: 'vmcall', host: 'mov r13, [0x400000]\nhlt' }).runToStop();
  assert.equal(t.cpu.getGpr(12), 0x11n);
  assert.equal(t.cpu.getGpr(13), 0x22n, 'the exit invalidated the mappings of VPID 0000H');
});

test('with VPID the host mapping cached before the entry survives the VM exit (stale until INVLPG)', { skip }, () => {
  const t = vmxTest({ primary: Defaults.primary | 0x80000000, secondary: 1 << 5, setup: `${setup}\n  VMW VPID, 1`, guest: 'vmcall', host: 'mov r13, [0x400000]\nhlt' }).runToStop();
  assert.equal(t.cpu.getGpr(12), 0x11n);
  assert.equal(t.cpu.getGpr(13), 0x11n, 'VPID 0000H mappings are not invalidated by exits with VPIDs');
});
