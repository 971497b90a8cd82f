import assert from 'node:assert/strict';
import { GPR_NAMES } from '../../src/machine/cpu/registers';
import type { Machine } from '../../src/machine/machine';
import { nasmTest, systemTest } from './systemHarness';
import { apicTimer, eoiIretq, X2APIC_ON } from '../support/guestPreludes';

/** Vector 0x40 counts into r12 and EOIs; vector 0x50 counts into r11. */
const HANDLERS = `
tick:
  inc r12
eoi:
${eoiIretq()}
other:
  inc r11
  jmp eoi`;

const gates = { 0x40: { handler: 'tick' }, 0x50: { handler: 'other' } };

nasmTest('periodic APIC timer: the handler runs every initial-count instructions (÷1) while the program spins', () => {
  const t = systemTest(`
${X2APIC_ON}
${apicTimer(0x20040, 1000)}
  sti
spin:
  cmp r12, 5
  jb spin
  cli
  hlt
${HANDLERS}`, { gates }).runToStop();
  t.assertStop('halt', /interrupts disabled/);
  assert.equal(t.cpu.getGpr(12), 5n);
  const instret = t.cpu.instret;
  assert.ok(instret >= 5000 && instret < 5200, `5 periods of 1000 instructions (instret ${instret})`);
});

nasmTest('one-shot timer with ÷16 fires once, after initial count × 16 instructions; HLT waits for it (time skips ahead)', () => {
  const t = systemTest(`
${X2APIC_ON}
${apicTimer(0x40, 100, 0x3)}
  mov r13, 0
  sti
  hlt
  mov r13, r12
  hlt
${HANDLERS}`, { gates }).runToStop();
  t.assertStop('halt', /interrupts enabled and no interrupt source pending/);
  assert.equal(t.cpu.getGpr(13), 1n, 'woken by the timer');
  assert.ok(t.cpu.instret >= 1600 && t.cpu.instret < 1700, `1600 instructions (instret ${t.cpu.instret})`);
});

nasmTest('masked LVT timer: HLT with IF = 1 stops (nothing can wake it)', () => {
  const t = systemTest(`
${X2APIC_ON}
${apicTimer(0x30040, 100)}
  sti
  hlt
${HANDLERS}`, { gates }).runToStop();
  t.assertStop('halt');
  assert.equal(t.cpu.getGpr(12), 0n);
});

nasmTest('IF = 0 holds a self IPI; STI delays it by one instruction (the interrupt shadow)', () => {
  const t = systemTest(`
${X2APIC_ON}
  mov ecx, 0x83f
  mov eax, 0x40
  wrmsr
  nop
  mov r13, r12
  sti
  mov r14, r12
  mov r15, r12
  cli
  hlt
${HANDLERS}`, { gates }).runToStop();
  t.assertStop('halt');
  assert.equal(t.cpu.getGpr(13), 0n, 'IF = 0: held');
  assert.equal(t.cpu.getGpr(14), 0n, 'the instruction after STI runs first');
  assert.equal(t.cpu.getGpr(15), 1n);
});

nasmTest('TPR holds vectors of its class and below; lowering it delivers; higher vectors are taken first', () => {
  const t = systemTest(`
${X2APIC_ON}
  mov ecx, 0x808
  mov eax, 0x50
  wrmsr
  sti
  mov ecx, 0x83f
  mov eax, 0x40
  wrmsr
  mov eax, 0x50
  wrmsr
  nop
  mov r13, r12
  mov r14, r11
  mov ecx, 0x808
  xor eax, eax
  wrmsr
  nop
  cli
  hlt
${HANDLERS}`, { gates }).runToStop();
  t.assertStop('halt');
  assert.equal(t.cpu.getGpr(13), 0n);
  assert.equal(t.cpu.getGpr(14), 0n);
  assert.equal(t.cpu.getGpr(11), 1n);
  assert.equal(t.cpu.getGpr(12), 1n);
});

nasmTest('HLT with IF = 0 and an armed timer still stops', () => {
  const t = systemTest(`
${X2APIC_ON}
${apicTimer(0x40, 100)}
  hlt
${HANDLERS}`, { gates }).runToStop();
  t.assertStop('halt', /interrupts disabled/);
});

function state(machine: Machine): string {
  const cpu = machine.cpu;
  return `${GPR_NAMES.map((name, i) => `${name}=${cpu.getGpr(i).toString(16)}`).join(' ')} rip=${cpu.rip.toString(16)} rflags=${cpu.rflags.toString(16)} instret=${cpu.instret} isr=${[...machine.apic.isr].join(',')} irr=${[...machine.apic.irr].join(',')}`;
}

nasmTest('reverse execution: stepping back across timer interrupts and replaying gives identical state', () => {
  const program = `
${X2APIC_ON}
${apicTimer(0x20040, 777)}
  sti
spin:
  inc r14
  cmp r12, 40
  jb spin
  cli
  hlt
${HANDLERS}`;
  const t = systemTest(program, { gates });
  const machine = t.machine;
  const travel = machine.enableReverseExecution(5000);
  const trace: string[] = [];
  for (let i = 0; i < 30; i++) {
    machine.run(499);
    trace.push(state(machine));
  }
  // back to each recorded point, newest first, then once more forward to the end
  for (let i = trace.length - 1; i >= 0; i -= 7) {
    travel.goTo((i + 1) * 499);
    assert.equal(state(machine), trace[i]);
  }
  travel.stepBack();
  travel.goTo(30 * 499);
  assert.equal(state(machine), trace[29]);
  machine.run(1_000_000);
  assert.equal(machine.cpu.getGpr(12), 40n);
});
