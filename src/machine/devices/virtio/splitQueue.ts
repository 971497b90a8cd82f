/**
 * A split virtqueue seen from the device (fact sheet §8.1; virtio 1.x "Split
 * Virtqueues"): the descriptor table, the available ring (driver → device) and the used
 * ring (device → driver), all in guest memory reached through a `DmaSpace`. Chains are
 * walked with a bound, so a looping or oversize chain is reported as a problem (the
 * transport then sets DEVICE_NEEDS_RESET) instead of hanging.
 *
 *   descriptor (16 bytes): addr u64 @0 | len u32 @8 | flags u16 @12 | next u16 @14
 *   available ring:        flags u16 @0 | idx u16 @2 | ring[size] u16 @4 | used_event u16
 *   used ring:             flags u16 @0 | idx u16 @2 | ring[size] {id u32, len u32} @4 | avail_event u16
 *
 * With VIRTIO_F_EVENT_IDX the driver's used_event replaces VIRTQ_AVAIL_F_NO_INTERRUPT
 * (interrupt iff the new used idx passed it, fact sheet §8.1 `vring_need_event`), and the
 * device publishes avail_event = the next index it will read, so the driver notifies for
 * every buffer it adds after the device has drained the ring.
 */
import { isDmaFault, type DmaFault, type DmaSpace } from '../dma';
import { AVAIL_F_NO_INTERRUPT, Desc } from './constants';

export interface BufferSegment {
  /** Device address (guest-physical in guest mode). */
  readonly address: number;
  readonly length: number;
}

/** One request: the device-readable buffers, then the device-writable ones. */
export interface DescriptorChain {
  readonly head: number;
  readonly readable: readonly BufferSegment[];
  readonly writable: readonly BufferSegment[];
}

/** Why a queue stopped: a malformed ring or a DMA fault on a ring access. */
export interface QueueProblem {
  readonly problem: string;
  readonly dmaFault?: DmaFault;
}

export function isQueueProblem(value: unknown): value is QueueProblem {
  return typeof value === 'object' && value !== null && typeof (value as { problem?: unknown }).problem === 'string';
}

export interface QueueState {
  size: number;
  ready: boolean;
  desc: number;
  driver: number;
  device: number;
  lastAvail: number;
  usedIdx: number;
  served: number;
}

const hex = (n: number): string => '0x' + n.toString(16);

export class SplitQueue implements QueueState {
  size = 0;
  ready = false;
  /** Descriptor table, available ring ("driver area") and used ring ("device area") addresses. */
  desc = 0;
  driver = 0;
  device = 0;
  /** The device's next available-ring index to consume (free-running u16). */
  lastAvail = 0;
  /** The used ring's idx the device last published (free-running u16). */
  usedIdx = 0;
  /** Chains returned to the driver since reset. */
  served = 0;

  constructor(
    readonly index: number,
    readonly maxSize: number,
  ) {}

  reset(): void {
    this.restoreState({ size: 0, ready: false, desc: 0, driver: 0, device: 0, lastAvail: 0, usedIdx: 0, served: 0 });
  }

  /** Why this queue cannot be enabled with its current size and addresses, or undefined. */
  configurationProblem(): string | undefined {
    const size = this.size;
    if (size === 0 || size > this.maxSize || (size & (size - 1)) !== 0) {
      return `queue ${this.index}: size ${size} is not a power of 2 between 1 and QueueNumMax ${this.maxSize}`;
    }
    if (this.desc % 16 !== 0) return `queue ${this.index}: descriptor table ${hex(this.desc)} is not 16-byte aligned`;
    if (this.driver % 2 !== 0) return `queue ${this.index}: available ring ${hex(this.driver)} is not 2-byte aligned`;
    if (this.device % 4 !== 0) return `queue ${this.index}: used ring ${hex(this.device)} is not 4-byte aligned`;
    return undefined;
  }

  /** The next available chain; undefined when the driver has made nothing available. */
  pop(dma: DmaSpace, indirectAllowed: boolean, eventIdx = false): DescriptorChain | QueueProblem | undefined {
    const availIdx = readU16(dma, this.driver + 2);
    if (typeof availIdx !== 'number') return ringFault(availIdx, 'available ring idx');
    const pending = (availIdx - this.lastAvail) & 0xffff;
    if (pending === 0) {
      if (!eventIdx) return undefined;
      const fault = dma.write(this.device + 4 + 8 * this.size, Uint8Array.of(this.lastAvail & 0xff, this.lastAvail >>> 8));
      return fault ? ringFault(fault, `queue ${this.index}: used ring avail_event`) : undefined;
    }
    if (pending > this.size) {
      return { problem: `queue ${this.index}: available idx ${availIdx} is ${pending} ahead of the device's ${this.lastAvail}, more than the queue size ${this.size}` };
    }
    const slot = this.lastAvail % this.size;
    const head = readU16(dma, this.driver + 4 + 2 * slot);
    if (typeof head !== 'number') return ringFault(head, `available ring slot ${slot}`);
    if (head >= this.size) return { problem: `queue ${this.index}: available ring slot ${slot} names descriptor ${head}, outside the queue of size ${this.size}` };
    const chain = this.walk(dma, head, indirectAllowed);
    if (!isQueueProblem(chain)) this.lastAvail = (this.lastAvail + 1) & 0xffff;
    return chain;
  }

  /** Follows the chain from `head` (direct, or through one indirect table), at most one visit per descriptor. */
  private walk(dma: DmaSpace, head: number, indirectAllowed: boolean): DescriptorChain | QueueProblem {
    const readable: BufferSegment[] = [];
    const writable: BufferSegment[] = [];
    let table = this.desc;
    let tableSize = this.size;
    let inIndirect = false;
    let i = head;
    let visited = 0;
    const where = (): string => `queue ${this.index}, chain from descriptor ${head}${inIndirect ? `, indirect table at ${hex(table)} entry ${i}` : `, descriptor ${i}`}`;
    for (;;) {
      if (visited++ >= tableSize) return { problem: `${where()}: the chain is longer than its table (${tableSize} descriptors) — a loop or an oversize chain` };
      const bytes = dma.read(table + 16 * i, 16);
      if (isDmaFault(bytes)) return ringFault(bytes, where());
      const view = new DataView(bytes.buffer, bytes.byteOffset, 16);
      const address = view.getUint32(0, true) + view.getUint32(4, true) * 2 ** 32;
      const length = view.getUint32(8, true);
      const flags = view.getUint16(12, true);
      const next = view.getUint16(14, true);
      if (flags & Desc.INDIRECT) {
        if (!indirectAllowed) return { problem: `${where()}: INDIRECT descriptor but VIRTIO_F_INDIRECT_DESC was not negotiated` };
        if (inIndirect) return { problem: `${where()}: INDIRECT descriptor inside an indirect table` };
        if (flags & Desc.NEXT) return { problem: `${where()}: INDIRECT and NEXT both set` };
        if (length === 0 || length % 16 !== 0) return { problem: `${where()}: indirect table length ${length} is not a non-zero multiple of 16` };
        table = address;
        tableSize = length / 16;
        inIndirect = true;
        i = 0;
        visited = 0;
        continue;
      }
      if (flags & Desc.WRITE) writable.push({ address, length });
      else if (writable.length > 0) return { problem: `${where()}: device-readable descriptor after a device-writable one` };
      else readable.push({ address, length });
      if (!(flags & Desc.NEXT)) return { head, readable, writable };
      if (next >= tableSize) return { problem: `${where()}: next index ${next} is outside the table of ${tableSize} descriptors` };
      i = next;
    }
  }

  /**
   * Returns `head` to the driver with `written` bytes in its writable buffers; the result
   * says whether the driver wants an interrupt (VIRTQ_AVAIL_F_NO_INTERRUPT clear).
   */
  push(dma: DmaSpace, head: number, written: number, eventIdx = false): boolean | QueueProblem {
    const element = new Uint8Array(8);
    const view = new DataView(element.buffer);
    view.setUint32(0, head, true);
    view.setUint32(4, written >>> 0, true);
    const slot = this.usedIdx % this.size;
    const fault = dma.write(this.device + 4 + 8 * slot, element);
    if (fault) return ringFault(fault, `queue ${this.index}: used ring slot ${slot}`);
    const next = (this.usedIdx + 1) & 0xffff;
    const idxFault = dma.write(this.device + 2, Uint8Array.of(next & 0xff, next >>> 8));
    if (idxFault) return ringFault(idxFault, `queue ${this.index}: used ring idx`);
    const old = this.usedIdx;
    this.usedIdx = next;
    this.served++;
    if (eventIdx) {
      const usedEvent = readU16(dma, this.driver + 4 + 2 * this.size);
      if (typeof usedEvent !== 'number') return ringFault(usedEvent, `queue ${this.index}: available ring used_event`);
      return needEvent(usedEvent, next, old);
    }
    const flags = readU16(dma, this.driver);
    if (typeof flags !== 'number') return ringFault(flags, `queue ${this.index}: available ring flags`);
    return (flags & AVAIL_F_NO_INTERRUPT) === 0;
  }

  saveState(): QueueState {
    const { size, ready, desc, driver, device, lastAvail, usedIdx, served } = this;
    return { size, ready, desc, driver, device, lastAvail, usedIdx, served };
  }

  restoreState(state: QueueState): void {
    Object.assign(this, state);
  }
}

/** vring_need_event: the driver asked to hear about used idx `event`, and [old, next) crossed it. */
export function needEvent(event: number, next: number, old: number): boolean {
  return ((next - event - 1) & 0xffff) < ((next - old) & 0xffff);
}

function readU16(dma: DmaSpace, address: number): number | DmaFault {
  const bytes = dma.read(address, 2);
  return isDmaFault(bytes) ? bytes : bytes[0]! | (bytes[1]! << 8);
}

function ringFault(fault: DmaFault, what: string): QueueProblem {
  return { problem: `${what}: DMA ${fault.write ? 'write' : 'read'} of ${hex(fault.address)} refused (${fault.reason})`, dmaFault: fault };
}

/** The most one request reads from guest memory (a driver's 4 GiB descriptor length must not make the host allocate 4 GiB). */
export const MAX_BUFFER_BYTES = 16 * 1024 * 1024 + 64;

/** Concatenates the chain's readable buffers (at most `limit` bytes, never more than MAX_BUFFER_BYTES). */
export function readBuffers(dma: DmaSpace, segments: readonly BufferSegment[], limit = MAX_BUFFER_BYTES): Uint8Array | DmaFault {
  limit = Math.min(limit, MAX_BUFFER_BYTES);
  const total = Math.min(limit, segments.reduce((sum, s) => sum + s.length, 0));
  const out = new Uint8Array(total);
  let at = 0;
  for (const segment of segments) {
    if (at >= total) break;
    const length = Math.min(segment.length, total - at);
    const bytes = dma.read(segment.address, length);
    if (isDmaFault(bytes)) return bytes;
    out.set(bytes, at);
    at += length;
  }
  return out;
}

/** Writes `bytes` across the writable buffers in order; returns the fault of the first refused buffer. */
export function writeBuffers(dma: DmaSpace, segments: readonly BufferSegment[], bytes: Uint8Array): DmaFault | undefined {
  let at = 0;
  for (const segment of segments) {
    if (at >= bytes.length) break;
    const length = Math.min(segment.length, bytes.length - at);
    const fault = dma.write(segment.address, bytes.subarray(at, at + length));
    if (fault) return fault;
    at += length;
  }
  return undefined;
}

export function totalLength(segments: readonly BufferSegment[]): number {
  return segments.reduce((sum, s) => sum + s.length, 0);
}
