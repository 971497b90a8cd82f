/**
 * Data watchpoints on physical memory (the debugger's data breakpoints), without a cost on
 * the common path. A watched 4 KiB page never gets a readable or writable TLB entry, so
 * every data access to it takes the CPU's slow translation, which hands back the physical
 * address plus `WATCH_ALIAS`; that address lies outside RAM, so the access arrives in
 * `PhysicalMemory`'s non-RAM path with its exact size, and is passed here. This class
 * performs the real access, records a hit when it overlaps a watched range of the right
 * kind, and asks the CPU to stop after the instruction (a trap, like a debug-register
 * data breakpoint). Instruction fetches are never aliased (they stay execute-only TLB
 * hits), and unwatched pages never see any of this.
 */
import { WATCH_ALIAS, type MemoryWatch, type PhysicalMemory } from '../memory/physicalMemory';
import type { Cpu } from '../cpu/cpu';

const PAGE = 4096;

export type WatchAccess = 'read' | 'write';

export interface WatchRange {
  /** The debugger's id for the watch (reported back in hits). */
  readonly id: number;
  /** Host-physical start and length (within one page or across several). */
  readonly physical: number;
  readonly size: number;
  readonly read: boolean;
  readonly write: boolean;
}

export interface WatchHit {
  readonly id: number;
  readonly access: WatchAccess;
  /** Host-physical address and size of the access (1, 2 or 4 bytes; wider accesses arrive in 4-byte pieces). */
  readonly physical: number;
  readonly size: number;
  /** The linear address the CPU used, when it came through paging. */
  readonly linear: number | undefined;
  /** For writes: the bytes' value before the write (little-endian). */
  readonly before: number | undefined;
  /** The value read, or written. */
  readonly value: number;
  /** Retired instructions before the accessing instruction. */
  readonly instret: number;
}

export class Watchpoints implements MemoryWatch {
  private ranges: readonly WatchRange[] = [];
  private readonly pages = new Set<number>();
  private hits: WatchHit[] = [];
  /** The translation that produced the next alias access (linear page → physical page). */
  private lastLinear: number | undefined;
  private lastPhysical = -1;

  constructor(
    private readonly mem: PhysicalMemory,
    private readonly cpu: Cpu,
    /** While true, accesses are performed but neither recorded nor stop the CPU (history replay). */
    private readonly muted: () => boolean = () => false,
  ) {}

  /** Replaces the watched ranges; installs on (or removes from) memory and drops TLB entries that would bypass it. */
  set(ranges: readonly WatchRange[]): void {
    const before = [...this.pages].sort().join(',');
    this.ranges = ranges.filter((r) => r.size > 0 && (r.read || r.write));
    this.pages.clear();
    for (const r of this.ranges) {
      for (let page = Math.floor(r.physical / PAGE); page <= Math.floor((r.physical + r.size - 1) / PAGE); page++) this.pages.add(page);
    }
    this.mem.watch = this.pages.size > 0 ? this : undefined;
    if ([...this.pages].sort().join(',') !== before) {
      this.cpu.tlb.flushAll();
      this.cpu.codeGeneration++;
    }
  }

  get active(): boolean {
    return this.ranges.length > 0;
  }

  /** Hits since the last call, oldest first. */
  take(): WatchHit[] {
    const hits = this.hits;
    this.hits = [];
    return hits;
  }

  watchesPage(pageNumber: number): boolean {
    return this.pages.has(pageNumber);
  }

  noteTranslation(linear: number, physical: number): void {
    this.lastLinear = linear - (((linear % PAGE) + PAGE) % PAGE);
    this.lastPhysical = physical - (physical % PAGE);
  }

  read(physical: number, size: number): number {
    const value = readReal(this.mem, physical, size);
    this.record('read', physical, size, undefined, value);
    return value;
  }

  write(physical: number, size: number, value: number): void {
    const before = this.mem.isRam(physical, size) ? readReal(this.mem, physical, size) : undefined;
    if (size === 1) this.mem.write8(physical, value);
    else if (size === 2) this.mem.write16(physical, value);
    else this.mem.write32(physical, value);
    this.record('write', physical, size, before, value);
  }

  private record(access: WatchAccess, physical: number, size: number, before: number | undefined, value: number): void {
    if (this.muted()) return;
    let hit = false;
    for (const r of this.ranges) {
      if (!(access === 'read' ? r.read : r.write)) continue;
      if (physical >= r.physical + r.size || r.physical >= physical + size) continue;
      const page = physical - (physical % PAGE);
      const linear = this.lastLinear !== undefined && page === this.lastPhysical ? this.lastLinear + (physical - page) : undefined;
      this.hits.push({ id: r.id, access, physical, size, linear, before, value: value >>> 0, instret: this.cpu.instret });
      hit = true;
    }
    if (hit) this.cpu.requestStop('watchpoint', `data breakpoint: ${access} of ${size} byte${size === 1 ? '' : 's'} at host-physical 0x${physical.toString(16)}`);
  }
}

function readReal(mem: PhysicalMemory, physical: number, size: number): number {
  return size === 1 ? mem.read8(physical) : size === 2 ? mem.read16(physical) : mem.read32(physical);
}

export { WATCH_ALIAS };
