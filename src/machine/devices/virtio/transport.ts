/**
 * virtio-mmio version 2 (fact sheet §8.7; virtio 1.x "Virtio Over MMIO"): one 4 KiB
 * register page per device. Registers below 0x100 are 32-bit; other widths read 0 and
 * writes are ignored (counted as bad accesses). The configuration space from 0x100 is
 * the device's. Status follows §8.2: FEATURES_OK is refused (stays clear) unless
 * VERSION_1 is accepted and nothing unoffered is; writing 0 resets.
 */
import type { MmioHandler } from '../../memory/physicalMemory';
import type { DmaFault, DmaSpace, InterruptSink } from '../dma';
import { Feature, Interrupt, Reg, Status, VIRTIO_MMIO_MAGIC, VIRTIO_MMIO_VERSION, VIRTIO_VENDOR_ID } from './constants';
import type { VirtioDevice, VirtioDeviceHost } from './device';
import { isQueueProblem, SplitQueue, type DescriptorChain, type QueueState } from './splitQueue';

const TRANSPORT_FEATURES = Feature.VERSION_1 | Feature.INDIRECT_DESC | Feature.EVENT_IDX;
const MASK32 = 0xffffffffn;

export interface TransportStats {
  notifications: number;
  interrupts: number;
  dmaFaults: number;
  badAccesses: number;
}

/** A queue in describe(): its registers and indices. */
export interface QueueDescription extends QueueState {
  index: number;
  maxSize: number;
}

/** What describe() reports, for the debugger's Devices view and the CLI's --json. */
export interface TransportDescription extends TransportStats {
  kind: string;
  deviceId: number;
  status: number;
  /** Hex. */
  negotiatedFeatures: string;
  interruptStatus: number;
  problem: string | null;
  queues: QueueDescription[];
  device: Record<string, unknown>;
}

interface TransportState {
  status: number;
  deviceFeaturesSel: number;
  driverFeaturesSel: number;
  driverFeatures: bigint;
  queueSel: number;
  interruptStatus: number;
  configGeneration: number;
  problem: string | undefined;
  stats: TransportStats;
  queues: QueueState[];
  device: unknown;
}

type Reader = (t: VirtioMmioTransport) => number;
type Writer = (t: VirtioMmioTransport, value: number) => void;

const lo = (value: bigint): number => Number(value & MASK32);
const hi = (value: bigint): number => Number((value >> 32n) & MASK32);
const setLo = (address: number, value: number): number => Math.floor(address / 2 ** 32) * 2 ** 32 + (value >>> 0);
const setHi = (address: number, value: number): number => (value >>> 0) * 2 ** 32 + (address % 2 ** 32);

/** Register reads (§8.7). Write-only registers read back what was written (a debugger convenience). */
const READERS: ReadonlyMap<number, Reader> = new Map<number, Reader>([
  [Reg.MagicValue, () => VIRTIO_MMIO_MAGIC],
  [Reg.Version, () => VIRTIO_MMIO_VERSION],
  [Reg.DeviceID, (t) => t.device.deviceId],
  [Reg.VendorID, () => VIRTIO_VENDOR_ID],
  [Reg.DeviceFeatures, (t) => (t.deviceFeaturesSel === 0 ? lo(t.offeredFeatures) : t.deviceFeaturesSel === 1 ? hi(t.offeredFeatures) : 0)],
  [Reg.DeviceFeaturesSel, (t) => t.deviceFeaturesSel],
  [Reg.DriverFeatures, (t) => (t.driverFeaturesSel === 0 ? lo(t.driverFeatures) : t.driverFeaturesSel === 1 ? hi(t.driverFeatures) : 0)],
  [Reg.DriverFeaturesSel, (t) => t.driverFeaturesSel],
  [Reg.QueueSel, (t) => t.queueSel],
  [Reg.QueueNumMax, (t) => t.selectedQueue()?.maxSize ?? 0],
  [Reg.QueueNum, (t) => t.selectedQueue()?.size ?? 0],
  [Reg.QueueReady, (t) => (t.selectedQueue()?.ready ? 1 : 0)],
  [Reg.InterruptStatus, (t) => t.interruptStatus],
  [Reg.Status, (t) => t.status],
  [Reg.QueueDescLow, (t) => (t.selectedQueue()?.desc ?? 0) >>> 0],
  [Reg.QueueDescHigh, (t) => Math.floor((t.selectedQueue()?.desc ?? 0) / 2 ** 32)],
  [Reg.QueueDriverLow, (t) => (t.selectedQueue()?.driver ?? 0) >>> 0],
  [Reg.QueueDriverHigh, (t) => Math.floor((t.selectedQueue()?.driver ?? 0) / 2 ** 32)],
  [Reg.QueueDeviceLow, (t) => (t.selectedQueue()?.device ?? 0) >>> 0],
  [Reg.QueueDeviceHigh, (t) => Math.floor((t.selectedQueue()?.device ?? 0) / 2 ** 32)],
  [Reg.ConfigGeneration, (t) => t.configGeneration],
]);

/** Queue registers may only change while the queue is not ready. */
function queueField(field: 'size' | 'desc' | 'driver' | 'device', update: (old: number, value: number) => number): Writer {
  return (t, value) => {
    const queue = t.selectedQueue();
    if (queue && !queue.ready) queue[field] = update(queue[field], value);
  };
}

const WRITERS: ReadonlyMap<number, Writer> = new Map<number, Writer>([
  [Reg.DeviceFeaturesSel, (t, v) => void (t.deviceFeaturesSel = v >>> 0)],
  [Reg.DriverFeatures, (t, v) => t.writeDriverFeatures(v)],
  [Reg.DriverFeaturesSel, (t, v) => void (t.driverFeaturesSel = v >>> 0)],
  [Reg.QueueSel, (t, v) => void (t.queueSel = v >>> 0)],
  [Reg.QueueNum, queueField('size', (_, v) => v >>> 0)],
  [Reg.QueueReady, (t, v) => t.writeQueueReady(v)],
  [Reg.QueueNotify, (t, v) => t.notify(v)],
  [Reg.InterruptACK, (t, v) => void (t.interruptStatus &= ~v)],
  [Reg.Status, (t, v) => t.writeStatus(v & 0xff)],
  [Reg.QueueDescLow, queueField('desc', setLo)],
  [Reg.QueueDescHigh, queueField('desc', setHi)],
  [Reg.QueueDriverLow, queueField('driver', setLo)],
  [Reg.QueueDriverHigh, queueField('driver', setHi)],
  [Reg.QueueDeviceLow, queueField('device', setLo)],
  [Reg.QueueDeviceHigh, queueField('device', setHi)],
]);

export class VirtioMmioTransport implements MmioHandler, VirtioDeviceHost {
  readonly name: string;
  readonly queues: SplitQueue[];
  readonly offeredFeatures: bigint;
  status = 0;
  deviceFeaturesSel = 0;
  driverFeaturesSel = 0;
  driverFeatures = 0n;
  queueSel = 0;
  interruptStatus = 0;
  configGeneration = 0;
  /** Why the device last refused something or needs a reset (for the debugger). */
  problem: string | undefined;
  stats: TransportStats = { notifications: 0, interrupts: 0, dmaFaults: 0, badAccesses: 0 };
  /** Where used-buffer and configuration-change interrupts go; set when the machine boots. */
  interruptSink: InterruptSink = () => undefined;

  constructor(
    readonly device: VirtioDevice,
    /** DMA view of this device (its requester id's IOMMU space, or physical). */
    public dma: DmaSpace,
    readonly vector: number,
  ) {
    this.name = `virtio-mmio ${device.kind}`;
    this.queues = device.queueSizes.map((max, i) => new SplitQueue(i, max));
    this.offeredFeatures = device.features | TRANSPORT_FEATURES;
    device.attach(this);
  }

  selectedQueue(): SplitQueue | undefined {
    return this.queues[this.queueSel];
  }

  // ---- MmioHandler ----------------------------------------------------------------

  read(offset: number, size: number): number {
    if (offset >= Reg.Config) return this.device.readConfig(offset - Reg.Config, size);
    if (size !== 4 || offset % 4 !== 0) return this.badAccess(`${size}-byte read at register offset 0x${offset.toString(16)}`, 0);
    return (READERS.get(offset)?.(this) ?? 0) >>> 0;
  }

  write(offset: number, size: number, value: number): void {
    if (offset >= Reg.Config) return this.device.writeConfig(offset - Reg.Config, size, value);
    if (size !== 4 || offset % 4 !== 0) return void this.badAccess(`${size}-byte write at register offset 0x${offset.toString(16)}`, 0);
    WRITERS.get(offset)?.(this, value >>> 0);
  }

  peek(offset: number, size: number): number {
    if (offset >= Reg.Config) return this.device.readConfig(offset - Reg.Config, size);
    const aligned = offset & ~3;
    const word = READERS.get(aligned)?.(this) ?? 0;
    return (word >>> ((offset - aligned) * 8)) & (size >= 4 ? 0xffffffff : (1 << (size * 8)) - 1);
  }

  private badAccess(what: string, value: number): number {
    this.stats.badAccesses++;
    this.problem = `${what}: virtio-mmio registers are 32-bit and 4-byte aligned`;
    return value;
  }

  // ---- registers with rules ------------------------------------------------------

  writeDriverFeatures(value: number): void {
    if (this.status & Status.FEATURES_OK) return; // frozen once accepted
    const v = BigInt(value >>> 0);
    if (this.driverFeaturesSel === 0) this.driverFeatures = (this.driverFeatures & ~MASK32) | v;
    else if (this.driverFeaturesSel === 1) this.driverFeatures = (this.driverFeatures & MASK32) | (v << 32n);
  }

  writeStatus(value: number): void {
    if (value === 0) return this.reset();
    let next = (value & ~Status.DEVICE_NEEDS_RESET) | (this.status & Status.DEVICE_NEEDS_RESET);
    if (next & Status.FEATURES_OK && !(this.status & Status.FEATURES_OK)) {
      const refusal = this.featuresRefusal();
      if (refusal !== undefined) {
        next &= ~Status.FEATURES_OK;
        this.problem = `FEATURES_OK refused: ${refusal}`;
      }
    }
    const becameReady = next & Status.DRIVER_OK && !(this.status & Status.DRIVER_OK);
    this.status = next;
    if (becameReady) this.device.driverReady();
  }

  private featuresRefusal(): string | undefined {
    if (!(this.driverFeatures & Feature.VERSION_1)) return 'the driver did not accept VIRTIO_F_VERSION_1 (bit 32)';
    const unoffered = this.driverFeatures & ~this.offeredFeatures;
    if (unoffered !== 0n) return `the driver accepted features the device does not offer (0x${unoffered.toString(16)})`;
    return undefined;
  }

  writeQueueReady(value: number): void {
    const queue = this.selectedQueue();
    if (!queue) return;
    if ((value & 1) === 0) {
      queue.ready = false;
      return;
    }
    if (queue.ready) return;
    const problem = queue.configurationProblem();
    if (problem !== undefined) return this.fail(problem);
    queue.ready = true;
  }

  notify(queue: number): void {
    this.stats.notifications++;
    if (queue < this.queues.length) this.device.notify(queue);
  }

  reset(): void {
    this.status = 0;
    this.deviceFeaturesSel = 0;
    this.driverFeaturesSel = 0;
    this.driverFeatures = 0n;
    this.queueSel = 0;
    this.interruptStatus = 0;
    this.problem = undefined;
    for (const queue of this.queues) queue.reset();
    this.device.reset();
  }

  get negotiated(): bigint {
    return this.status & Status.FEATURES_OK ? this.driverFeatures : 0n;
  }

  // ---- VirtioDeviceHost ----------------------------------------------------------

  private usable(queue: SplitQueue | undefined): queue is SplitQueue {
    return queue !== undefined && queue.ready && (this.status & (Status.DRIVER_OK | Status.DEVICE_NEEDS_RESET | Status.FAILED)) === Status.DRIVER_OK;
  }

  next(index: number): DescriptorChain | undefined {
    const queue = this.queues[index];
    if (!this.usable(queue)) return undefined;
    const chain = queue.pop(this.dma, (this.driverFeatures & Feature.INDIRECT_DESC) !== 0n, (this.driverFeatures & Feature.EVENT_IDX) !== 0n);
    if (!isQueueProblem(chain)) return chain;
    if (chain.dmaFault) this.stats.dmaFaults++;
    this.fail(chain.problem);
    return undefined;
  }

  complete(index: number, head: number, written: number): void {
    const queue = this.queues[index];
    if (!this.usable(queue)) return;
    const result = queue.push(this.dma, head, written, (this.driverFeatures & Feature.EVENT_IDX) !== 0n);
    if (isQueueProblem(result)) {
      if (result.dmaFault) this.stats.dmaFaults++;
      return this.fail(result.problem);
    }
    if (result) this.raise(Interrupt.USED_BUFFER);
  }

  dmaFault(fault: DmaFault): void {
    this.stats.dmaFaults++;
    this.problem = `DMA ${fault.write ? 'write' : 'read'} of 0x${fault.address.toString(16)} refused (${fault.reason})`;
  }

  fail(reason: string): void {
    this.problem = reason;
    if (this.status & Status.DEVICE_NEEDS_RESET) return;
    this.status |= Status.DEVICE_NEEDS_RESET;
    this.raise(Interrupt.CONFIG_CHANGE);
  }

  configChanged(): void {
    this.configGeneration = (this.configGeneration + 1) >>> 0;
    this.raise(Interrupt.CONFIG_CHANGE);
  }

  /** Sets an InterruptStatus bit; the line is level-like: a new edge only when the bit was clear. */
  private raise(bit: number): void {
    const was = this.interruptStatus;
    this.interruptStatus |= bit;
    if (was & bit) return;
    this.stats.interrupts++;
    this.interruptSink(this.vector);
  }

  // ---- reports and snapshots -----------------------------------------------------

  describe(): TransportDescription {
    return {
      kind: this.device.kind,
      deviceId: this.device.deviceId,
      status: this.status,
      negotiatedFeatures: '0x' + this.negotiated.toString(16),
      interruptStatus: this.interruptStatus,
      problem: this.problem ?? null,
      ...this.stats,
      queues: this.queues.map((q) => ({ index: q.index, ...q.saveState(), maxSize: q.maxSize })),
      device: this.device.describe(),
    };
  }

  saveState(): TransportState {
    const { status, deviceFeaturesSel, driverFeaturesSel, driverFeatures, queueSel, interruptStatus, configGeneration, problem } = this;
    return {
      status,
      deviceFeaturesSel,
      driverFeaturesSel,
      driverFeatures,
      queueSel,
      interruptStatus,
      configGeneration,
      problem,
      stats: { ...this.stats },
      queues: this.queues.map((q) => q.saveState()),
      device: this.device.saveState(),
    };
  }

  restoreState(state: TransportState): void {
    const { queues, device, stats, ...registers } = state;
    Object.assign(this, registers);
    this.stats = { ...stats };
    queues.forEach((q, i) => this.queues[i]?.restoreState(q));
    this.device.restoreState(device);
  }
}
