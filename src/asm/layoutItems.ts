// Per-line layout state: what an item remembers between passes, and whether a statement
// depends on symbols or the location counter (then it must be looked at in every pass).
import type { Expr } from './expr';
import { type InstructionState, newInstructionState } from './instruction';
import type { Statement } from './statement';

export interface Item {
  state: InstructionState;
  size: number;
  /** Whether the statement's bytes depend on symbols or the address (computed on first use). */
  symbolic?: boolean;
  /** Bytes of an instruction that depends on no symbol, and what its encoding reported. */
  fixed?: Uint8Array;
  fixedReports?: Report[];
}

/** A diagnostic kept for the final pass; columns are relative to the instruction's start. */
export interface Report {
  message: string;
  start: number;
  end: number;
  severity: 'error' | 'warning';
}

/** Bytes and reports of an instruction without symbols; same text and mode, same bytes. */
export interface FixedEncoding {
  bytes: Uint8Array;
  reports?: Report[];
}

/** A fresh item, every field present so that all items share one shape. */
export function newItem(): Item {
  return { state: newInstructionState(), size: 0, symbolic: undefined, fixed: undefined, fixedReports: undefined };
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
