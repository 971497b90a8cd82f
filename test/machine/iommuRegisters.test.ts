import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Machine } from '../../src/machine/machine';
import { CcmdHigh, decodeCapabilities, Fectl, FAULT_RECORD_OFFSET, Gcmd, Gsts, IOTLB_REGISTER_OFFSET, IotlbHigh, Reg } from '../../src/machine/iommu/registers';
import { Dmar, DEVICE, translatingMachine } from './iommuHelpers';

const IOTLB = IOTLB_REGISTER_OFFSET + 8;

function fresh(): Dmar {
  return new Dmar(new Machine({ memoryMB: 64 }));
}

test('VER, CAP and ECAP describe the model and are read-only', () => {
  const dmar = fresh();
  assert.equal(dmar.r32(Reg.VER), 0x10);
  const caps = decodeCapabilities(dmar.r32(Reg.CAP), dmar.r32(Reg.CAP + 4), dmar.r32(Reg.ECAP));
  assert.equal(caps.sagaw, 0b110, '3- and 4-level tables');
  assert.equal(caps.mgaw, 48);
  assert.equal(caps.domains, 256);
  assert.equal(caps.faultRecordOffset, FAULT_RECORD_OFFSET);
  assert.equal(caps.faultRecordCount, 8);
  assert.equal(caps.iotlbOffset, IOTLB_REGISTER_OFFSET);
  assert.ok(caps.superpages2M && caps.superpages1G && caps.pageSelectiveInvalidation && caps.passThrough);
  assert.equal(caps.maxAddressMask, 9);
  assert.equal(dmar.r32(Reg.ECAP) & 2, 0, 'no queued invalidation');
  const before = [dmar.r64(Reg.VER), dmar.r64(Reg.CAP), dmar.r64(Reg.ECAP)];
  dmar.w64(Reg.CAP, 0n);
  dmar.w64(Reg.ECAP, 0xffffffffffffffffn);
  dmar.w32(Reg.VER, 0x99);
  assert.deepEqual([dmar.r64(Reg.VER), dmar.r64(Reg.CAP), dmar.r64(Reg.ECAP)], before);
});

test('GCMD reads 0; GSTS is read-only; SRTP latches RTADDR (one-shot, RTPS set); TE sets and clears TES', () => {
  const dmar = fresh();
  const iommu = dmar.machine.iommu;
  assert.equal(dmar.r32(Reg.GSTS), 0);
  dmar.w64(Reg.RTADDR, 0x123456789abcn);
  assert.equal(dmar.r64(Reg.RTADDR), 0x123456789000n, 'bits 11:0 reserved');
  dmar.w64(Reg.RTADDR, 0x400000n);
  assert.equal(iommu.regs.rootTable, 0, 'RTADDR alone does not change the root table in use');
  dmar.w32(Reg.GCMD, Gcmd.SRTP);
  assert.equal(iommu.regs.rootTable, 0x400000);
  assert.equal(dmar.r32(Reg.GSTS), Gsts.RTPS >>> 0);
  assert.equal(dmar.r32(Reg.GCMD), 0);
  dmar.w64(Reg.RTADDR, 0x500000n);
  assert.equal(iommu.regs.rootTable, 0x400000, 'a later RTADDR write waits for the next SRTP');
  dmar.w32(Reg.GSTS, 0);
  assert.equal(dmar.r32(Reg.GSTS), Gsts.RTPS >>> 0, 'GSTS ignores writes');
  dmar.w32(Reg.GCMD, (dmar.r32(Reg.GSTS) & Gsts.TES) | Gcmd.TE);
  assert.equal(dmar.r32(Reg.GSTS), (Gsts.TES | Gsts.RTPS) >>> 0);
  assert.equal(iommu.translationEnabled, true);
  dmar.w32(Reg.GCMD, Gcmd.TE | Gcmd.SRTP);
  assert.equal(iommu.regs.rootTable, 0x500000, 'GSTS|SRTP keeps TE and latches again');
  dmar.w32(Reg.GCMD, 0);
  assert.equal(dmar.r32(Reg.GSTS) & Gsts.TES, 0);
  dmar.w32(Reg.GCMD, Gcmd.QIE | Gcmd.IRE | Gcmd.WBF);
  assert.equal(dmar.r32(Reg.GSTS), Gsts.RTPS >>> 0, 'unsupported commands are ignored');
});

test('CCMD: ICC performs the invalidation at once, clears ICC and reports CAIG; granularities global/domain/device', () => {
  const { dmar, machine, tables } = translatingMachine();
  const iommu = machine.iommu;
  const other = DEVICE + 1;
  tables.context(DEVICE, { did: 7 });
  tables.context(other, { did: 8 });
  tables.map(0, 0x800000);
  for (const sid of [DEVICE, other]) assert.equal(typeof iommu.translate(sid, 0, false), 'number');
  assert.equal(iommu.contextCache.entries.size, 2);
  const command = (granularity: number, low: number, fm = 0): void => {
    dmar.w32(Reg.CCMD, low);
    dmar.w32(Reg.CCMD + 4, (CcmdHigh.ICC | (granularity << CcmdHigh.CIRG_SHIFT) | fm) >>> 0);
  };
  command(3, (other << 16) | 7); // device-selective with the wrong domain: nothing
  assert.equal(iommu.contextCache.entries.size, 2);
  const high = dmar.r32(Reg.CCMD + 4);
  assert.equal(high & CcmdHigh.ICC, 0, 'ICC cleared');
  assert.equal((high >>> CcmdHigh.CAIG_SHIFT) & 3, 3, 'CAIG = device');
  command(3, (other << 16) | 8);
  assert.deepEqual([...iommu.contextCache.entries.keys()], [DEVICE]);
  iommu.translate(other, 0, false);
  command(2, 7);
  assert.deepEqual([...iommu.contextCache.entries.keys()], [other]);
  assert.equal((dmar.r32(Reg.CCMD + 4) >>> CcmdHigh.CAIG_SHIFT) & 3, 2);
  iommu.translate(DEVICE, 0, false);
  command(1, 0);
  assert.equal(iommu.contextCache.entries.size, 0);
  assert.equal((dmar.r32(Reg.CCMD + 4) >>> CcmdHigh.CAIG_SHIFT) & 3, 1);
  // function mask 3 ignores all function bits: 00:03.5 invalidates 00:03.0
  iommu.translate(DEVICE, 0, false);
  command(3, ((DEVICE | 5) << 16) | 7, 3);
  assert.equal(iommu.contextCache.entries.size, 0);
  command(0, 0);
  assert.equal((dmar.r32(Reg.CCMD + 4) >>> CcmdHigh.CAIG_SHIFT) & 3, 0, 'CIRG 0 is invalid: CAIG 0');
});

test('IOTLB: IVT performs the invalidation (global, domain, page-selective with IVA.AM), clears IVT, reports IAIG', () => {
  const { dmar, machine, tables } = translatingMachine();
  const iommu = machine.iommu;
  tables.context(DEVICE);
  for (let page = 0; page < 4; page++) tables.map(page * 0x1000, 0x800000 + page * 0x1000);
  const fill = (): void => {
    for (let page = 0; page < 4; page++) iommu.translate(DEVICE, page * 0x1000, false);
  };
  const invalidate = (granularity: number, did: number): number => {
    dmar.w32(IOTLB + 4, (IotlbHigh.IVT | (granularity << IotlbHigh.IIRG_SHIFT) | did) >>> 0);
    const high = dmar.r32(IOTLB + 4);
    assert.equal(high & IotlbHigh.IVT, 0, 'IVT cleared');
    return (high >>> IotlbHigh.IAIG_SHIFT) & 3;
  };
  fill();
  assert.equal(iommu.iotlb.size, 4);
  dmar.w64(IOTLB_REGISTER_OFFSET, 0x2000n | 1n); // pages 2..3 (AM = 1)
  assert.equal(dmar.r64(IOTLB_REGISTER_OFFSET), 0x2001n);
  assert.equal(invalidate(3, 7), 3);
  assert.deepEqual(iommu.iotlb.entries().map((e) => e.pageBase).sort(), [0, 0x1000]);
  assert.equal(invalidate(2, 8), 2, 'another domain');
  assert.equal(iommu.iotlb.size, 2);
  assert.equal(invalidate(2, 7), 2);
  assert.equal(iommu.iotlb.size, 0);
  fill();
  assert.equal(invalidate(1, 0), 1);
  assert.equal(iommu.iotlb.size, 0);
  fill();
  dmar.w64(IOTLB_REGISTER_OFFSET, 0x0n | 10n); // AM 10 > MAMV 9: the unit does a domain-selective one
  assert.equal(invalidate(3, 7), 2);
  assert.equal(iommu.iotlb.size, 0);
});

test('FSTS: PFO is write-1-to-clear, PPF and FRI read-only; fault records are W1C on F', () => {
  const { dmar, machine } = translatingMachine();
  const iommu = machine.iommu;
  for (let i = 0; i < 9; i++) iommu.translate(DEVICE, i * 0x1000, false); // no context entry: 9 faults, 8 records
  assert.equal(dmar.r32(Reg.FSTS), 0b11 | (0 << 8), 'PPF, PFO, FRI wrapped to 0');
  dmar.w32(Reg.FSTS, 0b10 | (5 << 8));
  assert.equal(dmar.r32(Reg.FSTS), 0b11, 'PPF and FRI ignore writes');
  dmar.w32(Reg.FSTS, 1);
  assert.equal(dmar.r32(Reg.FSTS), 0b10, 'PFO cleared');
  const record = FAULT_RECORD_OFFSET + 16 * 2;
  assert.equal(dmar.r64(record), 0x2000n);
  dmar.w64(record, 0n);
  dmar.w32(record + 8, 0);
  assert.equal(dmar.r64(record), 0x2000n, 'fault info is read-only');
  dmar.w32(record + 12, 0x7fffffff);
  assert.equal(dmar.r32(record + 12) >>> 31, 1, 'writing 0 to F does not clear');
  for (let i = 0; i < 8; i++) dmar.w32(FAULT_RECORD_OFFSET + 16 * i + 12, 0x80000000);
  assert.equal(dmar.r32(Reg.FSTS), 0, 'all records serviced: PPF clear');
  assert.equal(dmar.r64(record + 8), 0n);
});

test('fault event: FEDATA vector raised through the interrupt sink when unmasked; held in FECTL.IP while masked', () => {
  const { dmar, machine } = translatingMachine();
  const iommu = machine.iommu;
  const raised: number[] = [];
  iommu.faults.interruptSink = (vector) => raised.push(vector);
  assert.equal(dmar.r32(Reg.FECTL), Fectl.IM >>> 0, 'reset: masked');
  dmar.w32(Reg.FEDATA, 0x1_0041);
  assert.equal(dmar.r32(Reg.FEDATA), 0x41, 'FEDATA keeps bits 15:0');
  dmar.w32(Reg.FEADDR, 0xfee00003);
  assert.equal(dmar.r32(Reg.FEADDR), 0xfee00000);
  iommu.translate(DEVICE, 0, true);
  assert.deepEqual(raised, []);
  assert.equal(dmar.r32(Reg.FECTL), (Fectl.IM | Fectl.IP) >>> 0, 'masked: IP set');
  dmar.w32(Reg.FECTL, Fectl.IM);
  assert.equal(dmar.r32(Reg.FECTL), (Fectl.IM | Fectl.IP) >>> 0, 'IP is read-only');
  dmar.w32(Reg.FECTL, 0);
  assert.deepEqual(raised, [0x41], 'unmasking sends the held interrupt');
  assert.equal(dmar.r32(Reg.FECTL), 0);
  iommu.translate(DEVICE, 0x1000, true);
  assert.deepEqual(raised, [0x41], 'PPF already set: no new event');
  dmar.w32(FAULT_RECORD_OFFSET + 12, 0x80000000);
  dmar.w32(FAULT_RECORD_OFFSET + 16 + 12, 0x80000000);
  iommu.translate(DEVICE, 0x2000, false);
  assert.deepEqual(raised, [0x41, 0x41], 'serviced: the next fault interrupts again');
});

test('narrow and unaligned register writes are ignored; byte reads extract from the dword; unknown offsets read 0', () => {
  const dmar = fresh();
  dmar.machine.mem.write8(0xfed90000 + Reg.RTADDR + 1, 0x40);
  assert.equal(dmar.r64(Reg.RTADDR), 0n);
  assert.equal(dmar.machine.mem.read8(0xfed90000 + Reg.CAP + 1), (dmar.r32(Reg.CAP) >>> 8) & 0xff);
  assert.equal(dmar.r32(0x80), 0, 'IQH: no queued invalidation');
  assert.equal(dmar.r32(0xff8), 0);
});
