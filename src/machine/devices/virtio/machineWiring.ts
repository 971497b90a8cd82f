/**
 * How the Machine connects its virtio devices in each mode (layout in virtioDevices.ts):
 * - bare mode: the register pages are host-physical MMIO, DMA goes through the IOMMU's
 *   view of each requester id (translation off until the user's hypervisor programs it),
 *   interrupts go to the CPU's local APIC (the sink the Machine passes);
 * - guest mode: the pages are guest-physical and emulated by the built-in hypervisor on
 *   EPT violations, device addresses are guest-physical (the hypervisor maps exactly
 *   guest RAM in the IOMMU for the devices' requester ids), interrupts are queued for the
 *   guest (`raiseGuestInterrupt`) and the balloon unmaps pages in EPT.
 */
import { ImageError } from '../../boot/elf';
import type { Cpu } from '../../cpu/cpu';
import type { BuiltInHypervisor } from '../../hypervisor/hypervisor';
import { GuestPhysicalDma } from '../../hypervisor/guestDma';
import { HostLayout } from '../../hypervisor/layout';
import type { GuestMmioRegion } from '../../hypervisor/mmioEmulation';
import type { DmaFault, DmaRemapper, InterruptSink } from '../dma';
import { BALLOON_PAGE_SIZE, type BalloonHost, type VirtioBalloon } from './balloon';
import { iommuMapGuestPage, iommuUnmapGuestPage } from '../../hypervisor/iommuSetup';
import { VirtioLayout, type VirtioDevices } from './virtioDevices';

/** The devices cannot be placed (an ImageError, so loaders report it like other load failures). */
export class DeviceLayoutError extends ImageError {}

/** Maps the register pages host-physical (once per machine) and connects DMA and interrupts. */
export function connectBare(virtio: VirtioDevices, cpu: Cpu, remapper: DmaRemapper, interrupt: InterruptSink): void {
  const mem = cpu.mem;
  for (const slot of virtio.slots) {
    if (mem.mmioRegionAt(slot.base)?.handler === slot.transport) continue;
    if (slot.base < mem.size) {
      throw new DeviceLayoutError(`virtio-mmio device registers live at host-physical 0x${VirtioLayout.mmioBase.toString(16)}, inside RAM of ${mem.size / 1048576} MiB: use at most ${VirtioLayout.mmioBase / 1048576} MiB of memory with devices in bare mode`);
    }
    mem.mapMmio(slot.base, slot.size, slot.transport);
  }
  virtio.connect(remapper, interrupt);
  if (virtio.balloon) virtio.balloon.host = { inflate: () => undefined, deflate: () => undefined };
}

/** The guest-physical regions the built-in hypervisor emulates (pass as GuestModeOptions.mmioDevices). */
export function guestRegions(virtio: VirtioDevices | undefined): GuestMmioRegion[] | undefined {
  return virtio?.slots.map((slot) => ({ base: slot.base, size: slot.size, handler: slot.transport }));
}

/**
 * After `hypervisor.boot`: device addresses are guest-physical — through the IOMMU the
 * hypervisor programmed for the devices' requester ids (`iommu`), or, on a machine without
 * the DMAR unit, a plain guest-RAM window; interrupts into the guest; EPT ballooning.
 */
export function connectGuest(virtio: VirtioDevices, cpu: Cpu, hypervisor: BuiltInHypervisor, iommu: DmaRemapper | undefined): void {
  const balloon = virtio.balloon;
  if (iommu) {
    virtio.connect(iommu, (vector) => hypervisor.raiseGuestInterrupt(vector));
    if (balloon) balloon.host = balloonInEptAndIommu(cpu, hypervisor);
    return;
  }
  const remapper = new GuestPhysicalDma(cpu.mem, HostLayout.guestRamBase, hypervisor.guestMemoryBytes);
  virtio.connect(balloon ? withoutBallooned(remapper, balloon) : remapper, (vector) => hypervisor.raiseGuestInterrupt(vector));
  if (balloon) balloon.host = hypervisor.balloon;
}

/**
 * A ballooned page leaves the guest's view (EPT) and the devices' view (the IOMMU's
 * second-level tables, invalidated page-selectively), as a VMM with assigned devices does;
 * if the IOMMU cannot take the page out, the EPT change is undone and the page refused.
 */
function balloonInEptAndIommu(cpu: Cpu, hypervisor: BuiltInHypervisor): BalloonHost {
  const ept = hypervisor.balloon;
  const bytes = hypervisor.guestMemoryBytes;
  return {
    inflate: (pfn, batched) => {
      const refusal = ept.inflate(pfn, batched);
      if (refusal !== undefined) return refusal;
      const iommuRefusal = iommuUnmapGuestPage(cpu, pfn * BALLOON_PAGE_SIZE, bytes);
      if (iommuRefusal !== undefined) ept.deflate(pfn, batched);
      return iommuRefusal;
    },
    deflate: (pfn, batched) => ept.deflate(pfn, batched) ?? iommuMapGuestPage(cpu, pfn * BALLOON_PAGE_SIZE, bytes),
    flush: () => ept.flush(),
  };
}

/** Without a DMAR unit: device DMA that cannot reach pages the guest gave back. */
function withoutBallooned(remapper: DmaRemapper, balloon: VirtioBalloon): DmaRemapper {
  const refused = (address: number, length: number, write: boolean): DmaFault | undefined => {
    for (let page = Math.floor(address / BALLOON_PAGE_SIZE); page * BALLOON_PAGE_SIZE < address + Math.max(length, 1); page++) {
      if (balloon.holds(page)) return { dmaFault: true, address: Math.max(address, page * BALLOON_PAGE_SIZE), write, reason: 'ballooned page (given back through virtio-balloon)' };
    }
    return undefined;
  };
  return {
    spaceFor: (source) => {
      const space = remapper.spaceFor(source);
      return {
        read: (address, length) => refused(address, length, false) ?? space.read(address, length),
        write: (address, bytes) => refused(address, bytes.length, true) ?? space.write(address, bytes),
      };
    },
  };
}
