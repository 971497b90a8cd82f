/**
 * Guest-mode memory layout (documented in the README next to the bare-mode one).
 *
 * Host-physical:
 *   0x000000–0x0fffff  host boot structures (the bare-mode GDT, TSS, identity page tables)
 *   0x108000           host stub: `vmresume; hlt` — where every VM exit returns (HOST_RIP); a
 *                      different TLB slot from the guest image at linear 0x100000
 *   0x101000           VMXON region        0x102000  VMCS
 *   0x103000/0x104000  I/O bitmaps A/B     0x105000  MSR bitmap
 *   0x110000           host stack top
 *   0x200000…          EPT tables (PML4, PDPT, one PD per GiB of guest-physical space)
 *   0x300000–0x31ffff  VT-d tables (iommuSetup.ts): root table 0x300000, second-level PML4
 *                      0x301000, PDPT 0x302000, PDs from 0x303000 (one per GiB of guest RAM,
 *                      2 MiB superpages), context tables from 0x310000 (one per PCI bus)
 *   0x400000–0x404fff  Xen personality (xen/hostLayout.ts): shared-info page 0x400000, grant
 *                      frames 0–3 from 0x401000 — the guest maps them at GFNs it chooses
 *   0x800000–0xbfffff  4 KiB VT-d second-level page tables for 2 MiB regions split when the
 *                      guest balloons a page (region r's table at 0x800000 + r·0x1000)
 *   0xc00000–0xffffff  4 KiB EPT page tables for 2 MiB regions split by ballooning
 *                      (region r's table at 0xc00000 + r·0x1000; guest RAM up to 2 GiB), also
 *                      by Xen's memory_op / add_to_physmap / grant mappings (xen/eptFrames.ts)
 *   0x1000000 (16 MiB) guest RAM: guest-physical 0 is here (GPA ≠ HPA)
 *
 * Guest-physical (as in bare mode): GDT 0x1000, TSS 0x2000, PML4 0x5000, PDPT 0x6000,
 * PDs from 0x7000 (identity map of the first 4 GiB with 2 MiB pages), stack top 0xff000,
 * image at 0x100000. Only guest RAM is mapped by EPT: any other guest-physical address is
 * an EPT violation. virtio-mmio device i has its register page at guest-physical
 * 0xd0000000 + i·0x1000 (never mapped: the hypervisor emulates the access,
 * mmioEmulation.ts); other violations are reported with the GPA (and "ballooned page"
 * for RAM given back through virtio-balloon).
 */

export const HostLayout = {
  stub: 0x108000,
  vmxon: 0x101000,
  vmcs: 0x102000,
  ioBitmapA: 0x103000,
  ioBitmapB: 0x104000,
  msrBitmap: 0x105000,
  stackTop: 0x110000,
  eptPml4: 0x200000,
  eptPdpt: 0x201000,
  eptPds: 0x202000,
  iommuRootTable: 0x300000,
  iommuSlPml4: 0x301000,
  iommuSlPdpt: 0x302000,
  iommuSlPds: 0x303000,
  iommuMaxGiB: 13,
  iommuContextTables: 0x310000,
  iommuMaxBuses: 16,
  /** VT-d page tables of 2 MiB regions split for ballooning (iommuSetup.ts). */
  iommuSplitTables: 0x800000,
  iommuSplitRegions: 1024,
  /** EPT page tables of 2 MiB regions split for ballooning (balloonEpt.ts). */
  eptSplitTables: 0xc00000,
  guestRamBase: 0x1000000,
} as const;

export const GuestLayout = {
  gdt: 0x1000,
  tss: 0x2000,
  tssLimit: 0x67,
  pml4: 0x5000,
  pdpt: 0x6000,
  pageDirectories: 0x7000,
  stackTop: 0xff000,
  imageBase: 0x100000,
  /** Guest-physical space the guest page tables identity-map. */
  mappedGiB: 4,
} as const;

/** The hypervisor's CPUID leaves: 0x40000000 returns the maximum leaf and the signature. */
export const HYPERVISOR_SIGNATURE = 'HyperscopeHV';
