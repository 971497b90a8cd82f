import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { hasNasm, nasm } from '../machine/cpuRunner';
import { Machine } from '../../src/machine/machine';

const skip = !hasNasm() && 'nasm is not installed';

test('a hypervisor of your own (fixtures/own-hypervisor.asm): controls from TRUE MSRs, EPT, I/O and CPUID exits, VMCALL', { skip }, () => {
  const source = readFileSync(join(__dirname, 'fixtures', 'own-hypervisor.asm'), 'utf8').replace(/^(bits 64|org 0x100000)$/gm, '');
  const machine = new Machine({ memoryMB: 32 });
  const image = nasm(source);
  machine.loadBare(image);
  const stop = machine.run(1_000_000);
  assert.equal(stop.reason, 'exit', `${stop.detail}; r15=${machine.cpu.getGpr(15)}; ${machine.vmx.lastEntryFailure?.describe() ?? ''}`);
  assert.equal(stop.exitCode, 42);
  assert.equal(machine.consoleText, 'Hello from the guest\n');
  const offset = image.length - 12;
  assert.equal(Buffer.from(machine.mem.peek(0x100000 + offset, 12)).toString(), 'OwnHypervisr');
  const reasons = new Set(machine.vmx.exits.map((e) => e.reason));
  assert.deepEqual([...reasons], [30, 10, 18]);
});
