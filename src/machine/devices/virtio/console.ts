/**
 * virtio-console (device id 3; fact sheet §8.6), port 0 only: transmitq bytes go to the
 * machine's console (the sink the serial port uses, so the debug console shows them);
 * bytes the debugger sends wait in an input queue until the driver posts receiveq
 * buffers. Config: cols u16 @0, rows u16 @2, max_nr_ports u32 @4, emerg_wr u32 @8
 * (VIRTIO_CONSOLE_F_EMERG_WRITE: a byte written there goes out at once).
 */
import { isDmaFault } from '../dma';
import { DeviceId } from './constants';
import { readConfigBytes, type VirtioDevice, type VirtioDeviceHost } from './device';
import { readBuffers, totalLength, writeBuffers } from './splitQueue';

export const ConsoleQueue = { RECEIVE: 0, TRANSMIT: 1 } as const;
const F_EMERG_WRITE = 1n << 2n;
const QUEUE_SIZE = 256;
const EMERG_WR = 8;
/** Bytes one transmit chain may carry (Linux sends at most a page); more needs a reset. */
export const MAX_TRANSMIT_BYTES = 64 * 1024;

interface ConsoleState {
  input: number[];
  transmitted: number;
  received: number;
}

export class VirtioConsole implements VirtioDevice {
  readonly deviceId = DeviceId.CONSOLE;
  readonly kind = 'console';
  readonly features = F_EMERG_WRITE;
  readonly queueSizes = [QUEUE_SIZE, QUEUE_SIZE];
  private host: VirtioDeviceHost | undefined;
  private input: number[] = [];
  private transmitted = 0;
  private received = 0;
  private readonly config = new Uint8Array(12);

  constructor(
    private readonly sink: (byte: number) => void,
    cols = 80,
    rows = 25,
  ) {
    const view = new DataView(this.config.buffer);
    view.setUint16(0, cols, true);
    view.setUint16(2, rows, true);
    view.setUint32(4, 1, true);
  }

  attach(host: VirtioDeviceHost): void {
    this.host = host;
  }

  /** Bytes from the debugger (debug-console input) for the guest's receiveq. */
  receive(bytes: Iterable<number>): void {
    for (const b of bytes) this.input.push(b & 0xff);
    this.fillReceiveBuffers();
  }

  get pendingInput(): number {
    return this.input.length;
  }

  readConfig(offset: number, size: number): number {
    return readConfigBytes(this.config, offset, size);
  }

  writeConfig(offset: number, _size: number, value: number): void {
    if (offset === EMERG_WR) {
      this.transmitted++;
      this.sink(value & 0xff);
    }
  }

  notify(queue: number): void {
    if (queue === ConsoleQueue.TRANSMIT) this.transmit();
    else if (queue === ConsoleQueue.RECEIVE) this.fillReceiveBuffers();
  }

  driverReady(): void {
    this.fillReceiveBuffers();
  }

  reset(): void {}

  private transmit(): void {
    const host = this.host!;
    for (let chain = host.next(ConsoleQueue.TRANSMIT); chain; chain = host.next(ConsoleQueue.TRANSMIT)) {
      const length = totalLength(chain.readable);
      if (length > MAX_TRANSMIT_BYTES) return host.fail(`transmitq: the chain from descriptor ${chain.head} carries ${length} bytes, more than ${MAX_TRANSMIT_BYTES}`);
      const data = readBuffers(host.dma, chain.readable);
      if (isDmaFault(data)) {
        host.dmaFault(data);
        return host.fail(`transmitq: a buffer of the chain from descriptor ${chain.head} is not reachable by DMA`);
      }
      for (const byte of data) this.sink(byte);
      this.transmitted += data.length;
      host.complete(ConsoleQueue.TRANSMIT, chain.head, 0);
    }
  }

  private fillReceiveBuffers(): void {
    const host = this.host;
    if (!host) return;
    while (this.input.length > 0) {
      const chain = host.next(ConsoleQueue.RECEIVE);
      if (!chain) return;
      const bytes = Uint8Array.from(this.input.slice(0, totalLength(chain.writable)));
      const fault = writeBuffers(host.dma, chain.writable, bytes);
      if (fault) {
        host.dmaFault(fault);
        return host.fail(`receiveq: a buffer of the chain from descriptor ${chain.head} is not reachable by DMA`);
      }
      this.input.splice(0, bytes.length);
      this.received += bytes.length;
      host.complete(ConsoleQueue.RECEIVE, chain.head, bytes.length);
    }
  }

  describe(): Record<string, unknown> {
    return { bytesTransmitted: this.transmitted, bytesReceived: this.received, pendingInput: this.input.length };
  }

  saveState(): ConsoleState {
    return { input: [...this.input], transmitted: this.transmitted, received: this.received };
  }

  restoreState(state: unknown): void {
    const s = state as ConsoleState;
    this.input = [...s.input];
    this.transmitted = s.transmitted;
    this.received = s.received;
  }
}
