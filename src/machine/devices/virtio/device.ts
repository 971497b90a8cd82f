/**
 * What a virtio device type implements, and what the transport gives it. The transport
 * (transport.ts) owns the registers, status, feature negotiation and queues; a device
 * only serves requests from its queues and its configuration space.
 */
import type { DmaFault, DmaSpace } from '../dma';
import type { DescriptorChain } from './splitQueue';

/** The transport's side, as a device sees it. */
export interface VirtioDeviceHost {
  readonly dma: DmaSpace;
  /** The next chain of `queue`; undefined when empty, not ready, before DRIVER_OK or once the device needs a reset. */
  next(queue: number): DescriptorChain | undefined;
  /** Returns a chain to the driver as used, `written` bytes into its writable buffers. */
  complete(queue: number, head: number, written: number): void;
  /** Counts a DMA fault on a data buffer (the device then reports an error status or fails). */
  dmaFault(fault: DmaFault): void;
  /** The device cannot go on: sets DEVICE_NEEDS_RESET and raises a configuration-change interrupt. */
  fail(reason: string): void;
  /** The configuration space changed: bumps ConfigGeneration and raises a configuration-change interrupt. */
  configChanged(): void;
}

export interface VirtioDevice {
  readonly deviceId: number;
  /** Short kind name ("console", "block", "balloon"). */
  readonly kind: string;
  /** Device-specific feature bits offered (the transport adds VERSION_1 and INDIRECT_DESC). */
  readonly features: bigint;
  /** QueueNumMax of each queue. */
  readonly queueSizes: readonly number[];
  attach(host: VirtioDeviceHost): void;
  /** Configuration-space access at `offset` (from 0x100) of 1, 2 or 4 bytes. */
  readConfig(offset: number, size: number): number;
  writeConfig(offset: number, size: number, value: number): void;
  /** The driver notified `queue` (QueueNotify). */
  notify(queue: number): void;
  /** The driver set DRIVER_OK (the device may start using queues). */
  driverReady(): void;
  /** Device reset (status written 0): back to power-on state, keeping host-side data (disk contents). */
  reset(): void;
  /** Counters and state for reports (`--json` devices, the Devices view). */
  describe(): Record<string, unknown>;
  saveState(): unknown;
  restoreState(state: unknown): void;
}

/** Reads `size` bytes (1, 2, 4) little-endian from a config byte array; bytes past its end read 0. */
export function readConfigBytes(bytes: Uint8Array, offset: number, size: number): number {
  let value = 0;
  for (let i = size - 1; i >= 0; i--) value = value * 256 + (bytes[offset + i] ?? 0);
  return value >>> 0;
}
