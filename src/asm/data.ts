// Data directives (db/dw/dd/dq/…): numbers, characters and strings, little-endian.
import { evaluate, type EvalContext } from './expr';
import type { DataItem } from './statement';

/** Size in bytes of a data statement (independent of symbol values). */
export function dataSize(unit: number, items: DataItem[]): number {
  let size = 0;
  for (const item of items) size += item.text !== undefined ? Math.max(1, Math.ceil(item.text.length / unit)) * unit : unit;
  return size;
}

/** Emits a data statement into `out` at `offset`. Warns when a value does not fit. */
export function emitData(unit: number, items: DataItem[], ctx: EvalContext & { warn(message: string, start: number, end: number): void; focus(start: number, end: number): void }, out: Uint8Array, offset: number): void {
  let at = offset;
  for (const item of items) {
    if (item.text !== undefined) {
      const padded = Math.max(1, Math.ceil(item.text.length / unit)) * unit;
      for (let i = 0; i < item.text.length; i++) out[at + i] = item.text.charCodeAt(i) & 0xff;
      at += padded;
      continue;
    }
    if (item.expr === undefined) continue;
    ctx.focus(item.start, item.end);
    const value = evaluate(item.expr, ctx)?.value ?? 0n;
    if (unit < 8) {
      const bits = BigInt(unit * 8);
      if (value < -(1n << (bits - 1n)) || value >= 1n << bits) ctx.warn(`value ${value} does not fit in ${unit * 8} bits`, item.start, item.end);
    }
    let v = BigInt.asUintN(Math.min(unit, 8) * 8, value);
    for (let i = 0; i < unit; i++) {
      out[at + i] = i < 8 ? Number(v & 0xffn) : 0;
      v >>= 8n;
    }
    at += unit;
  }
}
