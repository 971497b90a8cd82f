/**
 * Reverse execution keeps blocking by MOV SS apart from blocking by STI: a checkpoint
 * taken between `mov ss` and VMLAUNCH must replay the VMfailValid(26) (SDM 31.3), even
 * when a later MOV SS elsewhere has moved the CPU's MOV-SS shadow on.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GPR_NAMES } from '../../src/machine/cpu/registers';
import { F } from '../../src/machine/vmx/fields';
import type { Machine } from '../../src/machine/machine';
import { hasNasm } from './cpuRunner';
import { vmxTest } from '../vmx/prelude';

const skip = !hasNasm() && 'nasm is not installed';

// The first VMLAUNCH (right after MOV SS) fails with error 26 and r14 keeps its RFLAGS;
// a second MOV SS then a NOP, and the prelude's VMLAUNCH enters the guest.
const SETUP = `
  mov ax, ss
  mov ss, ax
  vmlaunch
  pushfq
  pop r14
  mov ss, ax
  nop`;

function state(machine: Machine): string {
  const cpu = machine.cpu;
  const regs = GPR_NAMES.map((name, i) => `${name}=${cpu.getGpr(i).toString(16)}`).join(' ');
  const error = machine.vmx.current?.get(F.VM_INSTRUCTION_ERROR) ?? -1n;
  return `${regs} rip=${cpu.rip.toString(16)} rflags=${cpu.rflags.toString(16)} instret=${cpu.instret} error=${error} root=${cpu.nonRoot ? 0 : 1}`;
}

test('stepBack/goTo across MOV SS + VMLAUNCH (error 26) replay identically', { skip }, () => {
  const t = vmxTest({ setup: SETUP, guest: 'hlt' });
  const machine = t.machine;
  machine.enableReverseExecution(1, 100_000);
  const history: string[] = [state(machine)];
  for (let i = 0; i < 10_000; i++) {
    const stop = machine.run(1);
    if (stop.reason !== 'budget') break;
    history.push(state(machine));
  }
  const end = machine.cpu.instret;
  assert.equal(t.cpu.getGpr(14) & 0x40n, 0x40n, 'the first VMLAUNCH failed (ZF)');
  assert.equal(machine.vmx.current!.get(F.VM_INSTRUCTION_ERROR), 26n);
  const final = state(machine);
  // walk back one instruction at a time to the start, comparing every state; from each
  // restored point, one instruction forward must again give the recorded next state
  while (machine.cpu.instret > 0) {
    machine.timeTravel!.stepBack();
    const n = machine.cpu.instret;
    assert.equal(state(machine), history[n], `after stepBack to ${n}`);
    machine.run(1);
    assert.equal(state(machine), history[n + 1], `one step forward from ${n}`);
    machine.timeTravel!.goTo(n);
  }
  // and jump to every point (each restores the checkpoint there), then forward to the end
  for (let n = 1; n < end; n++) {
    machine.timeTravel!.goTo(n);
    assert.equal(state(machine), history[n], `goTo ${n}`);
  }
  machine.run(end - machine.cpu.instret + 1);
  assert.equal(state(machine), final);
});
