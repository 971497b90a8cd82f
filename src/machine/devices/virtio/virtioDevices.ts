/**
 * The machine's virtio-mmio devices and their agreed layout: device i (in the fixed
 * order console, block, balloon — absent ones skipped) has its register page at
 * 0xd0000000 + i·0x1000, requester id 00:(1+i).0 and interrupt vector 0x30 + i. The
 * page is host-physical in bare mode and guest-physical in guest mode.
 */
import type { Snapshotable } from '../../debug/snapshotable';
import { sourceId, type DmaRemapper, type InterruptSink, type SourceId } from '../dma';
import { VirtioBalloon } from './balloon';
import { VirtioBlock } from './block';
import type { BlockBackend } from './blockBackend';
import { VirtioConsole } from './console';
import type { VirtioDevice } from './device';
import { VirtioMmioTransport } from './transport';
import type { DmaSpace } from '../dma';

export const VirtioLayout = {
  mmioBase: 0xd0000000,
  pageSize: 0x1000,
  firstVector: 0x30,
} as const;

export interface VirtioOptions {
  /** virtio-console: transmit to the machine console, receive debug-console input. */
  console?: boolean;
  /** virtio-blk over this backend (the CLI/adapter open the image). */
  block?: BlockBackend;
  /** virtio-balloon; `targetPages` is the initial num_pages. */
  balloon?: boolean | { targetPages?: number };
}

export interface VirtioSlot {
  readonly index: number;
  readonly base: number;
  readonly size: number;
  readonly sourceId: SourceId;
  readonly vector: number;
  readonly transport: VirtioMmioTransport;
}

const NO_DMA: DmaSpace = {
  read: (address) => ({ dmaFault: true, address, write: false, reason: 'device not connected to memory' }),
  write: (address) => ({ dmaFault: true, address, write: true, reason: 'device not connected to memory' }),
};

export class VirtioDevices {
  readonly slots: VirtioSlot[] = [];
  readonly console: VirtioConsole | undefined;
  readonly block: VirtioBlock | undefined;
  readonly balloon: VirtioBalloon | undefined;

  constructor(options: VirtioOptions, consoleSink: (byte: number) => void) {
    if (options.console) this.console = new VirtioConsole(consoleSink);
    if (options.block) this.block = new VirtioBlock(options.block);
    if (options.balloon) this.balloon = new VirtioBalloon(typeof options.balloon === 'object' ? options.balloon.targetPages : 0);
    const devices: VirtioDevice[] = [this.console, this.block, this.balloon].filter((d): d is NonNullable<typeof d> => d !== undefined);
    devices.forEach((device, index) => {
      const vector = VirtioLayout.firstVector + index;
      this.slots.push({
        index,
        base: VirtioLayout.mmioBase + index * VirtioLayout.pageSize,
        size: VirtioLayout.pageSize,
        sourceId: sourceId(0, 1 + index, 0),
        vector,
        transport: new VirtioMmioTransport(device, NO_DMA, vector),
      });
    });
  }

  get empty(): boolean {
    return this.slots.length === 0;
  }

  /** Requester ids of the devices (the IOMMU maps each of them). */
  get sourceIds(): SourceId[] {
    return this.slots.map((s) => s.sourceId);
  }

  /** Gives each device its DMA space and interrupt line. */
  connect(remapper: DmaRemapper, interrupt: InterruptSink): void {
    for (const slot of this.slots) {
      slot.transport.dma = remapper.spaceFor(slot.sourceId);
      slot.transport.interruptSink = interrupt;
    }
  }

  slotAt(address: number): VirtioSlot | undefined {
    return this.slots.find((s) => address >= s.base && address < s.base + s.size);
  }

  describe(): Record<string, unknown>[] {
    return this.slots.map((s) => ({ index: s.index, base: '0x' + s.base.toString(16), sourceId: s.sourceId, vector: s.vector, ...s.transport.describe() }));
  }

  get snapshotable(): Snapshotable {
    return {
      snapshotName: 'virtio',
      saveState: () => this.slots.map((s) => s.transport.saveState()),
      restoreState: (state) => (state as ReturnType<VirtioMmioTransport['saveState']>[]).forEach((s, i) => this.slots[i]?.transport.restoreState(s)),
    };
  }
}
