/** A virtio-mmio driver written in TypeScript for device tests: rings in a small RAM, PhysicalDma. */
import { PhysicalDma, type DmaSpace } from '../../src/machine/devices/dma';
import { Desc, Feature, Reg, Status } from '../../src/machine/devices/virtio/constants';
import type { VirtioDevice } from '../../src/machine/devices/virtio/device';
import { VirtioMmioTransport } from '../../src/machine/devices/virtio/transport';
import { PhysicalMemory } from '../../src/machine/memory/physicalMemory';

export interface QueueLayout {
  size: number;
  desc: number;
  avail: number;
  used: number;
  availIdx: number;
}

export class TestDriver {
  readonly mem = new PhysicalMemory(4 * 1024 * 1024);
  readonly interrupts: number[] = [];
  readonly transport: VirtioMmioTransport;
  readonly queues: QueueLayout[] = [];

  constructor(
    device: VirtioDevice,
    dma?: DmaSpace,
  ) {
    this.transport = new VirtioMmioTransport(device, dma ?? new PhysicalDma(this.mem), 0x30);
    this.transport.interruptSink = (vector) => this.interrupts.push(vector);
  }

  r(offset: number): number {
    return this.transport.read(offset, 4);
  }

  w(offset: number, value: number): void {
    this.transport.write(offset, 4, value);
  }

  get status(): number {
    return this.r(Reg.Status);
  }

  /** reset → ACKNOWLEDGE → DRIVER → features → FEATURES_OK; returns the status read back. */
  negotiate(features: bigint = Feature.VERSION_1): number {
    this.w(Reg.Status, 0);
    this.w(Reg.Status, Status.ACKNOWLEDGE);
    this.w(Reg.Status, Status.ACKNOWLEDGE | Status.DRIVER);
    this.w(Reg.DriverFeaturesSel, 0);
    this.w(Reg.DriverFeatures, Number(features & 0xffffffffn));
    this.w(Reg.DriverFeaturesSel, 1);
    this.w(Reg.DriverFeatures, Number(features >> 32n));
    this.w(Reg.Status, Status.ACKNOWLEDGE | Status.DRIVER | Status.FEATURES_OK);
    return this.status;
  }

  /** Queue `q` of `size` at `base` (descriptors, then avail, then used aligned to 4). */
  setupQueue(q: number, size: number, base: number): QueueLayout {
    const avail = base + 16 * size;
    const used = (avail + 6 + 2 * size + 3) & ~3;
    this.w(Reg.QueueSel, q);
    this.w(Reg.QueueNum, size);
    this.w(Reg.QueueDescLow, base);
    this.w(Reg.QueueDescHigh, 0);
    this.w(Reg.QueueDriverLow, avail);
    this.w(Reg.QueueDriverHigh, 0);
    this.w(Reg.QueueDeviceLow, used);
    this.w(Reg.QueueDeviceHigh, 0);
    this.w(Reg.QueueReady, 1);
    const layout = { size, desc: base, avail, used, availIdx: 0 };
    this.queues[q] = layout;
    return layout;
  }

  driverOk(): void {
    this.w(Reg.Status, Status.ACKNOWLEDGE | Status.DRIVER | Status.FEATURES_OK | Status.DRIVER_OK);
  }

  /** Full bring-up with the given queues (size 8 each, 4 KiB apart from 0x10000). */
  bringUp(queueCount: number, features: bigint = Feature.VERSION_1 | Feature.INDIRECT_DESC, size = 8): void {
    this.negotiate(features);
    for (let q = 0; q < queueCount; q++) this.setupQueue(q, size, 0x10000 + q * 0x1000);
    this.driverOk();
  }

  writeDesc(table: number, i: number, address: number, length: number, flags: number, next = 0): void {
    const at = table + 16 * i;
    this.mem.write64(at, BigInt(address));
    this.mem.write32(at + 8, length);
    this.mem.write16(at + 12, flags);
    this.mem.write16(at + 14, next);
  }

  /** Writes a chain of buffers into descriptors first, first+1, …; returns the head. */
  chain(q: number, first: number, buffers: readonly { address: number; length: number; write?: boolean }[]): number {
    const layout = this.queues[q]!;
    buffers.forEach((b, i) => {
      const last = i === buffers.length - 1;
      this.writeDesc(layout.desc, first + i, b.address, b.length, (b.write ? Desc.WRITE : 0) | (last ? 0 : Desc.NEXT), (first + i + 1) % layout.size);
    });
    return first;
  }

  /** Makes `head` available (without notifying). */
  offer(q: number, head: number): void {
    const layout = this.queues[q]!;
    this.mem.write16(layout.avail + 4 + 2 * (layout.availIdx % layout.size), head);
    layout.availIdx = (layout.availIdx + 1) & 0xffff;
    this.mem.write16(layout.avail + 2, layout.availIdx);
  }

  notify(q: number): void {
    this.w(Reg.QueueNotify, q);
  }

  submit(q: number, head: number): void {
    this.offer(q, head);
    this.notify(q);
  }

  usedIdx(q: number): number {
    return this.mem.read16(this.queues[q]!.used + 2);
  }

  usedElem(q: number, slot: number): { id: number; len: number } {
    const at = this.queues[q]!.used + 4 + 8 * (slot % this.queues[q]!.size);
    return { id: this.mem.read32(at), len: this.mem.read32(at + 4) };
  }

  bytes(address: number, length: number): Uint8Array {
    return this.mem.peek(address, length);
  }
}
