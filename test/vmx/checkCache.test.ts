/**
 * The VM-entry check cache gives the same verdict as running every check: a valid VMCS
 * (the built-in hypervisor's) is mutated at random — fields of every group, RFLAGS
 * status and control bits, the control words, host EFER.LMA of the CPU, the link
 * pointer's target memory — and after each step the cached first violation of each
 * check list must equal the uncached one.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Machine } from '../../src/machine/machine';
import { firstViolationCached } from '../../src/machine/vmx/checkCache';
import { CONTROL_CHECKS } from '../../src/machine/vmx/checkControls';
import { GUEST_CHECKS } from '../../src/machine/vmx/checkGuestState';
import { HOST_CHECKS } from '../../src/machine/vmx/checkHostState';
import { Controls } from '../../src/machine/vmx/controls';
import { firstViolation } from '../../src/machine/vmx/entryCheck';
import { F } from '../../src/machine/vmx/fields';
import { VMCS_REVISION_ID } from '../../src/machine/vmx/capabilities';
import type { Vmcs } from '../../src/machine/vmx/vmcs';

/** Deterministic xorshift32. */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
}

function controlsOf(vmcs: Vmcs): Controls {
  return new Controls(vmcs.get32(F.PIN_BASED_VM_EXEC_CONTROL), vmcs.get32(F.CPU_BASED_VM_EXEC_CONTROL), vmcs.get32(F.SECONDARY_VM_EXEC_CONTROL), vmcs.get32(F.VM_EXIT_CONTROLS), vmcs.get32(F.VM_ENTRY_CONTROLS));
}

const LISTS = [
  ['controls', CONTROL_CHECKS],
  ['host', HOST_CHECKS],
  ['guest', GUEST_CHECKS],
] as const;

test('entry-check cache: same first violation as the uncached checks under random VMCS and CPU changes', () => {
  const machine = new Machine({ memoryMB: 64 });
  machine.loadGuest(Uint8Array.from([0xf4]));
  const vmcs = machine.vmx.current!;
  const cpu = machine.cpu;
  const fields = Object.values(F).filter((f) => (f >>> 10) % 4 !== 1); // writable fields of every group
  const original = new Map(fields.map((f) => [f, vmcs.get(f)]));
  const random = rng(0x5eed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const linkTarget = 0x300000;
  let failures = 0;
  let passes = 0;
  for (let step = 0; step < 4000; step++) {
    const action = random();
    if (action < 0.45) {
      const field = pick(fields);
      const base = original.get(field)!;
      const choice = random();
      const value = choice < 0.4 ? base : choice < 0.8 ? base ^ (1n << BigInt(Math.floor(random() * 64))) : BigInt(Math.floor(random() * 2 ** 32));
      vmcs.set(field, value);
    } else if (action < 0.6) {
      // RFLAGS: status flags only (the guest's arithmetic), or another bit.
      const status = [0, 2, 4, 6, 7, 11];
      const bit = random() < 0.7 ? pick(status) : pick([1, 3, 5, 8, 9, 10, 14, 15, 17, 21, 22, 40]);
      vmcs.set(F.GUEST_RFLAGS, vmcs.get(F.GUEST_RFLAGS) ^ (1n << BigInt(bit)));
    } else if (action < 0.7) {
      vmcs.set(F.GUEST_RIP, BigInt.asUintN(64, BigInt(Math.floor(random() * 2 ** 20)) - (random() < 0.1 ? 1n << 48n : 0n)));
    } else if (action < 0.75) {
      cpu.efer ^= 0x400; // host IA32_EFER.LMA (H4)
    } else if (action < 0.8) {
      vmcs.set(F.VMCS_LINK_POINTER, random() < 0.5 ? 0xffffffffffffffffn : BigInt(linkTarget));
      cpu.mem.write32(linkTarget, random() < 0.5 ? VMCS_REVISION_ID : 0);
    } else if (action < 0.85) {
      cpu.mem.write32(linkTarget, random() < 0.5 ? VMCS_REVISION_ID : 0); // memory only: the link check reads the CPU
    } else {
      for (const [field, value] of original) if (random() < 0.5) vmcs.set(field, value); // back towards valid
    }
    const controls = controlsOf(vmcs);
    for (const [name, checks] of LISTS) {
      const cached = firstViolationCached(checks, vmcs, cpu, controls);
      const full = firstViolation(checks, { cpu, vmcs, controls });
      assert.equal(cached, full, `step ${step}, ${name} checks: cached ${cached?.id} ${cached?.rule} vs ${full?.id} ${full?.rule}`);
      if (full) failures++;
      else passes++;
    }
  }
  assert.ok(failures > 500 && passes > 500, `both verdicts exercised (${failures} failures, ${passes} passes)`);
});

test('entry-check cache: an RFLAGS status-flag change re-runs no check; a guest field change re-runs the checks that read it', () => {
  const machine = new Machine({ memoryMB: 64 });
  machine.loadGuest(Uint8Array.from([0xf4]));
  const vmcs = machine.vmx.current!;
  const cpu = machine.cpu;
  const controls = controlsOf(vmcs);
  assert.equal(firstViolationCached(GUEST_CHECKS, vmcs, cpu, controls), undefined);
  vmcs.set(F.GUEST_RFLAGS, vmcs.get(F.GUEST_RFLAGS) ^ 0x8d5n);
  assert.equal(firstViolationCached(GUEST_CHECKS, vmcs, cpu, controls), undefined);
  vmcs.set(F.GUEST_TR_AR, vmcs.get(F.GUEST_TR_AR) & ~0x80n); // TR not present
  assert.equal(firstViolationCached(GUEST_CHECKS, vmcs, cpu, controls)?.id, 'G10');
  vmcs.set(F.GUEST_RFLAGS, vmcs.get(F.GUEST_RFLAGS) | 0x8n); // reserved bit 3
  assert.equal(firstViolationCached(GUEST_CHECKS, vmcs, cpu, controls)?.id, 'G10', 'the earlier failure still comes first');
  vmcs.set(F.GUEST_TR_AR, vmcs.get(F.GUEST_TR_AR) | 0x80n);
  assert.equal(firstViolationCached(GUEST_CHECKS, vmcs, cpu, controls)?.id, 'G8');
});
