/**
 * VM exits performed in place (NonRootHooks.exitsNow, CPUID) behave like thrown ones for
 * the run loop: the exiting instruction does not retire, and a one-instruction step ends
 * at the host's RIP with the exit recorded.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Machine } from '../../src/machine/machine';
import { HostLayout } from '../../src/machine/hypervisor/layout';

test('an in-place CPUID exit ends a one-instruction step at HOST_RIP without retiring the CPUID', () => {
  const machine = new Machine({ memoryMB: 64 });
  machine.loadGuest(Uint8Array.from([0x0f, 0xa2, 0xf4])); // cpuid; hlt
  for (let i = 0; i < 10 && machine.vmx.operation !== 'non-root'; i++) machine.run(1); // VMLAUNCH
  assert.equal(machine.vmx.operation, 'non-root');
  const instret = machine.cpu.instret;
  const stop = machine.run(1);
  assert.equal(stop.reason, 'budget');
  assert.equal(machine.vmx.operation, 'root');
  assert.equal(machine.cpu.rip, HostLayout.stub, 'stopped at the host stub (HOST_RIP)');
  assert.equal(machine.cpu.instret, instret, 'CPUID did not retire');
  assert.equal(machine.vmx.exitCounts.get(10), 1);
  assert.equal(machine.vmx.exits.at(-1)?.instret, instret);
  machine.run(1); // VMRESUME
  assert.equal(machine.vmx.operation, 'non-root');
  assert.equal(machine.cpu.instret, instret + 1);
  assert.equal(machine.cpu.getGpr(3), 0x756e6547n, 'EBX of leaf 0 from the hypervisor ("Genu")');
  assert.equal(machine.run(100).reason, 'halt');
});
