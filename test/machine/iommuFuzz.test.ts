import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Machine } from '../../src/machine/machine';
import { DMAR_BASE, Gcmd, Reg } from '../../src/machine/iommu/registers';
import { mulberry32 } from '../support/random';

// Whatever a program writes to the DMAR page or puts in the tables, the unit answers with
// register values, translations or faults — never a JavaScript exception — and the
// debugger's views of it (trace, describe, snapshots) keep working.
test('fuzz (seeded): random register writes, random tables and random DMA never throw', () => {
  const machine = new Machine({ memoryMB: 8 });
  const mem = machine.mem;
  const iommu = machine.iommu;
  const next = mulberry32(0x10a1);
  const pick = (n: number): number => Math.floor(next() * n);
  const word = (): number => (next() < 0.3 ? [0, 1, 3, 0x80000000, 0xffffffff, 0x40000000, 0xc0000000][pick(7)]! : pick(2 ** 32));
  const tables = 0x100000; // root, context and second-level tables are drawn from this 64 KiB
  const offsets = [Reg.GCMD, Reg.RTADDR, Reg.RTADDR + 4, Reg.CCMD, Reg.CCMD + 4, Reg.FSTS, Reg.FECTL, Reg.FEDATA, 0x100, 0x104, 0x10c, 0x120, 0x12c, 0x13c];
  let faults = 0;
  iommu.onFault(() => faults++);
  iommu.faults.interruptSink = () => undefined;
  for (let round = 0; round < 300; round++) {
    for (let i = 0; i < 64; i++) {
      const at = tables + pick(0x10000 / 8) * 8;
      const low = next() < 0.5 ? (tables + pick(16) * 0x1000) | pick(8) : word();
      mem.write32(at, low);
      mem.write32(at + 4, next() < 0.8 ? 0 : word());
    }
    for (let i = 0; i < 8; i++) {
      const offset = next() < 0.7 ? offsets[pick(offsets.length)]! : pick(0x1000);
      mem.write32(DMAR_BASE + offset, offset === Reg.RTADDR ? tables + pick(16) * 0x1000 : word());
      if (next() < 0.2) mem.write8(DMAR_BASE + pick(0x1000), pick(256));
      mem.read32(DMAR_BASE + pick(0x1000));
    }
    if (next() < 0.3) mem.write32(DMAR_BASE + Reg.GCMD, Gcmd.TE | Gcmd.SRTP);
    for (let i = 0; i < 16; i++) {
      const space = iommu.spaceFor(pick(0x10000));
      const address = next() < 0.5 ? pick(0x400000) : next() * 2 ** 50;
      const length = pick(9000);
      if (next() < 0.5) space.read(address, length);
      else space.write(address, new Uint8Array(length));
      iommu.translateTrace(pick(0x10000), address, next() < 0.5);
    }
    const state = iommu.saveState();
    JSON.stringify(iommu.describe());
    iommu.restoreState(state);
  }
  assert.ok(faults > 0, 'faults happened');
});
