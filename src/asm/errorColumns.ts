// Which columns an instruction error points at: the operand whose size disagrees, the
// memory operand that needs a size, all operands, or the mnemonic — not the whole line.
import type { Operand } from './operands';
import type { InstructionStatement } from './statement';

/** An error the layout reports at columns `start`..`end` of the line. */
export class LocatedError extends Error {
  constructor(
    message: string,
    readonly start: number,
    readonly end: number,
  ) {
    super(message);
  }
}

function sizeOf(op: Operand): number {
  return op.kind === 'reg' ? (op.info.cls === 'gpr' ? op.info.size : 0) : op.size;
}

/** The first operand whose size differs from an earlier operand's. */
function mismatched(operands: readonly Operand[]): Operand | undefined {
  let size = 0;
  for (const op of operands) {
    const own = sizeOf(op);
    if (own === 0) continue;
    if (size === 0) size = own;
    else if (own !== size) return op;
  }
  return undefined;
}

/** `message` about `stmt`, located at the token it is about. */
export function locateInstructionError(message: string, stmt: InstructionStatement): LocatedError {
  const operands = stmt.operands;
  const first = operands[0];
  const last = operands[operands.length - 1];
  let target: { start: number; end: number } | undefined;
  if (message.startsWith('operand size mismatch')) target = mismatched(operands);
  else if (message.startsWith('operation size not specified')) target = operands.find((op) => op.kind === 'mem' && op.size === 0);
  else if (message.startsWith('short jump') || message.startsWith('no encoding for this branch')) target = first;
  else if (message.startsWith('unknown instruction') || message.includes('is not available in')) target = { start: stmt.mnemonicStart, end: stmt.mnemonicEnd };
  if (target === undefined && first !== undefined && last !== undefined) target = { start: first.start, end: last.end };
  target ??= { start: stmt.mnemonicStart, end: stmt.mnemonicEnd };
  return new LocatedError(message, target.start, target.end);
}
