/**
 * Ballooning under the built-in hypervisor: a page the guest gives back is unmapped in
 * EPT, so a later access is an EPT violation the hypervisor reports as a ballooned page;
 * taking it back maps it again. EPT maps guest RAM with 2 MiB pages, so the first page
 * ballooned in a 2 MiB region splits that region into a 4 KiB page table (at
 * `HostLayout.eptSplitTables` + region·4 KiB, so no allocator state is needed). After
 * every change the guest's TLB entries are dropped (as INVEPT single-context would).
 * EPT lives in machine RAM, so reverse execution rewinds these changes with it.
 *
 *   GPA: 29..21 PD index (2 MiB region) | 20..12 PT index (4 KiB page) | 11..0 offset
 */
import type { Cpu } from '../cpu/cpu';
import type { BalloonHost } from '../devices/virtio/balloon';
import { HostLayout } from './layout';

const PAGE = 4096;
const REGION = 0x200000;
const LARGE = 0x80n;
const PRESENT = 7n;
/** RWX, memory type WB (6 << 3): the permissions writeEpt gives guest RAM. */
const LEAF_4K = 0x37n;
const FRAME = 0x000ffffffffff000n;
/** How many 2 MiB regions the split-table area can hold (4 MiB of tables). */
export const SPLIT_TABLES = 1024;

export class EptBalloon implements BalloonHost {
  /** A batched change is waiting for its TLB flush. */
  private flushPending = false;

  constructor(
    private readonly cpu: Cpu,
    private readonly guestMemoryBytes: number,
  ) {}

  /** Unmaps guest page `pfn` in EPT (the guest's TLB entries are flushed now, or at `flush()` when batched). */
  inflate(pfn: number, batched = false): string | undefined {
    return this.setEntry(pfn, () => 0n, batched);
  }

  /** Maps guest page `pfn` back at its host-physical page. */
  deflate(pfn: number, batched = false): string | undefined {
    return this.setEntry(pfn, () => BigInt(HostLayout.guestRamBase + pfn * PAGE) | LEAF_4K, batched);
  }

  /** INVEPT-equivalent for the batched changes. */
  flush(): void {
    if (this.flushPending) this.flushGuestTlb();
  }

  private setEntry(pfn: number, entry: () => bigint, batched: boolean): string | undefined {
    const refusal = this.check(pfn);
    if (refusal !== undefined) return refusal;
    const table = this.pageTableFor(pfn * PAGE);
    this.cpu.mem.write64(table + (pfn % 512) * 8, entry());
    if (batched) this.flushPending = true;
    else this.flushGuestTlb();
    return undefined;
  }

  /** Whether `gpa` is guest RAM that EPT no longer maps (given back through the balloon). */
  isBallooned(gpa: number): boolean {
    if (gpa < 0 || gpa >= this.guestMemoryBytes) return false;
    const pde = this.cpu.mem.read64(pdEntryAddress(gpa));
    if ((pde & PRESENT) === 0n || pde & LARGE) return false;
    const pte = this.cpu.mem.read64(Number(pde & FRAME) + Math.floor((gpa % REGION) / PAGE) * 8);
    return (pte & PRESENT) === 0n;
  }

  private check(pfn: number): string | undefined {
    if (!Number.isInteger(pfn) || pfn * PAGE >= this.guestMemoryBytes) return `page frame 0x${pfn.toString(16)} is outside guest RAM (${this.guestMemoryBytes / 1048576} MiB)`;
    if (Math.floor((pfn * PAGE) / REGION) >= SPLIT_TABLES) return `page frame 0x${pfn.toString(16)} is above the 2 GiB the balloon can split into 4 KiB EPT pages`;
    return undefined;
  }

  /** The 4 KiB EPT page table of the region holding `gpa`, splitting its 2 MiB page first. */
  private pageTableFor(gpa: number): number {
    const mem = this.cpu.mem;
    const pdEntry = pdEntryAddress(gpa);
    const pde = mem.read64(pdEntry);
    if (!(pde & LARGE)) return Number(pde & FRAME);
    const region = Math.floor(gpa / REGION);
    const table = HostLayout.eptSplitTables + region * PAGE;
    const frame = Number(pde & FRAME);
    for (let i = 0; i < 512; i++) mem.write64(table + i * 8, BigInt(frame + i * PAGE) | LEAF_4K);
    mem.write64(pdEntry, BigInt(table) | PRESENT);
    return table;
  }

  private flushGuestTlb(): void {
    this.flushPending = false;
    this.cpu.tlb.flushWhere((context) => context !== 0);
  }
}

/** Host-physical address of the EPT PD entry mapping `gpa` (one PD per GiB, as writeEpt lays them out). */
function pdEntryAddress(gpa: number): number {
  const region = Math.floor(gpa / REGION);
  return HostLayout.eptPds + Math.floor(region / 512) * PAGE + (region % 512) * 8;
}
