/**
 * Test helpers for the Xen personality: a guest-mode machine with `paravirt: 'xen'`,
 * direct hypercalls (the hypervisor's entry point, as a VMCALL exit would call it) and
 * guest-memory helpers (guest-virtual = guest-physical under the boot identity map).
 */
import assert from 'node:assert/strict';
import { assembleSource } from '../../src/asm/assemble';
import { wrmsr } from '../support/guestPreludes';
import { Machine } from '../../src/machine/machine';
import type { GuestModeOptions } from '../../src/machine/hypervisor/guestSetup';
import { HostLayout } from '../../src/machine/hypervisor/layout';
import type { XenArgs, XenPlatform } from '../../src/machine/xen/platform';

export const RAM = HostLayout.guestRamBase;
/** A scratch area of guest RAM for hypercall arguments. */
export const SCRATCH = 0x300000;

export interface XenHarness {
  readonly machine: Machine;
  readonly xen: XenPlatform;
  /** Runs hypercall `number`; the signed result. */
  call(number: number, ...args: (number | bigint)[]): bigint;
  /** Writes little-endian fields at guest-physical `gpa` (through EPT): [size in bytes, value] pairs. */
  put(gpa: number, fields: [1 | 2 | 4 | 8, number | bigint][]): void;
  u16(gpa: number): number;
  u32(gpa: number): number;
  u64(gpa: number): bigint;
  i16(gpa: number): number;
}

export function assembleGuest(source: string): Uint8Array {
  const result = assembleSource(`bits 64\norg 0x100000\n${source}`, 'guest.asm');
  const errors = result.diagnostics.filter((d) => d.severity === 'error');
  assert.equal(errors.length, 0, JSON.stringify(errors));
  return result.bytes;
}

export function xenMachine(options: GuestModeOptions = {}, program: Uint8Array = Uint8Array.of(0xf4)): XenHarness {
  const machine = new Machine({ memoryMB: 64 });
  const hv = machine.loadGuest(program, { paravirt: 'xen', ...options });
  const xen = hv.xen!;
  const mem = machine.mem;
  /** Guest-physical → host-physical through EPT (as the guest sees memory), RAM + GPA when unmapped. */
  const hpa = (gpa: number): number => xen.mem.gpaToHpa(gpa) ?? RAM + gpa;
  return {
    machine,
    xen,
    call: (number, ...args) => {
      const full = [...args.map((a) => BigInt.asUintN(64, BigInt(a))), 0n, 0n, 0n, 0n, 0n].slice(0, 5) as unknown as XenArgs;
      return BigInt.asIntN(64, xen.hypercall(number, full));
    },
    put: (gpa, fields) => {
      let at = gpa;
      for (const [size, value] of fields) {
        const v = BigInt.asUintN(size * 8, BigInt(value));
        for (let i = 0; i < size; i++) mem.write8(hpa(at + i), Number((v >> BigInt(8 * i)) & 0xffn));
        at += size;
      }
    },
    u16: (gpa) => mem.read16(hpa(gpa)),
    u32: (gpa) => mem.read32(hpa(gpa)),
    u64: (gpa) => mem.read64(hpa(gpa)),
    i16: (gpa) => (mem.read16(hpa(gpa)) << 16) >> 16,
  };
}

/** Guest code: Xen's hypercall page at GPA 0x200000 (MSR 0x40000000 ← its address); entry n at 0x200000 + n * 32. */
export const HYPERCALL_PAGE = wrmsr(0x40000000, 0x200000);

/** Runs a Xen guest program to its stop. */
export function runXenGuest(source: string, options: GuestModeOptions = {}, budget = 2_000_000) {
  const machine = new Machine({ memoryMB: 64 });
  const hv = machine.loadGuest(assembleGuest(source), { paravirt: 'xen', ...options });
  const stop = machine.run(budget);
  return { machine, xen: hv.xen!, hypervisor: hv, stop };
}
