/**
 * Device DMA in guest mode when nothing else remaps it: device addresses are
 * guest-physical, as the built-in hypervisor's IOMMU programming makes them. Only guest
 * RAM is reachable; anything else is a `DmaFault`.
 */
import type { DmaFault, DmaRemapper, DmaSpace } from '../devices/dma';
import type { PhysicalMemory } from '../memory/physicalMemory';

export class GuestPhysicalDma implements DmaSpace, DmaRemapper {
  constructor(
    private readonly mem: PhysicalMemory,
    /** Host-physical address of guest-physical 0. */
    private readonly ramBase: number,
    private readonly ramBytes: number,
  ) {}

  spaceFor(): DmaSpace {
    return this;
  }

  private fault(address: number, write: boolean, length: number): DmaFault | undefined {
    if (address >= 0 && length >= 0 && address + length <= this.ramBytes) return undefined;
    return { dmaFault: true, address, write, reason: `outside guest RAM (${this.ramBytes / 1048576} MiB)` };
  }

  read(address: number, length: number): Uint8Array | DmaFault {
    const fault = this.fault(address, false, length);
    if (fault) return fault;
    const at = this.ramBase + address;
    return this.mem.ram.slice(at, at + length);
  }

  write(address: number, bytes: Uint8Array): DmaFault | undefined {
    const fault = this.fault(address, true, bytes.length);
    if (fault) return fault;
    this.mem.load(this.ramBase + address, bytes);
    return undefined;
  }
}
