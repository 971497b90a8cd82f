/**
 * virtio-blk (device id 2; fact sheet §8.5): one request queue. A request is a 16-byte
 * header (type u32 @0, reserved u32 @4, sector u64 @8, device-readable), data buffers,
 * and a status byte (the last device-writable byte): OK 0, IOERR 1, UNSUPP 2. Out-of-range
 * sectors, unaligned lengths and writes to a read-only disk are IOERR; DMA faults on data
 * buffers are IOERR too (counted); a chain with nowhere to put the status needs a reset.
 */
import { isDmaFault } from '../dma';
import { SECTOR_SIZE, type BlockBackend } from './blockBackend';
import { DeviceId } from './constants';
import { readConfigBytes, type VirtioDevice, type VirtioDeviceHost } from './device';
import { readBuffers, totalLength, writeBuffers, type BufferSegment, type DescriptorChain } from './splitQueue';

export const BlkType = { IN: 0, OUT: 1, FLUSH: 4, GET_ID: 8 } as const;
export const BlkStatus = { OK: 0, IOERR: 1, UNSUPP: 2 } as const;
export const BlkFeature = { SEG_MAX: 1n << 2n, RO: 1n << 5n, BLK_SIZE: 1n << 6n, FLUSH: 1n << 9n } as const;

const QUEUE_SIZE = 256;
const HEADER = 16;
const ID_BYTES = 20;
/** Largest data transfer of one request (larger ones are IOERR, so a guest cannot make the host allocate gigabytes). */
export const MAX_REQUEST_BYTES = 16 * 1024 * 1024;

interface BlockStats {
  reads: number;
  writes: number;
  flushes: number;
  getIds: number;
  ioErrors: number;
  unsupported: number;
  bytesRead: number;
  bytesWritten: number;
}

interface Request {
  readonly sector: number;
  readonly out: Uint8Array;
  readonly data: readonly BufferSegment[];
}

interface Outcome {
  status: number;
  written: number;
}

type Handler = (device: VirtioBlock, request: Request) => Outcome;

const HANDLERS: ReadonlyMap<number, Handler> = new Map<number, Handler>([
  [BlkType.IN, (d, r) => d.readSectors(r)],
  [BlkType.OUT, (d, r) => d.writeSectors(r)],
  [BlkType.FLUSH, (d) => d.flush()],
  [BlkType.GET_ID, (d, r) => d.getId(r)],
]);

export class VirtioBlock implements VirtioDevice {
  readonly deviceId = DeviceId.BLOCK;
  readonly kind = 'block';
  readonly features: bigint;
  readonly queueSizes = [QUEUE_SIZE];
  private host: VirtioDeviceHost | undefined;
  private readonly config = new Uint8Array(36);
  stats: BlockStats = { reads: 0, writes: 0, flushes: 0, getIds: 0, ioErrors: 0, unsupported: 0, bytesRead: 0, bytesWritten: 0 };

  constructor(readonly backend: BlockBackend) {
    this.features = BlkFeature.SEG_MAX | BlkFeature.BLK_SIZE | BlkFeature.FLUSH | (backend.readOnly ? BlkFeature.RO : 0n);
    const view = new DataView(this.config.buffer);
    view.setBigUint64(0, BigInt(backend.sectors), true);
    view.setUint32(12, QUEUE_SIZE - 2, true);
    view.setUint32(20, SECTOR_SIZE, true);
  }

  attach(host: VirtioDeviceHost): void {
    this.host = host;
  }

  readConfig(offset: number, size: number): number {
    return readConfigBytes(this.config, offset, size);
  }

  writeConfig(): void {}

  driverReady(): void {}

  reset(): void {}

  notify(queue: number): void {
    const host = this.host!;
    if (queue !== 0) return;
    for (let chain = host.next(0); chain; chain = host.next(0)) this.serve(host, chain);
  }

  private serve(host: VirtioDeviceHost, chain: DescriptorChain): void {
    const writableBytes = totalLength(chain.writable);
    if (writableBytes === 0) return host.fail(`request from descriptor ${chain.head} has no device-writable status byte`);
    const [data, status] = splitStatus(chain.writable);
    let outcome: Outcome;
    const readable = totalLength(chain.readable);
    const header = readable < HEADER ? undefined : readBuffers(host.dma, chain.readable, Math.min(readable, HEADER + MAX_REQUEST_BYTES));
    if (header === undefined || readable > HEADER + MAX_REQUEST_BYTES) outcome = { status: BlkStatus.IOERR, written: 0 };
    else if (isDmaFault(header)) {
      host.dmaFault(header);
      outcome = { status: BlkStatus.IOERR, written: 0 };
    } else {
      const view = new DataView(header.buffer, header.byteOffset, HEADER);
      const type = view.getUint32(0, true);
      const sector = view.getUint32(8, true) + view.getUint32(12, true) * 2 ** 32;
      const handler = HANDLERS.get(type);
      outcome = handler ? handler(this, { sector, out: header.subarray(HEADER), data }) : { status: BlkStatus.UNSUPP, written: 0 };
    }
    if (outcome.status === BlkStatus.IOERR) this.stats.ioErrors++;
    if (outcome.status === BlkStatus.UNSUPP) this.stats.unsupported++;
    const fault = host.dma.write(status.address, Uint8Array.of(outcome.status));
    if (fault) {
      host.dmaFault(fault);
      return host.fail(`request from descriptor ${chain.head}: the status byte at 0x${status.address.toString(16)} is not reachable by DMA`);
    }
    host.complete(0, chain.head, outcome.written + 1);
  }

  /** Sector count of `bytes`, or undefined when the transfer is unaligned, too large or out of range. */
  private sectorsFor(sector: number, bytes: number): number | undefined {
    if (bytes % SECTOR_SIZE !== 0 || bytes > MAX_REQUEST_BYTES) return undefined;
    const count = bytes / SECTOR_SIZE;
    return sector + count <= this.backend.sectors ? count : undefined;
  }

  readSectors(request: Request): Outcome {
    const length = totalLength(request.data);
    const count = this.sectorsFor(request.sector, length);
    if (count === undefined) return { status: BlkStatus.IOERR, written: 0 };
    const fault = writeBuffers(this.host!.dma, request.data, this.backend.read(request.sector, count));
    if (fault) {
      this.host!.dmaFault(fault);
      return { status: BlkStatus.IOERR, written: 0 };
    }
    this.stats.reads++;
    this.stats.bytesRead += length;
    return { status: BlkStatus.OK, written: length };
  }

  writeSectors(request: Request): Outcome {
    const count = this.sectorsFor(request.sector, request.out.length);
    if (this.backend.readOnly || count === undefined) return { status: BlkStatus.IOERR, written: 0 };
    this.backend.write(request.sector, request.out.slice());
    this.stats.writes++;
    this.stats.bytesWritten += request.out.length;
    return { status: BlkStatus.OK, written: 0 };
  }

  flush(): Outcome {
    this.backend.flush();
    this.stats.flushes++;
    return { status: BlkStatus.OK, written: 0 };
  }

  getId(request: Request): Outcome {
    const id = new Uint8Array(ID_BYTES);
    const name = this.backend.name.split(/[\\/]/).pop() ?? 'disk';
    for (let i = 0; i < Math.min(ID_BYTES, name.length); i++) id[i] = name.charCodeAt(i) & 0x7f;
    const length = Math.min(ID_BYTES, totalLength(request.data));
    const fault = writeBuffers(this.host!.dma, request.data, id.subarray(0, length));
    if (fault) {
      this.host!.dmaFault(fault);
      return { status: BlkStatus.IOERR, written: 0 };
    }
    this.stats.getIds++;
    return { status: BlkStatus.OK, written: length };
  }

  describe(): Record<string, unknown> {
    const overlay = this.backend as { dirtySectors?: number };
    return { image: this.backend.name, sectors: this.backend.sectors, readOnly: this.backend.readOnly, ...this.stats, ...(overlay.dirtySectors !== undefined ? { overlaySectors: overlay.dirtySectors } : {}) };
  }

  saveState(): unknown {
    return { stats: { ...this.stats }, backend: this.backend.saveState?.() };
  }

  restoreState(state: unknown): void {
    const s = state as { stats: BlockStats; backend: unknown };
    this.stats = { ...s.stats };
    if (s.backend !== undefined) this.backend.restoreState?.(s.backend);
  }
}

/** The writable buffers without their last byte (the data), and that byte (the status). */
function splitStatus(writable: readonly BufferSegment[]): [BufferSegment[], BufferSegment] {
  const segments = writable.filter((s) => s.length > 0);
  const last = segments[segments.length - 1]!;
  const data = segments.slice(0, -1);
  if (last.length > 1) data.push({ address: last.address, length: last.length - 1 });
  return [data, { address: last.address + last.length - 1, length: 1 }];
}
