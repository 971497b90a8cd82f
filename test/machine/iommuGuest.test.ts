import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isDmaFault, sourceId } from '../../src/machine/devices/dma';
import { Machine } from '../../src/machine/machine';
import { GUEST_DOMAIN_ID, iommuMapGuestPage, iommuUnmapGuestPage, programIommu } from '../../src/machine/hypervisor/iommuSetup';
import { HostLayout } from '../../src/machine/hypervisor/layout';
import { Gsts, Reg } from '../../src/machine/iommu/registers';
import { Dmar } from './iommuHelpers';
import { hasNasm, nasm } from './cpuRunner';
import { mulberry32 } from '../support/random';
import { BLOCKED_DMA_DRIVER } from '../support/virtioGuest';

const HLT = Uint8Array.of(0xf4);
const GUEST_MB = 16;
const GUEST_BYTES = GUEST_MB * 1048576;
const DEVICES = [sourceId(0, 1, 0), sourceId(0, 2, 0), sourceId(0, 3, 0)];

function guestMachine(): Machine {
  const machine = new Machine({ memoryMB: 64 });
  const hypervisor = machine.loadGuest(HLT, { guestMemoryMB: GUEST_MB });
  programIommu(machine.cpu, DEVICES, hypervisor.guestMemoryBytes);
  return machine;
}

test('guest mode: boot programs the IOMMU through its registers (root table pointer latched, translation on)', () => {
  const machine = new Machine({ memoryMB: 64 });
  machine.loadGuest(HLT, { guestMemoryMB: GUEST_MB });
  const dmar = new Dmar(machine);
  assert.equal(dmar.r32(Reg.GSTS), (Gsts.TES | Gsts.RTPS) >>> 0);
  assert.equal(machine.iommu.regs.rootTable, HostLayout.iommuRootTable);
  assert.equal(dmar.r64(Reg.RTADDR), BigInt(HostLayout.iommuRootTable));
  assert.equal(machine.iommu.contextCache.entries.size + machine.iommu.iotlb.size, 0, 'invalidated');
  assert.ok(isDmaFault(machine.iommu.spaceFor(sourceId(0, 1, 0)).read(0, 4)), 'no device configured: nothing mapped');
});

test('guest mode: each device maps device address = GPA → guestRamBase + GPA in one domain; other requesters are blocked', () => {
  const machine = guestMachine();
  const description = machine.iommu.describe();
  assert.deepEqual(description.domains, [{ domainId: GUEST_DOMAIN_ID, sourceIds: ['00:01.0', '00:02.0', '00:03.0'], secondLevelRoot: HostLayout.iommuSlPml4 }]);
  for (const sid of DEVICES) {
    const trace = machine.iommu.translateTrace(sid, 0x123456, true);
    assert.equal(trace.hostPhysical, HostLayout.guestRamBase + 0x123456);
    assert.equal(trace.pageSize, 0x200000);
  }
  const last = machine.iommu.translateTrace(DEVICES[0]!, GUEST_BYTES - 1);
  assert.equal(last.hostPhysical, HostLayout.guestRamBase + GUEST_BYTES - 1);
  const beyond = machine.iommu.translateTrace(DEVICES[0]!, GUEST_BYTES);
  assert.equal(beyond.fault?.reason, 0x6, 'the first byte past guest RAM is not mapped');
  const stranger = machine.iommu.spaceFor(sourceId(0, 9, 0)).write(0x1000, Uint8Array.of(1));
  assert.ok(isDmaFault(stranger) && stranger.reason.includes('0x2)'));
});

test('DMA isolation (seeded, randomized): device DMA never touches host memory outside guest RAM; in-range DMA lands at guestRamBase + address', () => {
  const machine = guestMachine();
  const mem = machine.mem;
  const base = HostLayout.guestRamBase;
  // Guest RAM gets address-dependent content; the free host RAM above it a pattern.
  for (let i = 0; i < GUEST_BYTES; i++) mem.ram[base + i] = (i * 7 + (i >>> 12)) & 0xff;
  mem.ram.fill(0xa5, base + GUEST_BYTES);
  const outsideBefore = Buffer.concat([mem.ram.subarray(0, base), mem.ram.subarray(base + GUEST_BYTES)]);
  const shadow = new Uint8Array(mem.ram.subarray(base, base + GUEST_BYTES));
  const next = mulberry32(0x5eed1);
  const pick = (n: number): number => Math.floor(next() * n);
  let inRange = 0;
  let blocked = 0;
  for (let iteration = 0; iteration < 4000; iteration++) {
    const sid = DEVICES[pick(DEVICES.length)]!;
    const space = machine.iommu.spaceFor(sid);
    const length = 1 + pick(next() < 0.8 ? 64 : 9000);
    const kind = pick(4);
    const address =
      kind === 0 ? pick(GUEST_BYTES) // anywhere in guest RAM (may run past its end)
        : kind === 1 ? GUEST_BYTES - pick(2 * length + 1) // straddling the end
          : kind === 2 ? pick(2 ** 40) // far beyond
            : base + pick(48 * 1048576); // host-physical-looking addresses
    const fits = address + length <= GUEST_BYTES;
    if (next() < 0.5) {
      const data = space.read(address, length);
      if (fits) {
        assert.ok(!isDmaFault(data), `read ${address.toString(16)}+${length} must succeed`);
        assert.ok(Buffer.from(data).equals(shadow.subarray(address, address + length)), 'read returns guest RAM at the GPA');
        inRange++;
      } else {
        assert.ok(isDmaFault(data), `read ${address.toString(16)}+${length} must be blocked`);
        assert.match(data.reason, /VT-d fault reason 0x[46]\)$/);
        blocked++;
      }
    } else {
      const bytes = Uint8Array.from({ length }, () => pick(256));
      const result = space.write(address, bytes);
      if (fits) {
        assert.equal(result, undefined, `write ${address.toString(16)}+${length} must succeed`);
        shadow.set(bytes, address);
        assert.ok(Buffer.from(mem.ram.subarray(base + address, base + address + length)).equals(bytes), 'landed at guestRamBase + address');
        inRange++;
      } else {
        assert.ok(result !== undefined && isDmaFault(result), `write ${address.toString(16)}+${length} must be blocked`);
        assert.match(result.reason, /VT-d fault reason 0x[45]\)$/);
        blocked++;
      }
    }
  }
  assert.ok(inRange > 1000 && blocked > 1000, `both kinds exercised (${inRange} in range, ${blocked} blocked)`);
  assert.ok(Buffer.from(mem.ram.subarray(base, base + GUEST_BYTES)).equals(shadow), 'guest RAM holds exactly the successful writes');
  const outsideAfter = Buffer.concat([mem.ram.subarray(0, base), mem.ram.subarray(base + GUEST_BYTES)]);
  assert.ok(outsideAfter.equals(outsideBefore), 'host memory outside guest RAM unchanged');
});

test('reverse execution: going back before a blocked device DMA takes the fault record and the IOTLB back with it', { skip: !hasNasm() && 'nasm is not installed' }, () => {
  const machine = new Machine({ memoryMB: 64, devices: { console: true } });
  machine.loadGuest(nasm(BLOCKED_DMA_DRIVER), { guestMemoryMB: GUEST_MB });
  const travel = machine.enableReverseExecution(10);
  machine.run(100_000);
  assert.equal(machine.iommu.faultLog.length, 1);
  assert.equal(machine.iommu.faults.pending, true);
  assert.ok(machine.iommu.iotlb.size >= 1, 'the rings are cached');
  const end = machine.cpu.instret;
  travel.goTo(1);
  assert.equal(machine.iommu.faultLog.length, 0, 'before the notify: no fault yet');
  assert.equal(machine.iommu.faults.pending, false);
  assert.equal(machine.iommu.iotlb.size, 0);
  travel.goTo(end);
  assert.equal(machine.iommu.faultLog.length, 1, 'replayed: the same fault again');
  assert.equal(machine.iommu.describe().faultRecords[0]?.address, 0x7f000000);
});

test('ballooning for devices: one 4 KiB page leaves every device\'s DMA view (superpage split, page-selective invalidation) and comes back', () => {
  const machine = guestMachine();
  const device = machine.iommu.spaceFor(DEVICES[0]!);
  machine.mem.load(HostLayout.guestRamBase + 0x205000, Uint8Array.of(0x5a));
  assert.deepEqual(device.read(0x205000, 1), Uint8Array.of(0x5a), 'cached as a 2 MiB IOTLB entry');
  assert.equal(iommuUnmapGuestPage(machine.cpu, 0x205123, GUEST_BYTES), undefined);
  const blocked = device.read(0x205000, 1);
  assert.ok(isDmaFault(blocked) && blocked.reason.includes('0x6)'), 'the stale superpage entry was invalidated');
  assert.ok(isDmaFault(device.write(0x205ff0, new Uint8Array(32))), 'a write overlapping the page is refused whole');
  assert.deepEqual(device.read(0x204fff, 1), machine.mem.peek(HostLayout.guestRamBase + 0x204fff, 1), 'neighbours stay mapped');
  assert.equal(machine.iommu.translateTrace(DEVICES[1]!, 0x206000).hostPhysical, HostLayout.guestRamBase + 0x206000);
  assert.equal(machine.iommu.translateTrace(DEVICES[1]!, 0x206000).pageSize, 4096, 'the region is a page table now');
  assert.equal(iommuMapGuestPage(machine.cpu, 0x205000, GUEST_BYTES), undefined);
  assert.deepEqual(device.read(0x205000, 1), Uint8Array.of(0x5a));
  assert.match(iommuUnmapGuestPage(machine.cpu, GUEST_BYTES, GUEST_BYTES) ?? '', /outside guest RAM/);
});
