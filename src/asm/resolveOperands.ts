// An instruction's operands with the values their expressions have in this pass. A line
// looked at again (the next pass) gets its previous resolution back, unallocated, when
// every value is what it was: then its form, size and template are what they were.
import { Register } from 'iced-x86';
import { evaluate, type EvalContext, type Value } from './expr';
import type { ImmOperand, MemOperand, Operand } from './operands';
import type { ResolvedOperand } from './encode/operandMatch';

export interface ResolveContext extends EvalContext {
  bitness: 16 | 32 | 64;
  defaultRel: boolean;
  /** Columns that errors reported through `error` refer to until the next call. */
  focus(start: number, end: number): void;
}

/** Stands in for a value not known yet (a forward reference). */
const PLACEHOLDER: Value = { value: 0n, reloc: 1 };
const NO_DISPLACEMENT: Value = { value: 0n, reloc: 0 };

/** The size of the first sized immediate (a memory operand without a size takes it), else 0. */
function immediateSize(operands: readonly Operand[]): number {
  for (const op of operands) if (op.kind === 'imm' && op.size !== 0) return op.size;
  return 0;
}

/** Evaluates the operand's expression (undefined: not known yet), with errors pointing at it. */
function valueOf(op: ImmOperand | MemOperand, ctx: ResolveContext): Value | undefined {
  ctx.focus(op.start, op.end);
  if (op.kind === 'imm') return evaluate(op.expr, ctx);
  return op.disp === undefined ? NO_DISPLACEMENT : evaluate(op.disp, ctx);
}

function isRipRelative(op: MemOperand, ctx: ResolveContext): boolean {
  const noRegisters = op.base === undefined && op.index === undefined;
  const segmentAllowsRel = op.segment === undefined || (op.segment.reg !== Register.FS && op.segment.reg !== Register.GS);
  return op.base?.cls === 'ip' || (ctx.bitness === 64 && noRegisters && op.addressSize !== 8 && (op.rel === true || (ctx.defaultRel && op.rel !== false && segmentAllowsRel)));
}

function build(op: ImmOperand | MemOperand, value: Value | undefined, immSize: number, ctx: ResolveContext): ResolvedOperand {
  if (op.kind === 'imm') {
    const v = value ?? PLACEHOLDER;
    return { kind: 'imm', value: v.value, reloc: v.reloc, known: value !== undefined, size: op.size, strict: op.strict, start: op.start, end: op.end };
  }
  const v = value ?? PLACEHOLDER;
  const src = op.base?.cls === 'ip' ? { ...op, base: undefined } : op;
  return { kind: 'mem', src, size: op.size || immSize, disp: v.value, dispReloc: v.reloc, ripRelative: isRipRelative(op, ctx) };
}

/** Whether `before` is what build() would make of `op` with `value`. */
function same(before: ResolvedOperand, op: ImmOperand | MemOperand, value: Value | undefined, immSize: number, ctx: ResolveContext): boolean {
  const v = value ?? PLACEHOLDER;
  if (op.kind === 'imm') return before.kind === 'imm' && before.known === (value !== undefined) && before.value === v.value && before.reloc === v.reloc;
  return before.kind === 'mem' && before.disp === v.value && before.dispReloc === v.reloc && before.size === (op.size || immSize) && before.ripRelative === isRipRelative(op, ctx);
}

/** Resolves `operands` (registers stand for themselves); `previous` itself when given and every value is unchanged. */
export function resolveOperands(operands: readonly Operand[], ctx: ResolveContext, previous?: ResolvedOperand[]): ResolvedOperand[] {
  const immSize = immediateSize(operands);
  if (previous === undefined || previous.length !== operands.length) return operands.map((op) => (op.kind === 'reg' ? op : build(op, valueOf(op, ctx), immSize, ctx)));
  let out: ResolvedOperand[] | undefined;
  for (let i = 0; i < operands.length; i++) {
    const op = operands[i] as Operand;
    if (op.kind === 'reg') {
      if (out === undefined && previous[i] !== op) out = previous.slice(0, i);
      out?.push(op);
      continue;
    }
    const value = valueOf(op, ctx);
    if (out === undefined) {
      if (same(previous[i] as ResolvedOperand, op, value, immSize, ctx)) continue;
      out = previous.slice(0, i);
    }
    out.push(build(op, value, immSize, ctx));
  }
  return out ?? previous;
}
