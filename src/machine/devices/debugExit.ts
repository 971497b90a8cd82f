/**
 * A debug-exit port (like QEMU's isa-debug-exit, default port 0xF4): any write stops the
 * machine with the written value as its exit code. (QEMU's own process status would be
 * value*2+1; we report the value itself.)
 */
import type { PortHandler } from '../io/ioBus';

export const DEBUG_EXIT_PORT = 0xf4;

export class DebugExit implements PortHandler {
  readonly name = 'debug-exit';

  constructor(private readonly onExit: (code: number) => void) {}

  in(): number {
    return 0xffffffff;
  }

  out(_port: number, size: number, value: number): void {
    this.onExit(size === 4 ? value >>> 0 : value & ((1 << (size * 8)) - 1));
  }
}
