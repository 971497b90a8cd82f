/**
 * Blocking by NMI (SDM Vol. 3 6.7.1): after an NMI is delivered, further NMIs stay pending
 * until the next IRET. A self-NMI sent from inside the NMI handler is taken only after the
 * handler's IRETQ — the handler does not nest.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpuTest, hasNasm, nasm } from './cpuRunner';
import { idtData, SELF_NMI, X2APIC_ON } from '../support/guestPreludes';
import type { Machine } from '../../src/machine/machine';

const skip = !hasNasm() && 'nasm is not installed';

// r12 counts NMI handler entries; r14 records the count the handler sees at its end
// (before IRETQ) on the first entry; r15 the count right after the first self-NMI returns.
const PROGRAM = `
  lidt [rel idtr]
${X2APIC_ON}
  call self_nmi
  mov r15, r12
  hlt
self_nmi:
${SELF_NMI}
  ret
nmi_handler:
  inc r12
  cmp r12, 1
  jne .out
  call self_nmi         ; NMIs are blocked: this one stays pending
  nop
  nop
  mov r14, r12
.out:
  iretq
${idtData({ 2: 'nmi_handler' })}
`;

test('an NMI sent inside the NMI handler waits for IRETQ (no nesting), then is delivered', { skip }, () => {
  const t = cpuTest(nasm(PROGRAM), 16).runToStop();
  t.assertStop('halt');
  assert.equal(t.cpu.getGpr(14), 1n, 'no second entry before the first IRETQ');
  assert.equal(t.cpu.getGpr(12), 2n, 'the pending NMI was taken after IRETQ');
  assert.equal(t.cpu.getGpr(15), 2n, 'both handlers ran before the main program continued');
  assert.equal(t.cpu.nmiBlocked, false, 'the second IRETQ unblocked NMIs');
});

function state(machine: Machine): string {
  const cpu = machine.cpu;
  return `rip=${cpu.rip.toString(16)} r12=${cpu.getGpr(12)} r14=${cpu.getGpr(14)} instret=${cpu.instret} nmiBlocked=${cpu.nmiBlocked} pending=${machine.apic.nmiPending}`;
}

test('reverse execution replays NMI blocking: stepping back into the handler and forward again gives the same history', { skip }, () => {
  const t = cpuTest(nasm(PROGRAM), 16);
  const machine = t.machine;
  machine.enableReverseExecution(1, 10_000);
  const history = [state(machine)];
  while (machine.run(1).reason === 'budget' && history.length < 5000) history.push(state(machine));
  const end = machine.cpu.instret;
  assert.ok(history.some((h) => h.includes('nmiBlocked=true pending=true')), 'the second NMI was pending while blocked');
  for (let n = end - 1; n >= 0; n--) {
    machine.timeTravel!.goTo(n);
    assert.equal(state(machine), history[n], `goTo ${n}`);
    machine.run(1);
    assert.equal(state(machine), history[n + 1], `one step from ${n}`);
  }
});
