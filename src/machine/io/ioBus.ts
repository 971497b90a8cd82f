/**
 * The I/O port space (64 K byte ports). Devices claim port ranges; reads of unclaimed
 * ports return all ones, writes are dropped.
 */

export interface PortHandler {
  readonly name: string;
  /** Reads `size` bytes (1, 2 or 4) at `port`. */
  in(port: number, size: number): number;
  out(port: number, size: number, value: number): void;
}

export class IoBus {
  private readonly handlers: (PortHandler | undefined)[] = new Array<PortHandler | undefined>(0x10000);
  private readonly claimed: { first: number; last: number; handler: PortHandler }[] = [];

  register(first: number, count: number, handler: PortHandler): void {
    for (let port = first; port < first + count; port++) {
      const existing = this.handlers[port];
      if (existing) throw new RangeError(`port 0x${port.toString(16)} is already claimed by ${existing.name}`);
      this.handlers[port] = handler;
    }
    this.claimed.push({ first, last: first + count - 1, handler });
  }

  handlerAt(port: number): PortHandler | undefined {
    return this.handlers[port & 0xffff];
  }

  in(port: number, size: number): number {
    const handler = this.handlers[port & 0xffff];
    if (!handler) return size === 4 ? 0xffffffff : (1 << (size * 8)) - 1;
    return handler.in(port & 0xffff, size) >>> 0;
  }

  out(port: number, size: number, value: number): void {
    this.handlers[port & 0xffff]?.out(port & 0xffff, size, value);
  }

  get devices(): readonly { first: number; last: number; handler: PortHandler }[] {
    return this.claimed;
  }
}
