/**
 * How devices reach memory and raise interrupts. Every device DMA goes through a
 * `DmaSpace`: the IOMMU's translation for the device's requester id, or plain physical
 * memory when nothing remaps. A blocked access returns a `DmaFault` (nothing is read or
 * written) — devices turn that into a device error, never a JavaScript exception.
 */
import type { PhysicalMemory } from '../memory/physicalMemory';

/** PCI requester id: bus << 8 | device << 3 | function (VT-d "source-id"). */
export type SourceId = number;

export function sourceId(bus: number, device: number, fn: number): SourceId {
  return ((bus & 0xff) << 8) | ((device & 0x1f) << 3) | (fn & 7);
}

export function formatSourceId(id: SourceId): string {
  const hex2 = (n: number): string => n.toString(16).padStart(2, '0');
  return `${hex2(id >>> 8)}:${hex2((id >>> 3) & 0x1f)}.${id & 7}`;
}

export interface DmaFault {
  readonly dmaFault: true;
  /** The device-visible address that was refused. */
  readonly address: number;
  readonly write: boolean;
  /** Why, in words (for an IOMMU fault: the fault reason and its number). */
  readonly reason: string;
}

export interface DmaSpace {
  /** `length` bytes at device address `address`, or the fault of the first blocked byte. */
  read(address: number, length: number): Uint8Array | DmaFault;
  /** Writes all of `bytes` or nothing; undefined on success. */
  write(address: number, bytes: Uint8Array): DmaFault | undefined;
}

/** Gives each requester its view of memory (the IOMMU implements this). */
export interface DmaRemapper {
  spaceFor(source: SourceId): DmaSpace;
}

export function isDmaFault(value: unknown): value is DmaFault {
  return typeof value === 'object' && value !== null && (value as { dmaFault?: unknown }).dmaFault === true;
}

/** Untranslated DMA: device addresses are host-physical; only RAM is reachable. */
export class PhysicalDma implements DmaSpace, DmaRemapper {
  constructor(private readonly mem: PhysicalMemory) {}

  spaceFor(): DmaSpace {
    return this;
  }

  read(address: number, length: number): Uint8Array | DmaFault {
    if (!this.mem.isRam(address, length)) return outsideRam(address, false);
    return this.mem.ram.slice(address, address + length);
  }

  write(address: number, bytes: Uint8Array): DmaFault | undefined {
    if (!this.mem.isRam(address, bytes.length)) return outsideRam(address, true);
    this.mem.load(address, bytes); // journaled, drops decoded code on the pages
    return undefined;
  }
}

function outsideRam(address: number, write: boolean): DmaFault {
  return { dmaFault: true, address, write, reason: 'address outside RAM' };
}

/** Raises an edge-triggered interrupt with this vector (fixed delivery to the CPU's local APIC, or injected into a guest). */
export type InterruptSink = (vector: number) => void;
