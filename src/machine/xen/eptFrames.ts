/**
 * Single-frame EPT edits for the Xen personality: ballooning (XENMEM_decrease/increase
 * reservation), the shared-info and grant-table frames placed at a GFN of the guest's
 * choice (XENMEM_add_to_physmap) and grant mappings. The built-in hypervisor maps guest
 * RAM with 2 MiB EPT pages; the first edit inside one splits it into a 4 KiB page table
 * with the same permissions and memory type, at the region's fixed slot
 * (HostLayout.eptSplitTables + region·4 KiB, shared with virtio-balloon's balloonEpt.ts),
 * so a region either component split is used as it is.
 */
import type { PhysicalMemory } from '../memory/physicalMemory';
import { PAGE } from './abi';

const PS = 0x80n;
const ADDRESS = 0x000ffffffffff000n;

export interface EptFrameMapping {
  readonly hpa: number;
  /** EPT R/W/X bits (0 = not present). */
  readonly permissions: number;
}

export class EptFrames {
  /**
   * @param root host-physical PML4 of the guest's EPT
   * @param tableFor host page for the 4 KiB table of 2 MiB region `region`, or undefined if it cannot be split
   */
  constructor(
    private readonly mem: PhysicalMemory,
    private readonly root: number,
    private readonly tableFor: (region: number) => number | undefined,
  ) {}

  /** The 4 KiB mapping of `gfn` (undefined outside the EPT's guest-physical space). */
  lookup(gfn: number): EptFrameMapping | undefined {
    const pte = this.entryAddress(gfn, false);
    if (pte === undefined) return undefined;
    const value = this.mem.read64(pte.address);
    const hpa = Number(value & ADDRESS) + (pte.large ? (gfn % 512) * PAGE : 0);
    return { hpa, permissions: Number(value & 7n) };
  }

  /** Maps `gfn` to host-physical `hpa` with `permissions` (0 unmaps). False if the frame cannot be edited. */
  set(gfn: number, hpa: number, permissions: number): boolean {
    const pte = this.entryAddress(gfn, true);
    if (pte === undefined || pte.large) return false;
    const old = this.mem.read64(pte.address);
    const value = permissions === 0 ? 0n : BigInt(hpa) | (old === 0n ? 0x30n : old & 0x78n) | BigInt(permissions & 7);
    this.mem.write64(pte.address, value);
    return true;
  }

  /** Address of the entry that maps `gfn` (splitting a 2 MiB leaf when `split`). */
  private entryAddress(gfn: number, split: boolean): { address: number; large: boolean } | undefined {
    const gpa = gfn * PAGE;
    let table = this.root;
    for (let level = 4; level >= 2; level--) {
      const address = table + (Math.floor(gpa / 2 ** (12 + 9 * (level - 1))) % 512) * 8;
      const entry = this.mem.read64(address);
      if ((entry & 7n) === 0n) return undefined;
      if (level === 2 && entry & PS) {
        if (!split) return { address, large: true };
        const pt = this.tableFor(Math.floor(gfn / 512));
        if (pt === undefined) return undefined;
        const base = entry & ADDRESS & ~0x1fffffn;
        const flags = entry & 0x7fn; // R/W/X, memory type, ignore-PAT
        for (let i = 0; i < 512; i++) this.mem.write64(pt + i * 8, (base + BigInt(i * PAGE)) | flags);
        this.mem.write64(address, BigInt(pt) | 7n);
        table = pt;
        break;
      }
      if (level === 3 && entry & PS) return undefined; // 1 GiB pages are not split
      table = Number(entry & ADDRESS);
    }
    return { address: table + (gfn % 512) * 8, large: false };
  }
}
