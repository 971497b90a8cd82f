import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hasNasm } from '../machine/cpuRunner';
import { GPR_NAMES } from '../../src/machine/cpu/registers';
import type { Machine } from '../../src/machine/machine';
import { guest } from './guestIdt';
import { APIC_ENABLE, apicTimer } from '../support/guestPreludes';

const skip = !hasNasm() && 'nasm is not installed';

/** Guest: software-enables its (virtual) x2APIC and arms the periodic timer, vector 0x40, `count` instructions (÷1). */
function armTimer(count: number): string {
  return `
${APIC_ENABLE}
${apicTimer(0x20040, count)}
  sti`;
}

const DONE = `
  mov al, 1
  out 0xf4, al`;

test('guest mode: the virtual x2APIC timer interrupts a spinning guest (the hypervisor arms the VMX-preemption timer for it)', { skip }, () => {
  const { machine, hypervisor } = guest(`${armTimer(3000)}
spin:
  cmp r12, 5
  jb spin${DONE}`);
  const stop = machine.run(1_000_000);
  assert.equal(stop.reason, 'exit', stop.detail);
  assert.equal(machine.cpu.getGpr(12), 5n);
  assert.equal(hypervisor.interrupts.injected, 5);
  assert.ok(hypervisor.stats.get('VMX-preemption timer expired')! >= 5, JSON.stringify([...hypervisor.stats]));
  assert.ok(machine.cpu.instret >= 15000 && machine.cpu.instret < 16000, `5 periods (instret ${machine.cpu.instret})`);
  assert.equal(machine.vmx.exits.filter((e) => (e.reason & 0xffff) === 32).length >= 4, true, 'x2APIC MSR writes exit');
});

test('guest mode: HLT with the virtual timer armed skips time to the tick (HLT exiting), and without HLT exiting', { skip }, () => {
  for (const hltExiting of [true, false]) {
    const { machine, hypervisor } = guest(`${armTimer(10_000)}
again:
  hlt
  cmp r12, 4
  jb again${DONE}`, { hltExiting });
    const stop = machine.run(1_000_000);
    assert.equal(stop.reason, 'exit', `${hltExiting}: ${stop.detail}`);
    assert.equal(machine.cpu.getGpr(12), 4n);
    assert.equal(hypervisor.interrupts.injected, 4);
    assert.ok(machine.cpu.instret >= 40_000 && machine.cpu.instret < 41_000, `time skipped to 4 ticks (instret ${machine.cpu.instret})`);
    assert.ok(machine.vmx.exits.length < 60, `few exits: ${machine.vmx.exits.length}`);
  }
});

test('guest mode: masked virtual timer — HLT stops the VM with the usual message', { skip }, () => {
  const { machine } = guest(`${armTimer(1000)}
  mov ecx, 0x832
  mov eax, 0x10040
  wrmsr
  hlt`);
  const stop = machine.run(100_000);
  assert.equal(stop.reason, 'halt');
  assert.match(stop.detail, /HLT exiting: the hypervisor stopped the VM/);
});

test('guest mode: raiseGuestInterrupt while the guest runs kicks it out (external-interrupt exit 1) and injects', { skip }, () => {
  const { machine, hypervisor } = guest(`
  sti
spin:
  cmp r13, 1
  jb spin${DONE}`);
  let stop = machine.run(5_000);
  assert.equal(stop.reason, 'budget');
  assert.equal(machine.vmx.operation, 'non-root');
  hypervisor.raiseGuestInterrupt(0x41);
  stop = machine.run(5_000);
  assert.equal(stop.reason, 'exit', stop.detail);
  assert.ok(machine.vmx.exits.some((e) => (e.reason & 0xffff) === 1), 'an external-interrupt exit');
  assert.equal(machine.apic.isr.every((w) => w === 0), true, 'the host EOIed its kick');
});

test('guest mode: a natively halted guest (no HLT exiting) is woken by raiseGuestInterrupt', { skip }, () => {
  const { machine, hypervisor } = guest(`
  sti
  hlt
  mov r14, r13${DONE}`, { hltExiting: false });
  let stop = machine.run(5_000);
  assert.equal(stop.reason, 'halt');
  hypervisor.raiseGuestInterrupt(0x41);
  stop = machine.run(5_000);
  assert.equal(stop.reason, 'exit', stop.detail);
  assert.equal(machine.cpu.getGpr(14), 1n);
});

function state(machine: Machine): string {
  const cpu = machine.cpu;
  const apic = machine.hypervisor!.interrupts.apic;
  return `${GPR_NAMES.map((name, i) => `${name}=${cpu.getGpr(i).toString(16)}`).join(' ')} rip=${cpu.rip.toString(16)} instret=${cpu.instret} exits=${machine.vmx.exits.length} visr=${[...apic.isr].join(',')} virr=${[...apic.irr].join(',')} count=${apic.timer.currentCount(apic.timerMode)}`;
}

test('guest mode: reverse execution across virtual-timer injections replays identically', { skip }, () => {
  const { machine } = guest(`${armTimer(1234)}
spin:
  inc r15
  cmp r12, 30
  jb spin${DONE}`);
  const travel = machine.enableReverseExecution(4000);
  const trace: { instret: number; state: string }[] = [];
  for (let i = 0; i < 24; i++) {
    machine.run(997);
    trace.push({ instret: machine.cpu.instret, state: state(machine) });
  }
  for (let i = trace.length - 1; i >= 0; i -= 5) {
    travel.goTo(trace[i]!.instret);
    assert.equal(state(machine), trace[i]!.state, `at point ${i}`);
  }
  travel.stepBack();
  travel.goTo(trace[23]!.instret);
  assert.equal(state(machine), trace[23]!.state);
  const stop = machine.run(1_000_000);
  assert.equal(stop.reason, 'exit', stop.detail);
  assert.equal(machine.cpu.getGpr(12), 30n);
});

test('guest mode: the virtual APIC starts in x2APIC mode; TSC-deadline mode fires at the deadline; x2APIC → xAPIC is refused with #GP', { skip }, () => {
  const { machine, hypervisor } = guest(`
  mov ecx, 0x1b
  rdmsr
  mov r13, rax
  mov ecx, 0x803
  rdmsr
  mov r14, rax
${APIC_ENABLE}
  mov ecx, 0x832
  mov eax, 0x40040         ; TSC-deadline mode, vector 0x40
  wrmsr
  rdtsc
  shl rdx, 32
  or rax, rdx
  add rax, 50000
  mov rdx, rax
  shr rdx, 32
  mov ecx, 0x6e0
  wrmsr
  sti
  hlt
  rdtsc
  mov r15, rax
${'  mov al, 1\n  out 0xf4, al'}`);
  const stop = machine.run(1_000_000);
  assert.equal(stop.reason, 'exit', stop.detail);
  assert.equal(machine.cpu.getGpr(13), 0xfee00d00n, 'EN | EXTD | BSP');
  assert.equal(machine.cpu.getGpr(14), 0x00050014n);
  assert.equal(machine.cpu.getGpr(12), 1n, 'the deadline interrupt');
  assert.ok(machine.cpu.getGpr(15) >= 50_000n, `woken at the deadline (TSC ${machine.cpu.getGpr(15)})`);
  assert.equal(hypervisor.interrupts.apic.timer.tscDeadline, 0n, 'the deadline MSR clears when it fires');
  const gp = guest(`
  mov ecx, 0x1b
  mov eax, 0xfee00900
  xor edx, edx
  wrmsr`);
  const gpStop = gp.machine.run(100_000);
  assert.equal(gpStop.reason, 'triple-fault', 'the injected #GP(0) finds no IDT gate 13 in this guest');
  assert.match(gpStop.detail, /delivering vector 13/);
});

test('guest mode: cli; hlt without HLT exiting and nothing armed stops as a halt (no preemption timer left armed)', { skip }, () => {
  const { machine } = guest(`
  cli
  hlt`, { hltExiting: false });
  const stop = machine.run(1_000_000);
  assert.equal(stop.reason, 'halt', stop.detail);
  assert.ok(machine.cpu.instret < 1000, `no time skipped (instret ${machine.cpu.instret})`);
});
