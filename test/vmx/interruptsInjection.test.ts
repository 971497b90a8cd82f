import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hasNasm } from '../machine/cpuRunner';
import { guest } from './guestIdt';
import { setGate } from '../support/guestPreludes';
import { F } from '../../src/machine/vmx/fields';

const skip = !hasNasm() && 'nasm is not installed';

test('raiseGuestInterrupt: an interrupt raised before the first entry is injected once the guest sets IF (interrupt-window exit)', { skip }, () => {
  const { machine, hypervisor } = guest(`
  cpuid            ; an exit with IF = 0: the hypervisor asks for an interrupt window
  mov r14, r12     ; still 0
  sti
  nop              ; the STI shadow: the window opens after this instruction
  mov r15, r12
  mov al, 1
  out 0xf4, al`);
  hypervisor.raiseGuestInterrupt(0x40);
  const stop = machine.run(100_000);
  assert.equal(stop.reason, 'exit', stop.detail);
  assert.equal(machine.cpu.getGpr(14), 0n);
  assert.equal(machine.cpu.getGpr(15), 1n, 'the handler ran before mov r15, r12');
  const reasons = machine.vmx.exits.map((e) => e.reason);
  assert.ok(reasons.includes(7), `interrupt-window exit in ${reasons.join(',')}`);
  assert.equal(hypervisor.interrupts.injected, 1);
  assert.equal(machine.vmx.current!.get32(F.CPU_BASED_VM_EXEC_CONTROL) & 4, 0, 'interrupt-window exiting cleared again');
  assert.equal(hypervisor.interrupts.apic.isr.every((w) => w === 0), true, 'the guest EOIed');
});

test('raiseGuestInterrupt: a halted guest (HLT exiting) wakes for each raised interrupt; higher vectors first', { skip }, () => {
  const { machine, hypervisor } = guest(`
  sti
again:
  hlt
  cmp r13, 2
  jb again
  mov al, 2
  out 0xf4, al`);
  let stop = machine.run(100_000);
  assert.equal(stop.reason, 'halt', 'nothing pending: HLT stops the VM as before');
  hypervisor.raiseGuestInterrupt(0x41);
  stop = machine.run(100_000);
  assert.equal(stop.reason, 'halt');
  assert.equal(machine.cpu.getGpr(13), 1n);
  hypervisor.raiseGuestInterrupt(0x40);
  hypervisor.raiseGuestInterrupt(0x41);
  stop = machine.run(100_000);
  assert.equal(stop.reason, 'exit', stop.detail);
  assert.equal(machine.cpu.getGpr(13), 2n);
  assert.equal(machine.cpu.getGpr(12), 1n);
  assert.equal(hypervisor.interrupts.injected, 3);
});

test('raiseGuestInterrupt: a guest with IF = 0 keeps it pending; HLT with IF = 0 stops the VM', { skip }, () => {
  const { machine, hypervisor } = guest(`
  cpuid
  hlt`);
  hypervisor.raiseGuestInterrupt(0x40);
  const stop = machine.run(100_000);
  assert.equal(stop.reason, 'halt');
  assert.equal(machine.cpu.getGpr(12), 0n);
  assert.equal(hypervisor.interrupts.apic.deliverable(), 0x40);
});

test('raiseGuestInterrupt: illegal vectors 0-15 are dropped and recorded in the virtual ESR', { skip }, () => {
  const { machine, hypervisor } = guest(`
  mov ecx, 0x828
  xor eax, eax
  xor edx, edx
  wrmsr
  rdmsr
  mov r14, rax
  mov al, 1
  out 0xf4, al`);
  hypervisor.raiseGuestInterrupt(3);
  const stop = machine.run(100_000);
  assert.equal(stop.reason, 'exit', stop.detail);
  assert.equal(machine.cpu.getGpr(14), 0x40n, 'ESR bit 6: received illegal vector');
  assert.equal(hypervisor.interrupts.injected, 0);
});

test('exception exits during event delivery: #GP while delivering #GP is reflected as #DF; the guest handles #DF', { skip }, () => {
  // Gate 13 is not a valid gate: delivering the guest's #GP raises #GP again, which exits (bitmap bit 13).
  const { machine } = guest(`
${setGate(8, 'df_handler')}
  mov word [rel idtr], 0x41f
  lidt [rel idtr]
  mov rax, 0x8000000000000000
  mov rbx, [rax]          ; non-canonical: #GP(0)
  hlt
df_handler:
  mov r15, 0xdf
  mov al, 1
  out 0xf4, al`, { exceptionBitmap: 1 << 13 });
  const stop = machine.run(100_000);
  assert.equal(stop.reason, 'exit', stop.detail);
  assert.equal(machine.cpu.getGpr(15), 0xdfn);
});
