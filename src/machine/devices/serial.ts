/**
 * A 16550-style UART (COM1 at 0x3F8): transmit goes to the console sink, the line
 * status always reports the transmitter empty, received bytes come from an input queue.
 */
import type { PortHandler } from '../io/ioBus';

export const SERIAL_COM1 = 0x3f8;

const LSR_DATA_READY = 0x01;
const LSR_THR_EMPTY = 0x20;
const LSR_TRANSMITTER_EMPTY = 0x40;
const LCR_DLAB = 0x80;

export class Serial16550 implements PortHandler {
  readonly name = 'serial (16550 COM1)';
  private ier = 0;
  private lcr = 0x03;
  private mcr = 0;
  private scratch = 0;
  private divisor = 1;
  private readonly input: number[] = [];
  transmitted = 0;

  constructor(
    private readonly base: number,
    private readonly sink: (byte: number) => void,
  ) {}

  /** Queues bytes for the guest to read (debug console input). */
  receive(bytes: Iterable<number>): void {
    for (const b of bytes) this.input.push(b & 0xff);
  }

  in(port: number, _size: number): number {
    const dlab = (this.lcr & LCR_DLAB) !== 0;
    switch (port - this.base) {
      case 0:
        if (dlab) return this.divisor & 0xff;
        return this.input.shift() ?? 0;
      case 1:
        return dlab ? this.divisor >>> 8 : this.ier;
      case 2:
        return 0xc1; // FIFOs enabled, no interrupt pending
      case 3:
        return this.lcr;
      case 4:
        return this.mcr;
      case 5:
        return LSR_THR_EMPTY | LSR_TRANSMITTER_EMPTY | (this.input.length ? LSR_DATA_READY : 0);
      case 6:
        return 0xb0; // CTS, DSR, DCD
      default:
        return this.scratch;
    }
  }

  out(port: number, _size: number, value: number): void {
    const dlab = (this.lcr & LCR_DLAB) !== 0;
    const byte = value & 0xff;
    switch (port - this.base) {
      case 0:
        if (dlab) this.divisor = (this.divisor & 0xff00) | byte;
        else {
          this.transmitted++;
          this.sink(byte);
        }
        return;
      case 1:
        if (dlab) this.divisor = (this.divisor & 0xff) | (byte << 8);
        else this.ier = byte & 0x0f;
        return;
      case 3:
        this.lcr = byte;
        return;
      case 4:
        this.mcr = byte;
        return;
      case 7:
        this.scratch = byte;
        return;
      default:
        return;
    }
  }
}
