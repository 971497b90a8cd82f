import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isDmaFault } from '../../src/machine/devices/dma';
import { Machine } from '../../src/machine/machine';
import { CcmdHigh, Gcmd, IOTLB_REGISTER_OFFSET, IotlbHigh, Reg } from '../../src/machine/iommu/registers';
import { DEVICE, DOMAIN, translatingMachine } from './iommuHelpers';

const IOTLB = IOTLB_REGISTER_OFFSET + 8;

test('translation off (reset): device addresses are host-physical; outside RAM is refused without a VT-d fault', () => {
  const machine = new Machine({ memoryMB: 64 });
  const space = machine.iommu.spaceFor(DEVICE);
  machine.mem.load(0x123456, Uint8Array.of(7, 8, 9));
  assert.deepEqual(space.read(0x123456, 3), Uint8Array.of(7, 8, 9));
  const outside = space.read(64 * 1048576 - 2, 4);
  assert.ok(isDmaFault(outside));
  assert.equal(outside.reason, 'address outside RAM');
  assert.equal(machine.iommu.faultLog.length, 0);
});

test('4 KiB pages: a DMA crossing pages is split page by page; a write is all-or-nothing', () => {
  const { machine, tables } = translatingMachine();
  tables.context(DEVICE);
  tables.map(0x10000, 0x900000);
  tables.map(0x11000, 0x700000);
  const space = machine.iommu.spaceFor(DEVICE);
  assert.equal(space.write(0x10ffe, Uint8Array.of(1, 2, 3, 4)), undefined);
  assert.deepEqual(machine.mem.peek(0x900ffe, 2), Uint8Array.of(1, 2));
  assert.deepEqual(machine.mem.peek(0x700000, 2), Uint8Array.of(3, 4));
  assert.deepEqual(space.read(0x10ffe, 4), Uint8Array.of(1, 2, 3, 4));
  const blocked = space.write(0x11ffe, Uint8Array.of(5, 6, 7, 8)); // second page unmapped
  assert.ok(isDmaFault(blocked));
  assert.equal(blocked.address, 0x12000, 'the first blocked page');
  assert.deepEqual(machine.mem.peek(0x700ffe, 2), Uint8Array.of(0, 0), 'first page not written');
});

test('superpages: 2 MiB (PS in a PDE) and 1 GiB (PS in a PDPTE), offsets preserved; cached as one IOTLB entry each', () => {
  const { machine, tables } = translatingMachine();
  tables.context(DEVICE);
  tables.map(0x40000000, 0x1000000, 3n, 0x200000); // 1 GiB device address → 16 MiB host, 2 MiB page
  tables.map(0x80000000, 0, 1n, 0x40000000); // 2 GiB → host 0, 1 GiB page, read-only
  const iommu = machine.iommu;
  assert.equal(iommu.translate(DEVICE, 0x40000000 + 0x1ffffe, true), 0x1000000 + 0x1ffffe);
  assert.equal(iommu.translate(DEVICE, 0x40000000 + 0x1234, false), 0x1001234);
  assert.equal(iommu.translate(DEVICE, 0x80000000 + 0x2345678, false), 0x2345678);
  assert.ok(isDmaFault(iommu.translate(DEVICE, 0x80000000, true)), 'read-only superpage');
  assert.deepEqual(iommu.iotlb.entries().map((e) => e.pageSize).sort((a, b) => a - b), [0x200000, 0x40000000]);
  const trace = iommu.translateTrace(DEVICE, 0x40000010);
  assert.deepEqual(trace.steps.map((s) => [s.table, s.level, s.outcome]), [['root', 0, 'next'], ['context', 0, 'next'], ['second-level', 4, 'next'], ['second-level', 3, 'next'], ['second-level', 2, 'leaf']]);
  assert.equal(trace.pageSize, 0x200000);
  assert.equal(trace.hostPhysical, 0x1000010);
  assert.equal(trace.iotlbHit, true);
});

test('pass-through context (TT 2): addresses untranslated, no second-level walk', () => {
  const { machine, tables } = translatingMachine();
  tables.context(DEVICE, { tt: 2, slpt: 0 });
  assert.equal(machine.iommu.translate(DEVICE, 0x345678, true), 0x345678);
});

test('IOTLB: a cached translation stays after the tables change, until a page-selective invalidation of its domain', () => {
  const { machine, dmar, tables } = translatingMachine();
  tables.context(DEVICE);
  const leaf = tables.map(0x5000, 0x900000);
  const space = machine.iommu.spaceFor(DEVICE);
  machine.mem.load(0x900000, Uint8Array.of(0xaa));
  machine.mem.load(0xa00000, Uint8Array.of(0xbb));
  assert.deepEqual(space.read(0x5000, 1), Uint8Array.of(0xaa));
  tables.w64(leaf, 0xa00000n | 3n); // remap without invalidating
  assert.deepEqual(space.read(0x5000, 1), Uint8Array.of(0xaa), 'stale IOTLB entry still used');
  const trace = machine.iommu.translateTrace(DEVICE, 0x5000);
  assert.equal(trace.hostPhysical, 0xa00000, 'the tables say the new page');
  assert.equal(trace.iotlbHostPhysical, 0x900000, 'the trace shows the stale cached one');
  tables.w64(leaf, 0n); // unmap: still reachable through the IOTLB
  assert.deepEqual(space.read(0x5000, 1), Uint8Array.of(0xaa));
  tables.w64(leaf, 0xa00000n | 3n);
  dmar.w64(IOTLB_REGISTER_OFFSET, 0x6000n); // another page: no effect
  dmar.w32(IOTLB + 4, (IotlbHigh.IVT | (3 << IotlbHigh.IIRG_SHIFT) | DOMAIN) >>> 0);
  assert.deepEqual(space.read(0x5000, 1), Uint8Array.of(0xaa));
  dmar.w64(IOTLB_REGISTER_OFFSET, 0x5000n);
  dmar.w32(IOTLB + 4, (IotlbHigh.IVT | (3 << IotlbHigh.IIRG_SHIFT) | DOMAIN) >>> 0);
  assert.deepEqual(space.read(0x5000, 1), Uint8Array.of(0xbb), 'after invalidation the new mapping');
});

test('context cache: a cached context entry survives its removal until CCMD invalidates it (and the IOTLB too)', () => {
  const { machine, dmar, tables } = translatingMachine();
  const entry = tables.context(DEVICE);
  tables.map(0x5000, 0x900000);
  const iommu = machine.iommu;
  assert.equal(iommu.translate(DEVICE, 0x5000, false), 0x900000);
  tables.w64(entry, 0n);
  assert.equal(iommu.translate(DEVICE, 0x5000, false), 0x900000, 'stale context and IOTLB');
  dmar.w32(Reg.CCMD + 4, (CcmdHigh.ICC | (1 << CcmdHigh.CIRG_SHIFT)) >>> 0);
  const blocked = iommu.translate(DEVICE, 0x5000, false);
  assert.ok(isDmaFault(blocked) && /0x2\)$/.test(blocked.reason), 'context re-read: not present');
  assert.equal(iommu.iotlb.size, 1, 'the domain\'s IOTLB entry stays until an IOTLB invalidation');
  dmar.w32(IOTLB + 4, (IotlbHigh.IVT | (1 << IotlbHigh.IIRG_SHIFT)) >>> 0);
  assert.equal(iommu.iotlb.size, 0);
});

test('TE off again: untranslated; the trace says so', () => {
  const { machine, dmar } = translatingMachine();
  dmar.w32(Reg.GCMD, Gcmd.SRTP);
  assert.equal(machine.iommu.translationEnabled, false);
  assert.equal(machine.iommu.translate(DEVICE, 0x4321, true), 0x4321);
  assert.deepEqual(machine.iommu.translateTrace(DEVICE, 0x4321), { sourceId: DEVICE, address: 0x4321, write: false, translationEnabled: false, steps: [], hostPhysical: 0x4321 });
});

test('translateTrace has no side effects and reports the fault; describe lists root/context entries, domains, faults, caches (JSON)', () => {
  const { machine, tables } = translatingMachine();
  tables.context(DEVICE);
  tables.context(DEVICE + 1, { present: false, fpd: true });
  tables.map(0x1000, 0x800000, 1n);
  const iommu = machine.iommu;
  const trace = iommu.translateTrace(DEVICE, 0x1000, true);
  assert.equal(trace.fault?.reason, 0x5);
  assert.equal(trace.steps.at(-1)?.outcome, 'permission');
  assert.equal(iommu.faultLog.length, 0);
  assert.equal(iommu.contextCache.entries.size, 0);
  assert.equal(iommu.iotlb.size, 0);
  iommu.translate(DEVICE, 0x1000, false);
  iommu.translate(DEVICE, 0x1000, true);
  const description = JSON.parse(JSON.stringify(iommu.describe())) as ReturnType<typeof iommu.describe>;
  assert.equal(description.translationEnabled, true);
  assert.equal(description.rootEntries.length, 1);
  assert.deepEqual(description.rootEntries[0]!.contexts.map((c) => [c.name, c.outcome]), [['00:03.0', 'next'], ['00:03.1', 'not-present']]);
  assert.deepEqual(description.domains, [{ domainId: DOMAIN, sourceIds: ['00:03.0'], secondLevelRoot: tables.slpt }]);
  assert.deepEqual(description.faultRecords, [{ index: 0, sourceId: '00:03.0', address: 0x1000, reason: 5, reasonName: 'WRITE_NOT_PERMITTED', type: 'write' }]);
  assert.equal(description.iotlb.size, 1);
  assert.deepEqual(description.contextCache, ['00:03.0']);
  assert.equal(description.registers.GSTS, '0xc0000000');
});

test('snapshots: restoreState brings back registers, fault records and caches', () => {
  const { machine, tables } = translatingMachine();
  tables.context(DEVICE);
  tables.map(0x1000, 0x800000);
  const iommu = machine.iommu;
  iommu.translate(DEVICE, 0x1000, false);
  const saved = iommu.saveState();
  iommu.translate(DEVICE, 0x9000, false);
  iommu.reset();
  iommu.restoreState(saved);
  assert.equal(iommu.translationEnabled, true);
  assert.equal(iommu.iotlb.size, 1);
  assert.equal(iommu.faults.pending, false);
  assert.equal(iommu.translate(DEVICE, 0x1000, false), 0x800000);
});
