import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isDmaFault, sourceId } from '../../src/machine/devices/dma';
import { FAULT_RECORD_OFFSET, Gcmd, Reg } from '../../src/machine/iommu/registers';
import type { IommuFault } from '../../src/machine/iommu/iommu';
import { DEVICE, translatingMachine, type Dmar } from './iommuHelpers';

/** Does one DMA that must be blocked with `reason`; checks the DmaFault, the fault record and the listener. */
function expectFault(env: ReturnType<typeof translatingMachine>, sid: number, address: number, write: boolean, reason: number): void {
  const { machine, dmar } = env;
  const heard: IommuFault[] = [];
  const stop = machine.iommu.onFault((fault) => heard.push(fault));
  const before = new Uint8Array(machine.mem.ram);
  const space = machine.iommu.spaceFor(sid);
  const result = write ? space.write(address, Uint8Array.of(1, 2, 3, 4)) : space.read(address, 4);
  stop();
  assert.ok(isDmaFault(result), `blocked (got ${String(result)})`);
  assert.match(result.reason, new RegExp(`VT-d fault reason 0x${reason.toString(16)}\\)$`));
  assert.equal(result.address, address);
  assert.equal(result.write, write);
  assert.equal(heard.length, 1);
  assert.equal(heard[0]!.reason, reason);
  assert.equal(heard[0]!.sourceId, sid);
  const index = heard[0]!.recordIndex!;
  assert.equal(index, 0, 'the first record');
  assert.equal((dmar.r32(Reg.FSTS) & 2) !== 0, true, 'PPF');
  assertRecord(dmar, index, { address, sid, reason, read: !write });
  assert.ok(Buffer.from(machine.mem.ram).equals(before), 'nothing written');
}

function assertRecord(dmar: Dmar, index: number, expected: { address: number; sid: number; reason: number; read: boolean }): void {
  const base = FAULT_RECORD_OFFSET + index * 16;
  assert.equal(dmar.r64(base), BigInt(expected.address - (expected.address % 4096)), 'FI: faulting page');
  const high = dmar.r64(base + 8);
  assert.equal(Number(high & 0xffffn), expected.sid, 'SID');
  assert.equal(Number((high >> 32n) & 0xffn), expected.reason, 'FR');
  assert.equal((high >> 62n) & 1n, expected.read ? 1n : 0n, 'T: 1 = read');
  assert.equal(high >> 63n, 1n, 'F');
}

test('0x1 root entry not present', () => {
  const env = translatingMachine();
  expectFault(env, sourceId(5, 0, 0), 0x1000, false, 0x1);
});

test('0x2 context entry not present (root present)', () => {
  const env = translatingMachine();
  env.tables.context(DEVICE);
  expectFault(env, DEVICE + 8, 0x2345, true, 0x2);
});

test('0x3 invalid context entry: translation type 1 (no device-TLB) and 3 (reserved), address width 0 and 3 (not in SAGAW)', () => {
  for (const options of [{ tt: 1 }, { tt: 3 }, { aw: 0 }, { aw: 3 }]) {
    const env = translatingMachine();
    env.tables.context(DEVICE, options);
    expectFault(env, DEVICE, 0x1000, false, 0x3);
  }
});

test('0x4 address beyond the address width: 2^39 with a 3-level context, 2^48 with a 4-level one', () => {
  const env = translatingMachine();
  env.tables.context(DEVICE, { aw: 1 });
  env.tables.map(0x1000, 0x800000, 3n, 0x1000, env.tables.slpt, 3);
  assert.equal(env.machine.iommu.translate(DEVICE, 0x1000, false), 0x800000, '3-level walk works');
  expectFault(env, DEVICE, 2 ** 39, false, 0x4);
  const env4 = translatingMachine();
  env4.tables.context(DEVICE);
  expectFault(env4, DEVICE, 2 ** 48 + 0x1000, true, 0x4);
});

test('0x5 write not permitted (W = 0 at any level)', () => {
  const env = translatingMachine();
  env.tables.context(DEVICE);
  env.tables.map(0x3000, 0x800000, 1n);
  assert.equal(env.machine.iommu.translate(DEVICE, 0x3000, false), 0x800000, 'reads are fine');
  expectFault(env, DEVICE, 0x3010, true, 0x5);
  const upper = translatingMachine();
  upper.tables.context(DEVICE);
  upper.tables.map(0x3000, 0x800000, 3n);
  const pdpte = upper.tables.entryAt(0x3000, 3);
  upper.tables.w64(pdpte, upper.tables.r64(pdpte) & ~2n);
  expectFault(upper, DEVICE, 0x3000, true, 0x5);
});

test('0x6 read not permitted (R = 0), and a not-present entry (R = W = 0) refuses the read the same way', () => {
  const env = translatingMachine();
  env.tables.context(DEVICE);
  env.tables.map(0x3000, 0x800000, 2n);
  expectFault(env, DEVICE, 0x3000, false, 0x6);
  const absent = translatingMachine();
  absent.tables.context(DEVICE);
  expectFault(absent, DEVICE, 0x5000, false, 0x6);
});

test('0x7 error accessing a second-level entry: a next-table pointer outside memory', () => {
  const env = translatingMachine();
  env.tables.context(DEVICE);
  env.tables.w64(env.tables.slpt, 0x3f0000000000n | 3n);
  expectFault(env, DEVICE, 0x1000, false, 0x7);
});

test('0x8 error accessing the root table: RTADDR outside memory', () => {
  const env = translatingMachine();
  env.dmar.w64(Reg.RTADDR, 0x3f0000000000n);
  env.dmar.w32(Reg.GCMD, Gcmd.TE | Gcmd.SRTP);
  expectFault(env, DEVICE, 0x1000, true, 0x8);
});

test('0x9 error accessing a context table: a context-table pointer outside memory', () => {
  const env = translatingMachine();
  env.tables.rootEntry(0, 0x3f0000000000n | 1n);
  expectFault(env, DEVICE, 0x1000, false, 0x9);
});

test('0xA reserved field in a present root entry (low bits 11:1, and the legacy-reserved high qword)', () => {
  for (const [low, high] of [[0x20n, 0n], [0n, 1n]] as const) {
    const env = translatingMachine();
    const table = env.tables.contextTable(0);
    env.tables.rootEntry(0, BigInt(table) | 1n | low, high);
    expectFault(env, DEVICE, 0x1000, false, 0xa);
  }
});

test('0xB reserved field in a present context entry (bits 11:4, bit 71, bits 127:88) — recorded even with FPD', () => {
  for (const options of [{ extraLow: 0x10n }, { extraHigh: 0x80n }, { extraHigh: 1n << 40n }, { extraLow: 0x10n, fpd: true }]) {
    const env = translatingMachine();
    env.tables.context(DEVICE, options);
    expectFault(env, DEVICE, 0x1000, false, 0xb);
  }
});

test('0xC reserved field in a second-level entry: SNP, TM, address bits above HAW, PS in a PML4E, misaligned superpage', () => {
  const cases: Array<(env: ReturnType<typeof translatingMachine>) => void> = [
    (env) => env.tables.map(0x1000, 0x800000, 3n | 0x800n),
    (env) => env.tables.map(0x1000, 0x800000, 3n | (1n << 62n)),
    (env) => env.tables.map(0x1000, 0x800000, 3n | (1n << 47n)),
    (env) => env.tables.w64(env.tables.slpt, 0x80n | 3n),
    (env) => env.tables.map(0, 0x801000, 3n, 0x200000),
    (env) => env.tables.map(0, 0x200000, 3n, 0x40000000),
  ];
  for (const build of cases) {
    const env = translatingMachine();
    env.tables.context(DEVICE);
    build(env);
    expectFault(env, DEVICE, 0x1000, false, 0xc);
  }
});

test('FPD suppresses recording of qualified faults; the DMA is still blocked and the listeners hear it', () => {
  const env = translatingMachine();
  env.tables.context(DEVICE, { fpd: true });
  const heard: IommuFault[] = [];
  env.machine.iommu.onFault((fault) => heard.push(fault));
  const result = env.machine.iommu.spaceFor(DEVICE).write(0x1000, Uint8Array.of(9));
  assert.ok(isDmaFault(result));
  assert.equal(heard[0]?.suppressed, true);
  assert.equal(heard[0]?.recordIndex, undefined);
  assert.equal(env.dmar.r32(Reg.FSTS), 0, 'nothing recorded');
});

test('listeners run in order and can be removed; overflowed faults are flagged', () => {
  const env = translatingMachine();
  const order: string[] = [];
  const first = env.machine.iommu.onFault(() => order.push('a'));
  env.machine.iommu.onFault((fault) => order.push(fault.overflow ? 'b-overflow' : 'b'));
  for (let i = 0; i < 9; i++) env.machine.iommu.translate(DEVICE, 0, false);
  assert.deepEqual(order.slice(-2), ['a', 'b-overflow']);
  first();
  env.machine.iommu.translate(DEVICE, 0, false);
  assert.deepEqual(order.slice(-1), ['b-overflow']);
});
