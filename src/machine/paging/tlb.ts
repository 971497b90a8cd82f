/**
 * A direct-mapped TLB of 4 KiB translations, tagged by a context number (VPID/EPTP
 * under VMX, 0 outside). Large pages are cached as the 4 KiB piece used. Permission
 * bits are pre-combined so a hit is one tag compare and one mask test.
 */

export const TLB_SIZE = 2048;
export const TLB_MASK = TLB_SIZE - 1;

/** Permission bits of an entry (what the access may do without a walk). */
export const TlbPerm = {
  SupervisorRead: 1,
  SupervisorWrite: 2,
  UserRead: 4,
  UserWrite: 8,
  SupervisorExec: 16,
  UserExec: 32,
  /** The leaf's dirty bit is already set (a write needs no walk to set it). */
  Dirty: 64,
} as const;

export class Tlb {
  /** Linear page number (may be negative for the upper canonical half); NaN when empty. */
  readonly tag = new Float64Array(TLB_SIZE).fill(NaN);
  readonly context = new Int32Array(TLB_SIZE);
  /** Host-physical address of the 4 KiB page. */
  readonly physical = new Float64Array(TLB_SIZE);
  readonly perm = new Uint8Array(TLB_SIZE);
  readonly global = new Uint8Array(TLB_SIZE);
  /** Guest-physical page (equal to physical outside EPT), for VM-exit reporting. */
  readonly guestPhysical = new Float64Array(TLB_SIZE);
  /** First 4 KiB page number of the large page an entry was cut from (= tag for 4 KiB pages). */
  readonly largeBase = new Float64Array(TLB_SIZE);
  /** 4 KiB pages in the page the entry came from: 1, 512 (2 MiB) or 262144 (1 GiB). */
  readonly largePages = new Float64Array(TLB_SIZE);
  /** Entries inserted from 2 MiB / 1 GiB pages since the last full flush (INVLPG must then scan). */
  private largeInserted = 0;
  hits = 0;
  misses = 0;
  /** Bumped by every invalidation (the VMX unit reuses a context's instruction links only when none happened). */
  flushes = 0;

  insert(pageNumber: number, context: number, physical: number, guestPhysical: number, perm: number, global: boolean, pageSize = 4096): void {
    const i = pageNumber & TLB_MASK;
    const pages = pageSize / 4096;
    this.largePages[i] = pages;
    this.largeBase[i] = pageNumber - (((pageNumber % pages) + pages) % pages);
    if (pages > 1) this.largeInserted++;
    this.tag[i] = pageNumber;
    this.context[i] = context;
    this.physical[i] = physical;
    this.guestPhysical[i] = guestPhysical;
    this.perm[i] = perm;
    this.global[i] = global ? 1 : 0;
  }

  /** Index of a valid entry for the page, or -1. */
  find(pageNumber: number, context: number): number {
    const i = pageNumber & TLB_MASK;
    return this.tag[i] === pageNumber && this.context[i] === context ? i : -1;
  }

  /** INVLPG / individual-address invalidation: drops the page in `context` (or every context when undefined). */
  invalidatePage(pageNumber: number, context?: number): void {
    this.flushes++;
    const i = pageNumber & TLB_MASK;
    if (this.tag[i] === pageNumber && (context === undefined || this.context[i] === context)) this.tag[i] = NaN;
    if (this.largeInserted === 0) return;
    // The page may belong to a 2 MiB / 1 GiB translation cached as several 4 KiB pieces: drop them all (SDM 4.10.4.1).
    for (let j = 0; j < TLB_SIZE; j++) {
      const base = this.largeBase[j]!;
      if (this.largePages[j]! > 1 && base <= pageNumber && pageNumber < base + this.largePages[j]! && (context === undefined || this.context[j] === context)) this.tag[j] = NaN;
    }
  }

  /** CR3 load: drops non-global entries of `context` (all when `includeGlobal`). */
  flushContext(context: number, includeGlobal: boolean): void {
    this.flushes++;
    for (let i = 0; i < TLB_SIZE; i++) {
      if (this.context[i] === context && (includeGlobal || this.global[i] === 0)) this.tag[i] = NaN;
    }
  }

  /** Drops every entry whose context matches the predicate (INVEPT/INVVPID single-context). */
  flushWhere(matches: (context: number) => boolean): void {
    this.flushes++;
    for (let i = 0; i < TLB_SIZE; i++) if (matches(this.context[i]!)) this.tag[i] = NaN;
  }

  flushAll(): void {
    this.flushes++;
    this.tag.fill(NaN);
    this.largeInserted = 0;
  }

  /** Valid entries, for the `tlb` debugger command. */
  entries(): { page: number; context: number; physical: number; perm: number; global: boolean }[] {
    const out = [];
    for (let i = 0; i < TLB_SIZE; i++) {
      const tag = this.tag[i]!;
      if (!Number.isNaN(tag)) out.push({ page: tag, context: this.context[i]!, physical: this.physical[i]!, perm: this.perm[i]!, global: this.global[i] === 1 });
    }
    return out;
  }
}
