/**
 * TLB context tags of one VMX unit: every VPID/EPTP pair a guest ran with gets a number
 * (`cpu.tlbContext`; TLB entries carry it), the host (VPID 0000H outside non-root) has its
 * own. Invalidation is O(1): a context whose mappings must go gets a fresh number, leaving
 * the old entries unreachable. INVEPT/INVVPID find the numbers of the pairs they name.
 */
import type { Tlb } from '../paging/tlb';

export class TlbTags {
  /** The host's tag (VMX root and outside VMX): 0, a fresh one after each exit without VPIDs. */
  host = 0;
  /** Bumped when the numbers start over (every pair gets a new one). */
  epoch = 0;
  private readonly byPair = new Map<string, number>();
  /** The last pair looked up by `forPair` and its tag (a hypervisor re-enters the same guest). */
  private last = { vpid: -1, eptp: -1n, tag: 0 };
  /** The next unused number (0 is the host's initial one). */
  private next = 1;

  constructor(private readonly tlb: Tlb) {}

  /** The tag of a VPID/EPTP pair (EPTP -1n: no EPT). */
  forPair(vpid: number, eptp: bigint): number {
    const last = this.last;
    if (last.vpid === vpid && last.eptp === eptp) return last.tag;
    const key = `${vpid}:${eptp}`;
    let tag = this.byPair.get(key);
    if (tag === undefined) {
      tag = this.fresh();
      this.byPair.set(key, tag);
    }
    this.last = { vpid, eptp, tag };
    return tag;
  }

  /** A new tag for VPID 0 with `eptp`: the mappings cached under its previous tag are gone. */
  freshForVpid0(eptp: bigint): number {
    const tag = this.fresh();
    this.byPair.set(`0:${eptp}`, tag);
    return tag;
  }

  /** A number never used since the last start-over. */
  fresh(): number {
    if (this.next >= 0x7fffffff) {
      // Numbers exhausted (the TLB stores them as int32): start over with an empty TLB.
      this.tlb.flushAll();
      this.byPair.clear();
      this.last = { vpid: -1, eptp: -1n, tag: 0 };
      this.next = 1;
      this.host = 0;
      this.epoch++;
    }
    return this.next++;
  }

  /** Tags whose VPID/EPTP pair matches. */
  where(match: (vpid: number, eptp: bigint) => boolean): Set<number> {
    const tags = new Set<number>();
    for (const [key, tag] of this.byPair) {
      const [vpid, eptp] = key.split(':');
      if (match(Number(vpid), BigInt(eptp!))) tags.add(tag);
    }
    return tags;
  }
}
