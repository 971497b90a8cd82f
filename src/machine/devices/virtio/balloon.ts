/**
 * virtio-balloon (device id 5): the host asks for `num_pages` (config u32 @0, set with
 * `setTarget`); the driver gives pages back on inflateq and takes them on deflateq, as
 * arrays of 32-bit page frame numbers (4 KiB pages, guest-physical), and reports its
 * balloon size in `actual` (u32 @4). What giving a page back means is the host's: under
 * the built-in hypervisor the page is unmapped in EPT (balloonEpt.ts).
 */
import { isDmaFault } from '../dma';
import { DeviceId } from './constants';
import { readConfigBytes, type VirtioDevice, type VirtioDeviceHost } from './device';
import { readBuffers } from './splitQueue';

export const BalloonQueue = { INFLATE: 0, DEFLATE: 1 } as const;
const QUEUE_SIZE = 256;
export const BALLOON_PAGE_SIZE = 4096;

/**
 * What the hypervisor does with a page; returns why it refused, or undefined. With
 * `batched` the host may postpone its TLB flush until `flush()` (called once per request).
 */
export interface BalloonHost {
  inflate(pfn: number, batched?: boolean): string | undefined;
  deflate(pfn: number, batched?: boolean): string | undefined;
  flush?(): void;
}

/** Page frame numbers one inflate/deflate request may carry (Linux sends at most 256). */
export const MAX_PFNS_PER_REQUEST = 4096;

/** No hypervisor (bare mode: the user's own hypervisor reads the queues): pages are only recorded. */
export const RECORDING_BALLOON_HOST: BalloonHost = { inflate: () => undefined, deflate: () => undefined };

interface BalloonState {
  numPages: number;
  actual: number;
  pages: number[];
  inflated: number;
  deflated: number;
  refused: number;
  lastRefusal: string | undefined;
}

export class VirtioBalloon implements VirtioDevice {
  readonly deviceId = DeviceId.BALLOON;
  readonly kind = 'balloon';
  readonly features = 0n;
  readonly queueSizes = [QUEUE_SIZE, QUEUE_SIZE];
  host: BalloonHost = RECORDING_BALLOON_HOST;
  private transport: VirtioDeviceHost | undefined;
  private numPages = 0;
  private actual = 0;
  /** Page frame numbers currently in the balloon. */
  private pages = new Set<number>();
  private inflated = 0;
  private deflated = 0;
  private refused = 0;
  private lastRefusal: string | undefined;

  constructor(targetPages = 0) {
    this.numPages = targetPages >>> 0;
  }

  attach(host: VirtioDeviceHost): void {
    this.transport = host;
  }

  /** The host's request: the balloon should hold `pages` pages (raises a configuration-change interrupt). */
  setTarget(pages: number): void {
    this.numPages = pages >>> 0;
    this.transport?.configChanged();
  }

  get target(): number {
    return this.numPages;
  }

  /** Whether page frame `pfn` is in the balloon. */
  holds(pfn: number): boolean {
    return this.pages.has(pfn);
  }

  get balloonedPages(): readonly number[] {
    return [...this.pages].sort((a, b) => a - b);
  }

  readConfig(offset: number, size: number): number {
    const config = new Uint8Array(8);
    const view = new DataView(config.buffer);
    view.setUint32(0, this.numPages, true);
    view.setUint32(4, this.actual, true);
    return readConfigBytes(config, offset, size);
  }

  writeConfig(offset: number, size: number, value: number): void {
    if (offset === 4 && size === 4) this.actual = value >>> 0;
  }

  driverReady(): void {}

  reset(): void {
    this.actual = 0;
  }

  notify(queue: number): void {
    const transport = this.transport!;
    if (queue !== BalloonQueue.INFLATE && queue !== BalloonQueue.DEFLATE) return;
    for (let chain = transport.next(queue); chain; chain = transport.next(queue)) {
      const bytes = readBuffers(transport.dma, chain.readable);
      if (isDmaFault(bytes)) {
        transport.dmaFault(bytes);
        return transport.fail(`${queue === BalloonQueue.INFLATE ? 'inflateq' : 'deflateq'}: the page list of the chain from descriptor ${chain.head} is not reachable by DMA`);
      }
      if (bytes.length > 4 * MAX_PFNS_PER_REQUEST) {
        this.host.flush?.();
        return transport.fail(`${queue === BalloonQueue.INFLATE ? 'inflateq' : 'deflateq'}: the chain from descriptor ${chain.head} carries ${Math.floor(bytes.length / 4)} page frame numbers, more than ${MAX_PFNS_PER_REQUEST} per request`);
      }
      const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
      for (let at = 0; at + 4 <= bytes.length; at += 4) this.move(queue === BalloonQueue.INFLATE, view.getUint32(at, true));
      transport.complete(queue, chain.head, 0);
    }
    this.host.flush?.();
  }

  private move(inflate: boolean, pfn: number): void {
    if (inflate === this.pages.has(pfn)) return; // already in (or out of) the balloon
    const refusal = inflate ? this.host.inflate(pfn, true) : this.host.deflate(pfn, true);
    if (refusal !== undefined) {
      this.refused++;
      this.lastRefusal = refusal;
      return;
    }
    if (inflate) {
      this.pages.add(pfn);
      this.inflated++;
    } else {
      this.pages.delete(pfn);
      this.deflated++;
    }
  }

  describe(): Record<string, unknown> {
    return { numPages: this.numPages, actual: this.actual, pagesInBalloon: this.pages.size, inflated: this.inflated, deflated: this.deflated, refused: this.refused, lastRefusal: this.lastRefusal ?? null };
  }

  saveState(): BalloonState {
    return { numPages: this.numPages, actual: this.actual, pages: [...this.pages], inflated: this.inflated, deflated: this.deflated, refused: this.refused, lastRefusal: this.lastRefusal };
  }

  restoreState(state: unknown): void {
    const s = state as BalloonState;
    this.numPages = s.numPages;
    this.actual = s.actual;
    this.pages = new Set(s.pages);
    this.inflated = s.inflated;
    this.deflated = s.deflated;
    this.refused = s.refused;
    this.lastRefusal = s.lastRefusal;
  }
}
