import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Machine } from '../../src/machine/machine';
import { GPR_NAMES } from '../../src/machine/cpu/registers';
import { hasNasm, nasm } from './cpuRunner';

const skip = hasNasm() ? false : 'nasm not installed: reverse-execution programs are built with nasm';

// A loop that changes registers and memory (including a store into its own data page and
// console output), so replay must restore all three.
const PROGRAM = `
        mov     rdi, 0x300000
        xor     eax, eax
        mov     rcx, 400000
.loop:  add     rax, rcx
        mov     [rdi], rax
        add     qword [rdi + 8], 3
        xor     rax, [rdi + 8]
        test    ecx, 0xffff
        jnz     .skip
        mov     dx, 0x3f8
        mov     al, '.'
        out     dx, al
.skip:  dec     rcx
        jnz     .loop
        hlt
`;

function state(machine: Machine): string {
  const cpu = machine.cpu;
  const regs = GPR_NAMES.map((name, i) => `${name}=${cpu.getGpr(i).toString(16)}`).join(' ');
  const memory = Buffer.from(machine.mem.peek(0x300000, 16)).toString('hex');
  return `${regs} rip=${cpu.rip.toString(16)} rflags=${cpu.rflags.toString(16)} instret=${cpu.instret} mem=${memory} console=${machine.consoleText.length}`;
}

function boot(): Machine {
  const machine = new Machine({ memoryMB: 16 });
  machine.loadBare(nasm(PROGRAM));
  machine.enableReverseExecution(100_000);
  return machine;
}

test('goTo returns to an earlier instruction count with identical registers, memory and console', { skip }, () => {
  const machine = boot();
  machine.run(1_234_567);
  const earlier = state(machine);
  machine.run(1_000_000);
  assert.notEqual(state(machine), earlier);
  machine.timeTravel!.goTo(1_234_567);
  assert.equal(state(machine), earlier);
  // and forward again is deterministic
  const reference = boot();
  reference.run(2_000_000);
  machine.run(2_000_000 - 1_234_567);
  assert.equal(state(machine), state(reference));
});

test('stepBack undoes exactly one instruction, across checkpoint boundaries', { skip }, () => {
  const machine = boot();
  machine.run(300_000); // exactly on a checkpoint boundary
  const before = state(machine);
  machine.run(1);
  machine.timeTravel!.stepBack();
  assert.equal(state(machine), before);
  machine.timeTravel!.stepBack();
  const reference = boot();
  reference.run(299_999);
  assert.equal(state(machine), state(reference));
});

test('reverseContinue stops at the most recent breakpoint hit', { skip }, () => {
  const machine = boot();
  const outAddress = 0x100029; // the 'out dx, al' instruction (ndisasm of PROGRAM)
  machine.run(500_000);
  const reference = boot();
  reference.loop.breakpoints.add(outAddress);
  let lastHit = -1;
  while (reference.cpu.instret < 500_000) {
    const stop = reference.run(500_000 - reference.cpu.instret);
    if (stop.reason !== 'breakpoint') break;
    lastHit = reference.cpu.instret;
    reference.loop.resumeFromBreakpoint();
  }
  assert.ok(lastHit > 0, 'the reference run hits the breakpoint');
  machine.loop.breakpoints.add(outAddress);
  const result = machine.timeTravel!.reverseContinue((stop) => stop.reason === 'breakpoint');
  assert.equal(result.instret, lastHit);
  assert.equal(machine.cpu.rip, outAddress);
  assert.equal(result.reachedStart, false);
});
