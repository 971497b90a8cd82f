/**
 * The remapping unit's translation caches: the context cache (by source-id) and the IOTLB
 * (by domain id and page, one map per page size). As on hardware (CAP.CM = 0) only valid
 * translations are cached, and a cached entry stays — even after software changes the
 * tables — until an invalidation through CCMD / the IOTLB register removes it.
 */
import type { ContextInfo } from './contextWalk';
import type { Translation } from './secondLevelWalk';

const PAGE_SIZES = [4096, 2 * 1048576, 1073741824] as const;
/** IOTLB capacity; the oldest entry is evicted first. */
export const IOTLB_CAPACITY = 1024;

export interface IotlbEntry extends Translation {
  readonly domainId: number;
}

export class ContextCache {
  readonly entries = new Map<number, ContextInfo>();

  get(sourceId: number): ContextInfo | undefined {
    return this.entries.get(sourceId);
  }

  set(context: ContextInfo): void {
    this.entries.set(context.sourceId, context);
  }

  invalidateAll(): void {
    this.entries.clear();
  }

  invalidateDomain(domainId: number): void {
    for (const [sid, context] of this.entries) if (context.domainId === domainId) this.entries.delete(sid);
  }

  /** Device-selective: source-id with function mask (0: none, 1: bit 2, 2: bits 2:1, 3: all function bits). */
  invalidateDevice(domainId: number, sourceId: number, functionMask: number): void {
    const ignore = [0, 4, 6, 7][functionMask & 3] ?? 0;
    for (const [sid, context] of this.entries) {
      if (context.domainId === domainId && (sid & ~ignore) === (sourceId & ~ignore)) this.entries.delete(sid);
    }
  }
}

export class Iotlb {
  /** Per domain, one map per page size (4 KiB, 2 MiB, 1 GiB) keyed by page number (small integers: fast keys). */
  private readonly domains = new Map<number, Map<number, IotlbEntry>[]>();
  /** Entries in insertion order, for eviction of the oldest. */
  private readonly order: IotlbEntry[] = [];
  /** The last hit: sequential DMA stays in one page. */
  private last: IotlbEntry | undefined;

  get size(): number {
    return this.order.length;
  }

  lookup(domainId: number, address: number): IotlbEntry | undefined {
    const last = this.last;
    if (last !== undefined && last.domainId === domainId && address >= last.pageBase && address - last.pageBase < last.pageSize) return last;
    const maps = this.domains.get(domainId);
    if (maps === undefined) return undefined;
    for (let i = 0; i < PAGE_SIZES.length; i++) {
      const entry = maps[i]!.get(Math.floor(address / PAGE_SIZES[i]!));
      if (entry !== undefined) return (this.last = entry);
    }
    return undefined;
  }

  insert(domainId: number, translation: Translation): void {
    const sizeIndex = PAGE_SIZES.indexOf(translation.pageSize as (typeof PAGE_SIZES)[number]);
    if (sizeIndex < 0) return;
    let maps = this.domains.get(domainId);
    if (maps === undefined) {
      maps = PAGE_SIZES.map(() => new Map<number, IotlbEntry>());
      this.domains.set(domainId, maps);
    }
    const map = maps[sizeIndex]!;
    const key = translation.pageBase / translation.pageSize;
    const entry: IotlbEntry = { pageBase: translation.pageBase, hostBase: translation.hostBase, pageSize: translation.pageSize, readable: translation.readable, writable: translation.writable, domainId };
    const previous = map.get(key);
    if (previous !== undefined) this.order.splice(this.order.indexOf(previous), 1);
    else if (this.order.length >= IOTLB_CAPACITY) this.remove(this.order[0]!);
    map.set(key, entry);
    this.order.push(entry);
    this.last = undefined;
  }

  invalidateAll(): void {
    this.domains.clear();
    this.order.length = 0;
    this.last = undefined;
  }

  invalidateDomain(domainId: number): void {
    this.removeWhere((entry) => entry.domainId === domainId);
  }

  /** Page-selective: every entry of the domain overlapping [address, address + 2^mask pages). */
  invalidatePages(domainId: number, address: number, addressMask: number): void {
    const span = 4096 * 2 ** addressMask;
    const start = address - (address % span);
    const end = start + span;
    this.removeWhere((entry) => entry.domainId === domainId && entry.pageBase < end && start < entry.pageBase + entry.pageSize);
  }

  /** Every entry, oldest first. */
  entries(): IotlbEntry[] {
    return [...this.order];
  }

  private removeWhere(predicate: (entry: IotlbEntry) => boolean): void {
    for (const entry of this.order.filter(predicate)) this.remove(entry);
  }

  private remove(entry: IotlbEntry): void {
    const index = this.order.indexOf(entry);
    if (index >= 0) this.order.splice(index, 1);
    this.domains.get(entry.domainId)?.[PAGE_SIZES.indexOf(entry.pageSize as (typeof PAGE_SIZES)[number])]?.delete(entry.pageBase / entry.pageSize);
    if (this.last === entry) this.last = undefined;
  }
}
