/**
 * Setting a guest paging-structure entry's accessed/dirty flag is a write for EPT
 * (SDM 28.3.3.2): a guest table in a page EPT maps read-only causes an EPT violation
 * (data write; linear address valid; bit 8 clear: a paging-structure access) when the
 * processor would set A or D there, and nothing when the flags are already set.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PhysicalMemory } from '../../src/machine/memory/physicalMemory';
import { EptFault, EptTranslator, EptQual } from '../../src/machine/paging/ept';
import { walk, Cr0, Cr4, Efer } from '../../src/machine/paging/walker';
import { Access } from '../../src/machine/paging/types';

const MB = 1024 * 1024;
/** Guest RAM (GPA 0…64 KiB) at HPA 16 MiB: GPA ≠ HPA. */
const GUEST_BASE = 16 * MB;
const EPT_ROOT = 0x10000;
const WB = 6n << 3n;
const A = 0x20n;
const D = 0x40n;
const LINEAR = 0x400000;

/** 4 KiB EPT mappings of GPA 0…64 KiB (PT at 0x13000); guest tables at GPA 0x1000…0x4000 mapping LINEAR → GPA 0x5000. */
function setup(eptp = BigInt(EPT_ROOT) | 0x1en) {
  const mem = new PhysicalMemory(32 * MB);
  mem.write64(EPT_ROOT, 0x11000n | 7n);
  mem.write64(0x11000, 0x12000n | 7n);
  mem.write64(0x12000, 0x13000n | 7n);
  const mapEpt = (gpa: number, perm: bigint): void => mem.write64(0x13000 + (gpa >>> 12) * 8, BigInt(GUEST_BASE + gpa) | WB | perm);
  for (let gpa = 0; gpa < 0x10000; gpa += 0x1000) mapEpt(gpa, 7n);
  const guest = (gpa: number): bigint => mem.read64(GUEST_BASE + gpa);
  const setGuest = (gpa: number, value: bigint): void => mem.write64(GUEST_BASE + gpa, value);
  setGuest(0x1000, 0x2000n | 7n);
  setGuest(0x2000, 0x3000n | 7n);
  setGuest(0x3000 + 2 * 8, 0x4000n | 7n);
  setGuest(0x4000, 0x5000n | 7n);
  const regs = { cr0: (Cr0.PE | Cr0.PG | Cr0.WP) >>> 0, cr3: 0x1000, cr4: Cr4.PAE, efer: Efer.LME | Efer.LMA };
  const run = (kind: Access) => walk(mem, regs, LINEAR, { kind, user: false }, true, new EptTranslator(mem, eptp));
  return { mem, mapEpt, guest, setGuest, run };
}

function violation(e: unknown, gpa: number, qualification: number): boolean {
  assert.ok(e instanceof EptFault, String(e));
  assert.equal(e.kind, 'violation');
  assert.equal(e.guestPhysical, gpa);
  assert.equal(e.qualification, qualification, `qualification 0x${e.qualification.toString(16)}`);
  assert.equal(e.linear, LINEAR);
  return true;
}

const READ_ONLY_TABLE = EptQual.Write | EptQual.Readable | EptQual.Executable | EptQual.LinearValid;

test('setting A in a guest PT that EPT maps read-only: EPT violation (write, GLA valid, bit 8 clear)', () => {
  const { mapEpt, guest, run } = setup();
  mapEpt(0x4000, 5n); // the guest PT page: R-X
  assert.throws(() => run(Access.Read), (e: unknown) => violation(e, 0x4000, READ_ONLY_TABLE));
  assert.equal(guest(0x1000) & A, A, 'the walk set A in the PML4E (writable) before the PT');
  assert.equal(guest(0x2000) & A, A);
  assert.equal(guest(0x3000 + 16) & A, A);
  assert.equal(guest(0x4000) & A, 0n, 'the PTE is unchanged');
});

test('A already set in a read-only guest table: no write, no violation', () => {
  const { mapEpt, guest, setGuest, run } = setup();
  for (const gpa of [0x1000, 0x2000, 0x3000 + 16, 0x4000]) setGuest(gpa, guest(gpa) | A);
  mapEpt(0x1000, 5n);
  mapEpt(0x4000, 5n);
  const result = run(Access.Read);
  assert.ok(result.ok);
  assert.equal(result.physical, GUEST_BASE + 0x5000);
});

test('setting D in a read-only guest PT on a write: EPT violation; with D set the write walk succeeds', () => {
  const { mapEpt, guest, setGuest, run } = setup();
  for (const gpa of [0x1000, 0x2000, 0x3000 + 16, 0x4000]) setGuest(gpa, guest(gpa) | A);
  mapEpt(0x4000, 5n);
  assert.ok(run(Access.Read).ok, 'reads need no update');
  assert.throws(() => run(Access.Write), (e: unknown) => violation(e, 0x4000, READ_ONLY_TABLE));
  setGuest(0x4000, guest(0x4000) | D);
  assert.ok(run(Access.Write).ok);
});

test('a read-only guest PML4 fails on its own A update (the first entry of the walk)', () => {
  const { mapEpt, guest, run } = setup();
  mapEpt(0x1000, 1n); // read-only, not executable
  assert.throws(() => run(Access.Read), (e: unknown) => violation(e, 0x1000, EptQual.Write | EptQual.Readable | EptQual.LinearValid));
  assert.equal(guest(0x1000) & A, 0n);
});

test('with EPT A/D enabled the A update also sets EPT A and D on the table page', () => {
  const { mem, run } = setup(BigInt(EPT_ROOT) | 0x5en);
  assert.ok(run(Access.Read).ok);
  const eptPte = mem.read64(0x13000 + 4 * 8);
  assert.equal(eptPte & 0x300n, 0x300n, 'EPT A (bit 8) and D (bit 9) on the guest PT page');
});
