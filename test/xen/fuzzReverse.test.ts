import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Machine } from '../../src/machine/machine';
import { assembleGuest, xenMachine } from './harness';
import { mulberry32 as prng } from '../support/random';

test('fuzz: random hypercall numbers, sub-ops and arguments never throw and return success or a Xen errno', () => {
  for (const seed of [1, 2, 3, 4]) {
    const random = prng(seed);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
    const h = xenMachine();
    // Some plausible structures in guest RAM for the pointers to land on.
    for (let i = 0; i < 4096; i += 4) h.put(0x300000 + i, [[4, Math.floor(random() * 2 ** 32)]]);
    const value = (): bigint =>
      pick([
        () => BigInt(Math.floor(random() * 16)),
        () => BigInt(0x300000 + Math.floor(random() * 4096)),
        () => BigInt(0x100000 + Math.floor(random() * 0x1000000)),
        () => BigInt(Math.floor(random() * 2 ** 32)),
        () => 0x7ff0n,
        () => 0xffff_ffff_ffff_ffffn,
        () => 0x8000_0000_0000n + BigInt(Math.floor(random() * 1000)),
        () => -BigInt(Math.floor(random() * 100)),
      ])();
    for (let i = 0; i < 1500; i++) {
      const number = random() < 0.85 ? pick([1, 12, 13, 15, 17, 18, 20, 24, 26, 29, 32, 34]) : Math.floor(random() * 70);
      const args = [value(), value(), value(), value(), value()];
      const context = `seed ${seed} call ${i}: ${number}(${args.map((a) => a.toString(16)).join(', ')})`;
      let result: bigint;
      assert.doesNotThrow(() => {
        result = h.call(number, ...args);
      }, context);
      assert.ok(result! >= 0n || (result! < 0n && result! >= -200n), `${context} → ${result!}`);
      if (h.machine.cpu.stopRequest?.reason === 'exit') h.machine.cpu.stopRequest = undefined; // keep fuzzing past a shutdown
    }
    assert.doesNotThrow(() => JSON.stringify(h.xen.describe()));
  }
});

test('fuzz through VMCALL: a guest issuing random hypercalls runs to completion without a host exception', () => {
  const random = prng(99);
  const lines: string[] = [];
  for (let i = 0; i < 300; i++) {
    const r = () => `0x${Math.floor(random() * 2 ** 31).toString(16)}`;
    lines.push(`mov eax, ${Math.floor(random() * 40)}`, `mov rdi, ${random() < 0.5 ? Math.floor(random() * 12) : r()}`, `mov rsi, ${random() < 0.5 ? '0x300000' : r()}`, `mov rdx, ${Math.floor(random() * 4)}`, 'mov r10, 0', 'vmcall');
  }
  const machine = new Machine({ memoryMB: 64 });
  const hv = machine.loadGuest(assembleGuest(`${lines.join('\n')}\nhlt`), { paravirt: 'xen' });
  let stop;
  assert.doesNotThrow(() => (stop = machine.run(2_000_000)));
  assert.ok(['halt', 'exit', 'vm-exit', 'triple-fault', 'budget'].includes(stop!.reason), stop!.detail);
  assert.ok(hv.hypercalls.total > 0);
});

test('reverse execution: Xen state (channels, grants, shared info) replays identically', () => {
  const source = readFileSync(join(__dirname, '../../samples/xen-console.hvasm'), 'utf8').replace(/^(bits 64|org 0x100000)$/gm, '');
  const image = assembleGuest(source);
  const boot = () => {
    const machine = new Machine({ memoryMB: 64 });
    const hv = machine.loadGuest(image, { paravirt: 'xen' });
    return { machine, hv };
  };
  const picture = (m: ReturnType<typeof boot>) => JSON.stringify({ xen: m.hv.xen!.describe(), log: m.hv.hypercalls.describe(), console: m.machine.consoleText });
  const travelling = boot();
  travelling.machine.enableReverseExecution(40);
  const end = travelling.machine.run(100_000);
  assert.equal(end.reason, 'exit', end.detail);
  const total = travelling.machine.cpu.instret;
  for (const at of [Math.floor(total / 3), Math.floor(total / 2), total - 20]) {
    travelling.machine.timeTravel!.goTo(at);
    const fresh = boot();
    for (let guard = 0; fresh.machine.cpu.instret < at && guard < 1000; guard++) fresh.machine.run(at - fresh.machine.cpu.instret);
    assert.equal(travelling.machine.cpu.instret, fresh.machine.cpu.instret);
    assert.equal(picture(travelling), picture(fresh), `at instruction ${at}`);
  }
});
