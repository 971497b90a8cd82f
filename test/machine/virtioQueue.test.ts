import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TestDriver } from './virtioDriver';
import { VirtioConsole } from '../../src/machine/devices/virtio/console';
import { AVAIL_F_NO_INTERRUPT, Desc, Feature, Interrupt, Reg, Status } from '../../src/machine/devices/virtio/constants';
import type { DmaFault, DmaSpace } from '../../src/machine/devices/dma';
import { PhysicalDma } from '../../src/machine/devices/dma';
import { needEvent } from '../../src/machine/devices/virtio/splitQueue';
import { VirtioBalloon } from '../../src/machine/devices/virtio/balloon';

const TX = 1;
const RX = 0;

function setup(features: bigint = Feature.VERSION_1 | Feature.INDIRECT_DESC): { driver: TestDriver; out: number[]; device: VirtioConsole } {
  const out: number[] = [];
  const device = new VirtioConsole((b) => out.push(b));
  const driver = new TestDriver(device);
  driver.bringUp(2, features);
  return { driver, out, device };
}

const text = (bytes: number[]): string => String.fromCharCode(...bytes);

function needsReset(driver: TestDriver, pattern: RegExp): void {
  assert.ok(driver.status & Status.DEVICE_NEEDS_RESET, 'DEVICE_NEEDS_RESET');
  assert.match(driver.transport.problem ?? '', pattern);
  assert.ok(driver.r(Reg.InterruptStatus) & Interrupt.CONFIG_CHANGE);
}

test('split queue: a chain of several readable buffers is gathered in order; used ring gets id and len', () => {
  const { driver, out } = setup();
  driver.mem.load(0x20000, new TextEncoder().encode('hel'));
  driver.mem.load(0x30000, new TextEncoder().encode('lo'));
  const head = driver.chain(TX, 3, [
    { address: 0x20000, length: 3 },
    { address: 0x30000, length: 2 },
  ]);
  driver.submit(TX, head);
  assert.equal(text(out), 'hello');
  assert.equal(driver.usedIdx(TX), 1);
  assert.deepEqual(driver.usedElem(TX, 0), { id: 3, len: 0 });
  assert.deepEqual(driver.interrupts, [0x30]);
});

test('split queue: several chains made available before one notify are all served', () => {
  const { driver, out } = setup();
  driver.mem.load(0x20000, new TextEncoder().encode('abc'));
  for (let i = 0; i < 3; i++) driver.offer(TX, driver.chain(TX, i, [{ address: 0x20000 + i, length: 1 }]));
  driver.notify(TX);
  assert.equal(text(out), 'abc');
  assert.equal(driver.usedIdx(TX), 3);
  assert.deepEqual([0, 1, 2].map((s) => driver.usedElem(TX, s).id), [0, 1, 2]);
});

test('split queue: receive buffers are device-writable; the used length is the bytes written', () => {
  const { driver, device } = setup();
  driver.submit(RX, driver.chain(RX, 0, [{ address: 0x20000, length: 4, write: true }]));
  device.receive(new TextEncoder().encode('hi!\nmore'));
  assert.deepEqual(driver.usedElem(RX, 0), { id: 0, len: 4 });
  assert.equal(new TextDecoder().decode(driver.bytes(0x20000, 4)), 'hi!\n');
  assert.equal(device.pendingInput, 4);
  driver.submit(RX, driver.chain(RX, 1, [{ address: 0x20100, length: 2, write: true }, { address: 0x20200, length: 8, write: true }]));
  assert.deepEqual(driver.usedElem(RX, 1), { id: 1, len: 4 });
  assert.equal(new TextDecoder().decode(driver.bytes(0x20100, 2)) + new TextDecoder().decode(driver.bytes(0x20200, 2)), 'more');
});

test('split queue: indirect descriptor tables (VIRTIO_F_INDIRECT_DESC)', () => {
  const { driver, out } = setup();
  driver.mem.load(0x20000, new TextEncoder().encode('in'));
  driver.mem.load(0x20010, new TextEncoder().encode('direct'));
  driver.writeDesc(0x40000, 0, 0x20000, 2, Desc.NEXT, 1);
  driver.writeDesc(0x40000, 1, 0x20010, 6, 0);
  driver.writeDesc(driver.queues[TX]!.desc, 5, 0x40000, 32, Desc.INDIRECT);
  driver.submit(TX, 5);
  assert.equal(text(out), 'indirect');
  assert.deepEqual(driver.usedElem(TX, 0), { id: 5, len: 0 });
});

test('split queue: an indirect descriptor without the negotiated feature needs a reset', () => {
  const { driver, out } = setup(Feature.VERSION_1);
  driver.writeDesc(0x40000, 0, 0x20000, 2, 0);
  driver.writeDesc(driver.queues[TX]!.desc, 0, 0x40000, 16, Desc.INDIRECT);
  driver.submit(TX, 0);
  needsReset(driver, /INDIRECT descriptor but VIRTIO_F_INDIRECT_DESC was not negotiated/);
  assert.equal(out.length, 0);
});

test('split queue: malformed indirect tables (nested, with NEXT, bad length) need a reset', () => {
  for (const [flags, length, inner, pattern] of [
    [Desc.INDIRECT, 16, Desc.INDIRECT, /INDIRECT descriptor inside an indirect table/],
    [Desc.INDIRECT | Desc.NEXT, 16, 0, /INDIRECT and NEXT both set/],
    [Desc.INDIRECT, 24, 0, /indirect table length 24/],
  ] as const) {
    const { driver } = setup();
    driver.writeDesc(0x40000, 0, 0x40000, 16, inner);
    driver.writeDesc(driver.queues[TX]!.desc, 0, 0x40000, length, flags, 1);
    driver.submit(TX, 0);
    needsReset(driver, pattern);
  }
});

test('split queue: the avail and used idx wrap at 65536', () => {
  const { driver, out } = setup();
  const q = driver.transport.queues[TX]!;
  q.lastAvail = 0xffff;
  q.usedIdx = 0xffff;
  driver.queues[TX]!.availIdx = 0xffff;
  driver.mem.load(0x20000, new TextEncoder().encode('wz'));
  driver.offer(TX, driver.chain(TX, 0, [{ address: 0x20000, length: 1 }]));
  driver.offer(TX, driver.chain(TX, 1, [{ address: 0x20001, length: 1 }]));
  assert.equal(driver.mem.read16(driver.queues[TX]!.avail + 2), 1, 'avail idx wrapped to 1');
  driver.notify(TX);
  assert.equal(text(out), 'wz');
  assert.equal(driver.usedIdx(TX), 1);
  assert.equal(q.lastAvail, 1);
  assert.deepEqual(driver.usedElem(TX, 0xffff), { id: 0, len: 0 });
  assert.deepEqual(driver.usedElem(TX, 0), { id: 1, len: 0 });
});

test('split queue: VIRTQ_AVAIL_F_NO_INTERRUPT suppresses the used-buffer interrupt', () => {
  const { driver, out } = setup();
  driver.mem.write16(driver.queues[TX]!.avail, AVAIL_F_NO_INTERRUPT);
  driver.mem.load(0x20000, new TextEncoder().encode('q'));
  driver.submit(TX, driver.chain(TX, 0, [{ address: 0x20000, length: 1 }]));
  assert.equal(text(out), 'q');
  assert.equal(driver.usedIdx(TX), 1);
  assert.equal(driver.r(Reg.InterruptStatus), 0);
  assert.deepEqual(driver.interrupts, []);
});

test('split queue: VIRTIO_F_EVENT_IDX — an interrupt only when the used idx passes used_event; avail_event published', () => {
  const { driver, out } = setup(Feature.VERSION_1 | Feature.EVENT_IDX);
  const layout = driver.queues[TX]!;
  const usedEvent = layout.avail + 4 + 2 * layout.size;
  const availEvent = layout.used + 4 + 8 * layout.size;
  driver.mem.write16(usedEvent, 1); // interrupt when used idx goes past 1 (the second completion)
  driver.mem.load(0x20000, new TextEncoder().encode('xyz'));
  driver.submit(TX, driver.chain(TX, 0, [{ address: 0x20000, length: 1 }]));
  assert.equal(driver.usedIdx(TX), 1);
  assert.equal(driver.r(Reg.InterruptStatus), 0, 'used idx 1 has not passed used_event 1');
  assert.equal(driver.mem.read16(availEvent), 1, 'avail_event = the next index the device reads');
  driver.submit(TX, driver.chain(TX, 1, [{ address: 0x20001, length: 1 }]));
  assert.equal(driver.r(Reg.InterruptStatus), Interrupt.USED_BUFFER);
  assert.equal(driver.mem.read16(availEvent), 2);
  driver.w(Reg.InterruptACK, 1);
  driver.mem.write16(driver.queues[TX]!.avail, AVAIL_F_NO_INTERRUPT); // ignored with EVENT_IDX
  driver.mem.write16(usedEvent, 2);
  driver.submit(TX, driver.chain(TX, 2, [{ address: 0x20002, length: 1 }]));
  assert.equal(driver.r(Reg.InterruptStatus), Interrupt.USED_BUFFER, 'used_event decides, not the flags');
  assert.equal(text(out), 'xyz');
});

test('split queue: vring_need_event across the 16-bit wrap', () => {
  assert.equal(needEvent(0xffff, 0, 0xffff), true);
  assert.equal(needEvent(0, 0, 0xffff), false);
  assert.equal(needEvent(0xfffe, 3, 0xfffd), true, 'a batch that crosses the wrap and the event');
  assert.equal(needEvent(5, 3, 1), false);
});

test('split queue: interrupts are level-like (one edge until InterruptACK)', () => {
  const { driver } = setup();
  driver.mem.load(0x20000, new TextEncoder().encode('12'));
  driver.submit(TX, driver.chain(TX, 0, [{ address: 0x20000, length: 1 }]));
  driver.submit(TX, driver.chain(TX, 1, [{ address: 0x20001, length: 1 }]));
  assert.equal(driver.interrupts.length, 1);
  driver.w(Reg.InterruptACK, 1);
  driver.submit(TX, driver.chain(TX, 2, [{ address: 0x20001, length: 1 }]));
  assert.equal(driver.interrupts.length, 2);
});

test('split queue: a looping chain needs a reset instead of hanging', () => {
  const { driver, out } = setup();
  const desc = driver.queues[TX]!.desc;
  driver.writeDesc(desc, 0, 0x20000, 1, Desc.NEXT, 1);
  driver.writeDesc(desc, 1, 0x20000, 1, Desc.NEXT, 0);
  driver.submit(TX, 0);
  needsReset(driver, /longer than its table \(8 descriptors\) — a loop or an oversize chain/);
  assert.equal(out.length, 0);
  assert.equal(driver.usedIdx(TX), 0);
  driver.mem.load(0x20000, Uint8Array.of(0x41));
  driver.writeDesc(desc, 1, 0x20000, 1, 0);
  driver.notify(TX);
  assert.equal(out.length, 0, 'the device stopped processing until reset');
});

test('split queue: a self-looping indirect table needs a reset', () => {
  const { driver } = setup();
  for (let i = 0; i < 4; i++) driver.writeDesc(0x40000, i, 0x20000, 1, Desc.NEXT, (i + 1) % 4);
  driver.writeDesc(driver.queues[TX]!.desc, 0, 0x40000, 64, Desc.INDIRECT);
  driver.submit(TX, 0);
  needsReset(driver, /indirect table at 0x40000 .* longer than its table \(4 descriptors\)/);
});

test('split queue: out-of-range head index, out-of-range next, avail idx too far ahead → reset', () => {
  let { driver } = setup();
  driver.submit(TX, 9);
  needsReset(driver, /available ring slot 0 names descriptor 9, outside the queue of size 8/);
  ({ driver } = setup());
  driver.writeDesc(driver.queues[TX]!.desc, 0, 0x20000, 1, Desc.NEXT, 8);
  driver.submit(TX, 0);
  needsReset(driver, /next index 8 is outside the table of 8 descriptors/);
  ({ driver } = setup());
  driver.mem.write16(driver.queues[TX]!.avail + 2, 9);
  driver.notify(TX);
  needsReset(driver, /available idx 9 is 9 ahead of the device's 0, more than the queue size 8/);
});

test('split queue: a device-readable descriptor after a writable one → reset', () => {
  const { driver } = setup();
  driver.submit(TX, driver.chain(TX, 0, [{ address: 0x20000, length: 1, write: true }, { address: 0x20000, length: 1 }]));
  needsReset(driver, /device-readable descriptor after a device-writable one/);
});

test('split queue: DMA faults on the rings and on buffers are counted and need a reset, never throw', () => {
  let { driver } = setup();
  driver.submit(TX, driver.chain(TX, 0, [{ address: 0x7fff0000, length: 4 }]));
  needsReset(driver, /transmitq: a buffer .* not reachable by DMA/);
  assert.equal(driver.transport.stats.dmaFaults, 1);
  ({ driver } = setup());
  driver.w(Reg.Status, 0);
  driver.negotiate();
  driver.setupQueue(TX, 8, 0x7ff0000);
  driver.driverOk();
  driver.notify(TX);
  needsReset(driver, /available ring idx: DMA read of 0x7ff0082 refused \(address outside RAM\)/);
  assert.equal(driver.transport.stats.dmaFaults, 1);
});

test('split queue: a 4 GiB descriptor length does not make the host allocate 4 GiB', () => {
  const { driver, out } = setup();
  driver.writeDesc(driver.queues[TX]!.desc, 0, 0x20000, 0xffffffff, 0);
  driver.submit(TX, 0);
  needsReset(driver, /transmitq: the chain from descriptor 0 carries 4294967295 bytes, more than 65536/);
  assert.equal(out.length, 0);
  const balloon = new TestDriver(new VirtioBalloon());
  balloon.bringUp(2);
  balloon.writeDesc(balloon.queues[0]!.desc, 0, 0x20000, 0xffffffff, 0);
  balloon.submit(0, 0);
  assert.match(balloon.transport.problem!, /inflateq: the page list .* not reachable by DMA/, 'read capped at 16 MiB, then refused by DMA (4 MiB of RAM)');
});

test('split queue: a DMA space that refuses writes fails the used-ring update', () => {
  const out: number[] = [];
  const driver = new TestDriver(new VirtioConsole((b) => out.push(b)));
  const physical = new PhysicalDma(driver.mem);
  const readOnly: DmaSpace = {
    read: (a, l) => physical.read(a, l),
    write: (address): DmaFault => ({ dmaFault: true, address, write: true, reason: 'read-only mapping (IOMMU fault reason 5)' }),
  };
  driver.transport.dma = readOnly;
  driver.bringUp(2);
  driver.mem.load(0x20000, Uint8Array.of(0x41));
  driver.submit(TX, driver.chain(TX, 0, [{ address: 0x20000, length: 1 }]));
  assert.equal(text(out), 'A');
  needsReset(driver, /used ring slot 0: DMA write of 0x1109c refused \(read-only mapping/);
});

test('split queue: nothing is consumed before DRIVER_OK', () => {
  const out: number[] = [];
  const driver = new TestDriver(new VirtioConsole((b) => out.push(b)));
  driver.negotiate();
  driver.setupQueue(TX, 8, 0x10000);
  driver.mem.load(0x20000, Uint8Array.of(0x41));
  driver.submit(TX, driver.chain(TX, 0, [{ address: 0x20000, length: 1 }]));
  assert.equal(out.length, 0);
  driver.driverOk();
  driver.notify(TX);
  assert.equal(text(out), 'A');
});
