/**
 * Host-physical memory: RAM from address 0 plus MMIO regions that devices claim.
 * `read*`/`write*` are the architectural accesses (MMIO side effects happen, writes
 * invalidate decoded code); `peek`/`poke` are the debugger's (no device side effects).
 * Addresses are plain numbers (physical addresses are < 2^52, exact in a double).
 */

import { UndoJournal } from './undoJournal';

export interface MmioHandler {
  /** Read `size` (1, 2, 4 or 8) bytes at `offset` within the region; returns the low 32 bits, high bits via `hi`. */
  read(offset: number, size: number): number;
  write(offset: number, size: number, value: number): void;
  /** Read without side effects (debugger). */
  peek?(offset: number, size: number): number;
  readonly name: string;
}

export interface MmioRegion {
  readonly base: number;
  readonly size: number;
  readonly handler: MmioHandler;
}

/**
 * Data watchpoints (debug/watchpoints.ts). The CPU's translation returns `physical +
 * WATCH_ALIAS` for data accesses to a watched page, so they reach the non-RAM path here
 * with their exact size; RAM accesses to unwatched pages never look at this.
 */
export interface MemoryWatch {
  watchesPage(pageNumber: number): boolean;
  noteTranslation(linear: number, physical: number): void;
  read(physical: number, size: number): number;
  write(physical: number, size: number, value: number): void;
}

/** Added to the physical address of a watched access (above any RAM or MMIO address, below 2^53). */
export const WATCH_ALIAS = 2 ** 52;

/** Called with a physical page number whenever RAM holding decoded code is written. */
export type CodeWriteListener = (pageNumber: number) => void;

const PAGE_SIZE = 4096;

export class PhysicalMemory {
  readonly ram: Uint8Array;
  readonly view: DataView;
  readonly size: number;
  private readonly regions: MmioRegion[] = [];
  /** One byte per RAM page: nonzero when the decode cache holds instructions from it. */
  readonly codePages: Uint8Array;
  private codeWriteListener: CodeWriteListener = () => undefined;
  /** Set while reverse execution is enabled. */
  journal: UndoJournal | undefined = undefined;
  /** Set while the debugger watches data (see `MemoryWatch`). */
  watch: MemoryWatch | undefined = undefined;

  constructor(sizeBytes: number) {
    if (!Number.isInteger(sizeBytes) || sizeBytes < PAGE_SIZE * 512 || sizeBytes % PAGE_SIZE !== 0) {
      throw new RangeError(`RAM size must be a multiple of 4 KiB and at least 2 MiB (got ${sizeBytes})`);
    }
    this.size = sizeBytes;
    this.ram = new Uint8Array(sizeBytes);
    this.view = new DataView(this.ram.buffer);
    this.codePages = new Uint8Array(sizeBytes / PAGE_SIZE);
  }

  onCodeWrite(listener: CodeWriteListener): void {
    this.codeWriteListener = listener;
  }

  /** Starts journaling writes (reverse execution); returns the journal. */
  enableJournal(): UndoJournal {
    this.journal ??= new UndoJournal(this.ram, (page) => {
      this.codePages[page] = 0;
      this.codeWriteListener(page);
    });
    return this.journal;
  }

  /** Claims [base, base+size) for a device. Regions must not overlap RAM or each other. */
  mapMmio(base: number, size: number, handler: MmioHandler): void {
    if (base < this.size) throw new RangeError(`MMIO region ${handler.name} at 0x${base.toString(16)} overlaps RAM`);
    for (const region of this.regions) {
      if (base < region.base + region.size && region.base < base + size) {
        throw new RangeError(`MMIO region ${handler.name} overlaps ${region.handler.name}`);
      }
    }
    this.regions.push({ base, size, handler });
  }

  mmioRegionAt(address: number): MmioRegion | undefined {
    for (const region of this.regions) {
      if (address >= region.base && address < region.base + region.size) return region;
    }
    return undefined;
  }

  get mmioRegions(): readonly MmioRegion[] {
    return this.regions;
  }

  isRam(address: number, length = 1): boolean {
    return address >= 0 && address + length <= this.size;
  }

  // ---- architectural accesses -------------------------------------------------------

  read8(pa: number): number {
    if (pa < this.size) return this.ram[pa]!;
    return this.mmioRead(pa, 1);
  }

  read16(pa: number): number {
    if (pa + 2 <= this.size) return this.view.getUint16(pa, true);
    return this.mmioRead(pa, 2);
  }

  read32(pa: number): number {
    if (pa + 4 <= this.size) return this.view.getUint32(pa, true);
    return this.mmioRead(pa, 4);
  }

  /** Reads 64 bits as a BigInt (page-walk and VMX paths; hot paths use two read32). */
  read64(pa: number): bigint {
    if (pa + 8 <= this.size) return this.view.getBigUint64(pa, true);
    return BigInt(this.read32(pa)) | (BigInt(this.read32(pa + 4)) << 32n);
  }

  write8(pa: number, value: number): void {
    if (pa < this.size) {
      this.noteWrite(pa);
      this.ram[pa] = value;
    } else this.mmioWrite(pa, 1, value & 0xff);
  }

  write16(pa: number, value: number): void {
    if (pa + 2 <= this.size) {
      this.noteWrite(pa);
      this.noteWrite(pa + 1);
      this.view.setUint16(pa, value, true);
    } else this.mmioWrite(pa, 2, value & 0xffff);
  }

  write32(pa: number, value: number): void {
    if (pa + 4 <= this.size) {
      this.noteWrite(pa);
      this.noteWrite(pa + 3);
      this.view.setUint32(pa, value, true);
    } else this.mmioWrite(pa, 4, value >>> 0);
  }

  write64(pa: number, value: bigint): void {
    if (pa + 8 <= this.size) {
      this.noteWrite(pa);
      this.noteWrite(pa + 7);
      this.view.setBigUint64(pa, BigInt.asUintN(64, value), true);
    } else {
      this.write32(pa, Number(value & 0xffffffffn));
      this.write32(pa + 4, Number((value >> 32n) & 0xffffffffn));
    }
  }

  /** Called before every RAM write: journals the page for reverse execution, drops decoded code. */
  private noteWrite(pa: number): void {
    const page = (pa / PAGE_SIZE) | 0;
    if (this.journal !== undefined) this.journal.beforeWrite(page);
    if (this.codePages[page] !== 0) {
      this.codePages[page] = 0;
      this.codeWriteListener(page);
    }
  }

  private mmioRead(pa: number, size: number): number {
    if (pa >= WATCH_ALIAS) return this.watch ? this.watch.read(pa - WATCH_ALIAS, size) : this.readSized(pa - WATCH_ALIAS, size);
    const region = this.mmioRegionAt(pa);
    if (region === undefined) return size === 4 ? 0xffffffff : (1 << (size * 8)) - 1; // open bus
    return region.handler.read(pa - region.base, size) >>> 0;
  }

  private readSized(pa: number, size: number): number {
    return size === 1 ? this.read8(pa) : size === 2 ? this.read16(pa) : this.read32(pa);
  }

  private mmioWrite(pa: number, size: number, value: number): void {
    if (pa >= WATCH_ALIAS) {
      if (this.watch) this.watch.write(pa - WATCH_ALIAS, size, value);
      else if (size === 1) this.write8(pa - WATCH_ALIAS, value);
      else if (size === 2) this.write16(pa - WATCH_ALIAS, value);
      else this.write32(pa - WATCH_ALIAS, value);
      return;
    }
    const region = this.mmioRegionAt(pa);
    if (region !== undefined) region.handler.write(pa - region.base, size, value);
  }

  // ---- debugger accesses --------------------------------------------------------------

  /** Copies bytes without side effects; bytes outside RAM read as MMIO peeks or 0xff. */
  peek(pa: number, length: number): Uint8Array {
    const out = new Uint8Array(length);
    for (let i = 0; i < length; i++) {
      const address = pa + i;
      if (address >= 0 && address < this.size) out[i] = this.ram[address]!;
      else {
        const region = this.mmioRegionAt(address);
        out[i] = region?.handler.peek ? region.handler.peek(address - region.base, 1) & 0xff : 0xff;
      }
    }
    return out;
  }

  /** Writes bytes into RAM (debugger); returns how many were written (stops at the end of RAM). */
  poke(pa: number, bytes: Uint8Array): number {
    let written = 0;
    for (let i = 0; i < bytes.length; i++) {
      const address = pa + i;
      if (address < 0 || address >= this.size) break;
      this.noteWrite(address);
      this.ram[address] = bytes[i]!;
      written++;
    }
    return written;
  }

  /** Loads an image into RAM (boot); same as poke but throws if it does not fit. */
  load(pa: number, bytes: Uint8Array): void {
    if (pa < 0 || pa + bytes.length > this.size) {
      throw new RangeError(`image of ${bytes.length} bytes at 0x${pa.toString(16)} does not fit in ${this.size / 1048576} MiB of RAM`);
    }
    const last = Math.floor((pa + Math.max(bytes.length, 1) - 1) / PAGE_SIZE);
    for (let page = Math.floor(pa / PAGE_SIZE); page <= last; page++) this.noteWrite(page * PAGE_SIZE);
    this.ram.set(bytes, pa);
  }
}
