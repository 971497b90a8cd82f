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
  /** One map per page size (4 KiB, 2 MiB, 1 GiB), keyed by domain · 2^36 + page number. */
  readonly bySize = PAGE_SIZES.map(() => new Map<number, IotlbEntry>());
  private count = 0;

  get size(): number {
    return this.count;
  }

  lookup(domainId: number, address: number): IotlbEntry | undefined {
    for (let i = 0; i < PAGE_SIZES.length; i++) {
      const entry = this.bySize[i]!.get(domainId * 68719476736 + Math.floor(address / PAGE_SIZES[i]!));
      if (entry !== undefined) return entry;
    }
    return undefined;
  }

  insert(domainId: number, translation: Translation): void {
    const sizeIndex = PAGE_SIZES.indexOf(translation.pageSize as (typeof PAGE_SIZES)[number]);
    if (sizeIndex < 0) return;
    const map = this.bySize[sizeIndex]!;
    const key = domainId * 68719476736 + translation.pageBase / translation.pageSize;
    if (!map.has(key)) {
      if (this.count >= IOTLB_CAPACITY) this.evictOldest();
      this.count++;
    }
    map.set(key, { ...translation, domainId });
  }

  invalidateAll(): void {
    for (const map of this.bySize) map.clear();
    this.count = 0;
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

  entries(): IotlbEntry[] {
    return this.bySize.flatMap((map) => [...map.values()]);
  }

  private removeWhere(predicate: (entry: IotlbEntry) => boolean): void {
    for (const map of this.bySize) {
      for (const [key, entry] of map) {
        if (predicate(entry)) {
          map.delete(key);
          this.count--;
        }
      }
    }
  }

  private evictOldest(): void {
    for (const map of this.bySize) {
      const first = map.keys().next();
      if (!first.done) {
        map.delete(first.value);
        this.count--;
        return;
      }
    }
  }
}
