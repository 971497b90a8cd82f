import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { hasNasm, nasm } from '../machine/cpuRunner';
import { Machine } from '../../src/machine/machine';
import type { GuestModeOptions } from '../../src/machine/hypervisor/guestSetup';

const skip = !hasNasm() && 'nasm is not installed';

function runSample(name: string, options: GuestModeOptions = {}) {
  const source = readFileSync(join(__dirname, 'fixtures', `${name}.asm`), 'utf8').replace(/^(bits 64|org 0x100000)$/gm, '');
  const machine = new Machine({ memoryMB: 64 });
  machine.loadGuest(nasm(source), options);
  const stop = machine.run(1_000_000);
  return { machine, stop, reasons: machine.vmx.exits.map((e) => e.reason) };
}

test('guest sample: CPUID', { skip }, () => {
  const { machine, stop, reasons } = runSample('guest-cpuid');
  assert.equal(stop.reason, 'exit', stop.detail);
  assert.equal(stop.exitCode, 1);
  assert.equal(machine.consoleText, 'HyperscopeHV');
  assert.deepEqual(reasons, [10, 30, 10, 30]);
});

test('guest sample: port I/O', { skip }, () => {
  const { machine, stop, reasons } = runSample('guest-port-io');
  assert.equal(stop.exitCode, 1);
  assert.equal(machine.consoleText, 'port I/O from the guest\n');
  assert.ok(reasons.every((r) => r === 30));
});

test('guest sample: HLT, with and without HLT exiting', { skip }, () => {
  const exiting = runSample('guest-hlt');
  assert.equal(exiting.stop.reason, 'halt');
  assert.deepEqual(exiting.reasons, [12]);
  const native = runSample('guest-hlt', { hltExiting: false });
  assert.equal(native.stop.reason, 'halt');
  assert.deepEqual(native.reasons, []);
});

test('guest sample: EPT violation on an unmapped MMIO address', { skip }, () => {
  const { stop, reasons } = runSample('guest-ept-violation');
  assert.equal(stop.reason, 'vm-exit');
  assert.match(stop.detail, /EPT violation: read of unmapped guest-physical 0xfee00000/);
  assert.deepEqual(reasons, [48]);
});

test('guest sample: VMCALL hypercalls', { skip }, () => {
  const { machine, stop, reasons } = runSample('guest-vmcall');
  assert.equal(stop.exitCode, 1);
  assert.equal(machine.consoleText, 'hello through a hypercall\n');
  assert.deepEqual(reasons, [18, 18, 30]);
});
