// Per-line layout state: what an item remembers between passes, and whether a statement
// depends on symbols or the location counter (then it must be looked at in every pass).
import type { Expr } from './expr';
import type { InstructionState } from './instruction';
import type { Statement } from './statement';

export interface Item {
  /** Instructions only, made on first use. */
  state: InstructionState | undefined;
  size: number;
  /** Whether the statement's bytes depend on symbols or the address (computed on first use). */
  symbolic?: boolean;
  /** Bytes of an instruction that depends on no symbol (at `fixedAt` in the layout's ByteArena, -1 if none), and what its encoding reported. */
  fixedAt: number;
  fixedLength: number;
  fixedReports?: Report[];
}

/** A diagnostic kept for the final pass; columns are relative to the instruction's start. */
export interface Report {
  message: string;
  start: number;
  end: number;
  severity: 'error' | 'warning';
}

/** A fresh item, every field present so that all items share one shape. */
export function newItem(): Item {
  return { state: undefined, size: 0, symbolic: undefined, fixedAt: -1, fixedLength: 0, fixedReports: undefined };
}

/** Bytes of many short encodings back to back: one buffer kept through the passes instead of an array per line. */
export class ByteArena {
  bytes = new Uint8Array(4096);
  size = 0;

  /** Appends `data`; returns where it starts. */
  add(data: Uint8Array): number {
    if (this.size + data.length > this.bytes.length) {
      const grown = new Uint8Array(Math.max(this.bytes.length * 2, this.size + data.length));
      grown.set(this.bytes.subarray(0, this.size));
      this.bytes = grown;
    }
    const at = this.size;
    this.bytes.set(data, at);
    this.size += data.length;
    return at;
  }

  /** Copies `length` bytes from `at` into `out` at `offset`. */
  copy(at: number, length: number, out: Uint8Array, offset: number): void {
    const bytes = this.bytes;
    for (let i = 0; i < length; i++) out[offset + i] = bytes[at + i] as number;
  }
}

/** Whether an instruction's bytes depend on symbols or its address (other statements: always looked at). */
export function hasSymbols(stmt: Statement): boolean {
  if (stmt.k !== 'insn') return true;
  for (const op of stmt.operands) {
    if (op.kind === 'imm' && usesLocation(op.expr)) return true;
    // An address without registers may become RIP-relative (default rel): it depends on `$`.
    if (op.kind === 'mem' && ((op.disp !== undefined && usesLocation(op.disp)) || (op.base === undefined && op.index === undefined))) return true;
  }
  return false;
}

/** Whether an expression depends on symbols or the location counter. */
export function usesLocation(e: Expr): boolean {
  switch (e.k) {
    case 'num':
    case 'reg':
      return false;
    case 'un':
      return usesLocation(e.a);
    case 'bin':
      return usesLocation(e.a) || usesLocation(e.b);
    case 'cond':
      return usesLocation(e.c) || usesLocation(e.a) || usesLocation(e.b);
    default:
      return true;
  }
}
