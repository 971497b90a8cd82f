/**
 * The built-in hypervisor's VT-d driver: gives the guest's devices a DMA view of exactly
 * the guest's RAM (device address = guest-physical → host-physical guestRamBase + GPA),
 * the way a VMM assigning devices to a VM programs the IOMMU — all through the DMAR
 * registers, with the tables in host memory (HostLayout.iommu*):
 *   1. read CAP/ECAP (4-level tables and 2 MiB superpages are required; the unit has them),
 *   2. build the root table, one context table per bus, and one second-level table tree
 *      shared by every device (one domain: the guest),
 *   3. RTADDR ← root table, GCMD.SRTP, wait for GSTS.RTPS,
 *   4. global context-cache invalidation (CCMD), global IOTLB invalidation,
 *   5. GCMD.TE, wait for GSTS.TES.
 * Fault events stay masked (FECTL.IM): blocked DMA is reported through the fault
 * recording registers and the debugger's fault listeners.
 */
import type { Cpu } from '../cpu/cpu';
import type { SourceId } from '../devices/dma';
import { CcmdHigh, decodeCapabilities, DMAR_BASE, Gcmd, Granularity, Gsts, IotlbHigh, Reg } from '../iommu/registers';
import { ImageError } from '../boot/elf';
import { HostLayout } from './layout';

/** The guest's domain id in the context entries. */
export const GUEST_DOMAIN_ID = 1;
const TWO_MIB = 0x200000;
const ONE_GIB = 0x40000000;
/** Second-level entry bits: R, W, PS. */
const READ_WRITE = 3n;
const PAGE_SIZE_BIT = 0x80n;
/** Context entry, high qword: AW = 2 (48-bit, 4-level), DID in bits 87:72. */
const AGAW_48 = 2n;

export interface IommuProgramming {
  readonly rootTable: number;
  readonly contextTables: Map<number, number>;
  readonly secondLevelRoot: number;
}

/** True when the machine has the DMAR unit at its agreed address (the ACPI DMAR table, in effect). */
export function hasIommu(cpu: Cpu): boolean {
  return cpu.mem.mmioRegionAt(DMAR_BASE)?.handler.name === 'VT-d DMAR';
}

/** Programs the IOMMU so every requester in `sourceIds` reaches guest RAM at its guest-physical addresses. */
export function programIommu(cpu: Cpu, sourceIds: readonly SourceId[], guestMemoryBytes: number): IommuProgramming | undefined {
  if (!hasIommu(cpu)) return undefined;
  const mem = cpu.mem;
  const read32 = (offset: number): number => mem.read32(DMAR_BASE + offset);
  const caps = decodeCapabilities(read32(Reg.CAP), read32(Reg.CAP + 4), read32(Reg.ECAP));
  if ((caps.sagaw & (1 << Number(AGAW_48))) === 0 || !caps.superpages2M) throw new Error('the DMAR unit lacks 4-level tables or 2 MiB superpages');

  const secondLevelRoot = writeSecondLevelTables(cpu, guestMemoryBytes);
  const contextTables = writeRootAndContextTables(cpu, sourceIds, secondLevelRoot);

  // 3. Root-table pointer.
  mem.write64(DMAR_BASE + Reg.RTADDR, BigInt(HostLayout.iommuRootTable));
  const status = (): number => read32(Reg.GSTS);
  mem.write32(DMAR_BASE + Reg.GCMD, (status() & Gsts.TES) | Gcmd.SRTP);
  waitFor(() => (status() & Gsts.RTPS) !== 0, 'GSTS.RTPS');
  // 4. Invalidate the context cache and the IOTLB, globally.
  mem.write64(DMAR_BASE + Reg.CCMD, BigInt((CcmdHigh.ICC | (Granularity.global << CcmdHigh.CIRG_SHIFT)) >>> 0) << 32n);
  waitFor(() => (read32(Reg.CCMD + 4) & CcmdHigh.ICC) === 0, 'CCMD.ICC');
  const iotlb = caps.iotlbOffset + 8;
  mem.write64(DMAR_BASE + iotlb, BigInt((IotlbHigh.IVT | (Granularity.global << IotlbHigh.IIRG_SHIFT) | IotlbHigh.DR | IotlbHigh.DW) >>> 0) << 32n);
  waitFor(() => (read32(iotlb + 4) & IotlbHigh.IVT) === 0, 'IOTLB.IVT');
  // 5. Translation on.
  mem.write32(DMAR_BASE + Reg.GCMD, Gcmd.TE);
  waitFor(() => (status() & Gsts.TES) !== 0, 'GSTS.TES');
  return { rootTable: HostLayout.iommuRootTable, contextTables, secondLevelRoot };
}

/** PML4 → PDPT → one PD per GiB of 2 MiB superpages: device address A → guestRamBase + A for A < guest RAM size. */
function writeSecondLevelTables(cpu: Cpu, guestMemoryBytes: number): number {
  const mem = cpu.mem;
  const gibs = Math.ceil(guestMemoryBytes / ONE_GIB);
  if (gibs > HostLayout.iommuMaxGiB) throw new ImageError(`the IOMMU tables cover at most ${HostLayout.iommuMaxGiB} GiB of guest RAM`);
  zeroPages(cpu, HostLayout.iommuSlPml4, 2 + gibs);
  mem.write64(HostLayout.iommuSlPml4, BigInt(HostLayout.iommuSlPdpt) | READ_WRITE);
  for (let g = 0; g < gibs; g++) {
    const pd = HostLayout.iommuSlPds + g * 0x1000;
    mem.write64(HostLayout.iommuSlPdpt + g * 8, BigInt(pd) | READ_WRITE);
    for (let i = 0; i < 512; i++) {
      const deviceAddress = g * ONE_GIB + i * TWO_MIB;
      if (deviceAddress >= guestMemoryBytes) break;
      mem.write64(pd + i * 8, BigInt(HostLayout.guestRamBase + deviceAddress) | PAGE_SIZE_BIT | READ_WRITE);
    }
  }
  return HostLayout.iommuSlPml4;
}

/** Root entries for each bus with a device; context entries (present, TT 0, AW 48-bit, the guest's domain). */
function writeRootAndContextTables(cpu: Cpu, sourceIds: readonly SourceId[], secondLevelRoot: number): Map<number, number> {
  const mem = cpu.mem;
  zeroPages(cpu, HostLayout.iommuRootTable, 1);
  const contextTables = new Map<number, number>();
  for (const id of sourceIds) {
    const bus = (id >>> 8) & 0xff;
    let table = contextTables.get(bus);
    if (table === undefined) {
      if (contextTables.size >= HostLayout.iommuMaxBuses) throw new ImageError(`the IOMMU tables hold context tables for at most ${HostLayout.iommuMaxBuses} buses`);
      table = HostLayout.iommuContextTables + contextTables.size * 0x1000;
      contextTables.set(bus, table);
      zeroPages(cpu, table, 1);
      mem.write64(HostLayout.iommuRootTable + bus * 16, BigInt(table) | 1n);
    }
    const entry = table + (id & 0xff) * 16;
    mem.write64(entry, BigInt(secondLevelRoot) | 1n); // P, TT = 0 (untranslated via second level), FPD = 0
    mem.write64(entry + 8, AGAW_48 | (BigInt(GUEST_DOMAIN_ID) << 8n));
  }
  return contextTables;
}

function zeroPages(cpu: Cpu, address: number, pages: number): void {
  cpu.mem.load(address, new Uint8Array(pages * 0x1000));
}

/** A driver polls status bits; our unit completes commands at once, so one read suffices (bounded anyway). */
function waitFor(done: () => boolean, what: string): void {
  for (let i = 0; i < 1000; i++) if (done()) return;
  throw new Error(`the DMAR unit did not complete ${what}`);
}

/**
 * Ballooning for devices: takes one 4 KiB guest page out of (or back into) every device's
 * DMA view, as a VMM does when the guest gives memory back. The 2 MiB superpage holding it
 * is split into a page table first (at `HostLayout.iommuSplitTables` + region·4 KiB), then
 * the entry changes and the page is invalidated page-selectively through the IOTLB
 * registers (domain GUEST_DOMAIN_ID), so no stale translation survives. Returns why not, or
 * undefined when done (or when the machine has no DMAR unit).
 */
export function iommuUnmapGuestPage(cpu: Cpu, guestPhysical: number, guestMemoryBytes: number): string | undefined {
  return setGuestPage(cpu, guestPhysical, guestMemoryBytes, false);
}

export function iommuMapGuestPage(cpu: Cpu, guestPhysical: number, guestMemoryBytes: number): string | undefined {
  return setGuestPage(cpu, guestPhysical, guestMemoryBytes, true);
}

function setGuestPage(cpu: Cpu, guestPhysical: number, guestMemoryBytes: number, mapped: boolean): string | undefined {
  if (!hasIommu(cpu)) return undefined;
  const page = guestPhysical - (guestPhysical % 0x1000);
  if (!(page >= 0) || page >= guestMemoryBytes) return `guest-physical 0x${guestPhysical.toString(16)} is outside guest RAM`;
  const region = Math.floor(page / TWO_MIB);
  if (region >= HostLayout.iommuSplitRegions) return `the IOMMU can split only the first ${HostLayout.iommuSplitRegions} 2 MiB regions of guest RAM`;
  const mem = cpu.mem;
  const pde = HostLayout.iommuSlPds + Math.floor(page / ONE_GIB) * 0x1000 + (region % 512) * 8;
  const table = HostLayout.iommuSplitTables + region * 0x1000;
  const entry = mem.read64(pde);
  if ((entry & PAGE_SIZE_BIT) !== 0n) {
    const base = Number(entry & 0xffffffe00000n);
    for (let i = 0; i < 512; i++) mem.write64(table + i * 8, BigInt(base + i * 0x1000) | READ_WRITE);
    mem.write64(pde, BigInt(table) | READ_WRITE);
  }
  mem.write64(table + ((page % TWO_MIB) / 0x1000) * 8, mapped ? BigInt(HostLayout.guestRamBase + page) | READ_WRITE : 0n);
  invalidatePage(cpu, page);
  return undefined;
}

/** Page-selective IOTLB invalidation of one page in the guest's domain (IVA, then IOTLB.IVT). */
function invalidatePage(cpu: Cpu, page: number): void {
  const mem = cpu.mem;
  const read32 = (offset: number): number => mem.read32(DMAR_BASE + offset);
  const iva = decodeCapabilities(read32(Reg.CAP), read32(Reg.CAP + 4), read32(Reg.ECAP)).iotlbOffset;
  mem.write64(DMAR_BASE + iva, BigInt(page)); // AM = 0: this page only
  mem.write64(DMAR_BASE + iva + 8, BigInt((IotlbHigh.IVT | (Granularity.deviceOrPage << IotlbHigh.IIRG_SHIFT) | GUEST_DOMAIN_ID) >>> 0) << 32n);
  waitFor(() => (read32(iva + 12) & IotlbHigh.IVT) === 0, 'IOTLB.IVT');
}
