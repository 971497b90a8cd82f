/**
 * Robustness: random programs dense in system opcodes (0F 00/01, MOV CR/DR, MOV Sreg,
 * IRETQ, RETF, far JMP/CALL, SYSCALL/SYSRET, SYSENTER/SYSEXIT, WRMSR/RDMSR, INT n, REP INS/OUTS) with an
 * IDT whose gates point back into the program. Whatever they do, `Machine.run` returns a
 * stop within its budget and never throws a JavaScript exception.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Machine } from '../../src/machine/machine';

const SYSTEM_OPCODES = [
  [0x0f, 0x01], [0x0f, 0x00], [0x0f, 0x20], [0x0f, 0x22], [0x0f, 0x21], [0x0f, 0x23], [0x8e], [0x8c], [0xcf], [0x48, 0xcf],
  [0x0f, 0x05], [0x0f, 0x07], [0x48, 0x0f, 0x07], [0x0f, 0x30], [0x0f, 0x32], [0xcd], [0xf3, 0x6c], [0xf3, 0x6e], [0x0f, 0xa1],
  [0x0f, 0xa9], [0x0f, 0x34], [0x48, 0x0f, 0x35], [0x0f, 0xa2], [0x6a], [0x9d], [0xfa], [0xfb], [0xcc], [0xf1], [0x0f, 0x01, 0xf8],
  [0xcb], [0x48, 0xcb], [0xca], [0xff], [0x48, 0xff],
];

function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return state >>> 24;
  };
}

test('random system-opcode programs always stop and never throw', () => {
  const next = random(20261124);
  const reasons = new Map<string, number>();
  for (let i = 0; i < 60; i++) {
    const machine = new Machine({ memoryMB: 4 });
    const code: number[] = [];
    for (let j = 0; j < 60; j++) {
      code.push(...SYSTEM_OPCODES[next() % SYSTEM_OPCODES.length]!);
      for (let k = 0; k < 5; k++) code.push(next());
    }
    machine.loadBare(Uint8Array.from(code));
    for (let v = 0; v < 256; v++) {
      const target = 0x100000 + ((next() << 4) % code.length);
      const gate = 0x10000 + v * 16;
      machine.mem.write32(gate, (target & 0xffff) | (0x08 << 16));
      machine.mem.write32(gate + 4, (((target >>> 16) << 16) | 0x8e00 | (next() & 0x60) | (next() & 1)) >>> 0);
    }
    machine.cpu.idtr.base = 0x10000;
    machine.cpu.idtr.limit = 4095;
    for (let r = 0; r < 16; r++) if (r !== 4) machine.cpu.setGpr(r, BigInt(i % 3 === 0 ? next() * 0x1000 + next() : next() & 0x3f));
    const stop = machine.run(2000);
    assert.ok(machine.cpu.instret <= 2000);
    reasons.set(stop.reason, (reasons.get(stop.reason) ?? 0) + 1);
  }
  assert.ok(reasons.size >= 2, `several kinds of stops: ${JSON.stringify([...reasons])}`);
});
