// One instruction statement → bytes, given the values its expressions have in this pass.
// Applies nasm's rewrites first (mov r64,imm32 → mov r32; imul r,imm → imul r,r,imm;
// movsx r64,r/m32 → movsxd; pushf → pushfq...), then picks the form and encodes it.
import { Instruction, Register } from 'iced-x86';
import { evaluate, type EvalContext, type Value } from './expr';
import type { Operand } from './operands';
import { registerByName } from './registers';
import { canonicalMnemonic } from './encode/candidates';
import { createInstruction, encodeInstruction, type Prefixes } from './encode/build';
import { immediateBits, type ResolvedOperand } from './encode/operandMatch';
import { chooseForm } from './encode/select';
import { branchForms, branchLength, createStringInstruction, isStringInstruction } from './encode/special';

export interface InstructionState {
  /** Branches: whether the near (rel16/32) form is in use. Grows only. */
  near?: boolean;
}

export interface EncodeContext extends EvalContext {
  bitness: 16 | 32 | 64;
  defaultRel: boolean;
  /** Final pass: unknown symbols are errors and bytes are needed. */
  final: boolean;
  warn(message: string): void;
}

export interface EncodedInstruction {
  bytes?: Uint8Array;
  length: number;
}

function prefixesOf(names: string[]): Prefixes {
  return {
    lock: names.includes('lock'),
    rep: names.includes('rep') || names.includes('repe') || names.includes('repz'),
    repne: names.includes('repne') || names.includes('repnz'),
  };
}

function evaluateOrPlaceholder(expr: Parameters<typeof evaluate>[0], ctx: EncodeContext): { value: Value; known: boolean } {
  const value = evaluate(expr, ctx);
  return value === undefined ? { value: { value: 0n, reloc: 1 }, known: false } : { value, known: true };
}

function resolve(operands: Operand[], ctx: EncodeContext): ResolvedOperand[] {
  const immSize = operands.find((op) => op.kind === 'imm' && op.size !== 0)?.size ?? 0;
  return operands.map((op): ResolvedOperand => {
    if (op.kind === 'reg') return op;
    if (op.kind === 'imm') {
      const { value, known } = evaluateOrPlaceholder(op.expr, ctx);
      return { kind: 'imm', value: value.value, reloc: value.reloc, known, size: op.size, strict: op.strict };
    }
    const { value } = op.disp === undefined ? { value: { value: 0n, reloc: 0 } } : evaluateOrPlaceholder(op.disp, ctx);
    const noRegisters = op.base === undefined && op.index === undefined;
    const segmentAllowsRel = op.segment === undefined || (op.segment.reg !== Register.FS && op.segment.reg !== Register.GS);
    const ripRelative = (op.base?.cls === 'ip') || (ctx.bitness === 64 && noRegisters && op.addressSize !== 8 && (op.rel === true || (ctx.defaultRel && op.rel !== false && segmentAllowsRel)));
    const src = op.base?.cls === 'ip' ? { ...op, base: undefined } : op;
    return { kind: 'mem', src, size: op.size || immSize, disp: value.value, dispReloc: value.reloc, ripRelative };
  });
}

/** Instructions that only read a 16-bit selector/value: nasm encodes `lldt ax` without a 66 prefix. */
const SELECTOR_LOADS = new Set(['lldt', 'ltr', 'lmsw', 'verr', 'verw']);

/** nasm's operand rewrites before form selection. */
function rewrite(mnemonic: string, ops: ResolvedOperand[], bitness: number): { mnemonic: string; ops: ResolvedOperand[] } {
  const [a, b] = ops;
  if (mnemonic === 'mov' && a?.kind === 'reg' && a.info.cls === 'gpr' && a.info.size === 8 && b?.kind === 'imm' && b.known && b.reloc === 0 && !b.strict && b.value >= 0n && b.value <= 0xffffffffn) {
    const narrow = registerByName(a.info.name.startsWith('r') && /^r\d+$/.test(a.info.name) ? `${a.info.name}d` : `e${a.info.name.slice(1)}`);
    if (narrow !== undefined) return { mnemonic, ops: [{ ...a, info: narrow, size: 4 }, b] };
  }
  if (mnemonic === 'imul' && ops.length === 2 && a?.kind === 'reg' && b?.kind === 'imm') return { mnemonic, ops: [a, a, b] };
  if (mnemonic === 'movsx' && a?.kind === 'reg' && a.info.size === 8 && b !== undefined && b.kind !== 'imm' && (b.kind === 'reg' ? b.info.size === 4 : b.size === 4)) return { mnemonic: 'movsxd', ops };
  if (mnemonic === 'pushf' || mnemonic === 'popf') return { mnemonic: bitness === 64 ? `${mnemonic}q` : bitness === 32 ? `${mnemonic}d` : mnemonic, ops };
  if (SELECTOR_LOADS.has(mnemonic) && a?.kind === 'reg' && a.info.cls === 'gpr' && a.info.size === 2) {
    const wide = registerByName(/^r\d+w$/.test(a.info.name) ? a.info.name.slice(0, -1) + 'd' : `e${a.info.name}`);
    if (wide !== undefined) return { mnemonic, ops: [{ ...a, info: wide, size: 4 }] };
  }
  if (mnemonic === 'mov' && a?.kind === 'reg' && a.info.cls === 'segment' && b?.kind === 'reg' && b.info.size === 2) {
    const wide = registerByName(/^r\d+w$/.test(b.info.name) ? b.info.name.slice(0, -1) + 'd' : `e${b.info.name}`);
    if (wide !== undefined) return { mnemonic, ops: [a, { ...b, info: wide, size: 4 }] };
  }
  if (SELECTOR_LOADS.has(mnemonic) && a?.kind === 'mem') return { mnemonic, ops: [{ ...a, size: 0 }] };
  if (mnemonic === 'iret') return { mnemonic: bitness === 16 ? 'iret' : 'iretd', ops };
  return { mnemonic: canonicalMnemonic(mnemonic), ops };
}

function fitsSigned(value: bigint, bits: number): boolean {
  const limit = 1n << BigInt(bits - 1);
  return value >= -limit && value < limit;
}

/** Warns like nasm when an immediate is truncated. */
function checkImmediates(ops: ResolvedOperand[], kinds: readonly number[], ctx: EncodeContext): void {
  ops.forEach((op, i) => {
    if (op.kind !== 'imm' || !op.known) return;
    const bits = immediateBits(kinds[i] ?? 0);
    if (bits === 0 || bits === 64) return;
    const signedOnly = bits === 32 && kinds[i] === 89; // imm32sex64
    const ok = signedOnly ? fitsSigned(op.value, 32) : op.value >= -(1n << BigInt(bits - 1)) && op.value < 1n << BigInt(bits);
    if (!ok) ctx.warn(`value ${op.value} does not fit in ${bits} bits`);
  });
}

/** Encodes (or, before the final pass, sizes) one instruction. Throws Error(message) on user errors. */
export function encodeStatement(stmt: { mnemonic: string; prefixes: string[]; operands: Operand[]; text: string }, state: InstructionState, ctx: EncodeContext, ip: bigint): EncodedInstruction {
  const prefixes = prefixesOf(stmt.prefixes);
  const bitness = ctx.bitness;
  if (isStringInstruction(stmt.mnemonic) && stmt.operands.length === 0) {
    const rep = prefixes.rep ? 'rep' : prefixes.repne ? 'repne' : 'none';
    const instruction = createStringInstruction(stmt.mnemonic, bitness, rep);
    if (instruction === undefined) throw new Error(`${stmt.mnemonic} is not available in ${bitness}-bit mode`);
    const bytes = encodeInstruction(instruction, bitness, ip, { ...prefixes, rep: false, repne: false });
    // nasm writes the rep prefix before the operand-size prefix (f3 66 a5); iced the other way round.
    if (bytes[0] === 0x66 && (bytes[1] === 0xf3 || bytes[1] === 0xf2)) [bytes[0], bytes[1]] = [bytes[1], 0x66];
    return { bytes, length: bytes.length };
  }
  const forms = branchForms(canonicalMnemonic(stmt.mnemonic), bitness);
  const target = stmt.operands[0];
  if (forms !== undefined && stmt.operands.length === 1 && target?.kind === 'imm' && target.jump !== 'far') {
    return encodeBranch(forms, target, state, ctx, ip, prefixes);
  }
  const resolved = resolve(stmt.operands, ctx);
  const { mnemonic, ops } = rewrite(stmt.mnemonic.toLowerCase(), resolved, bitness);
  const choice = chooseForm(mnemonic, ops, bitness, stmt.text);
  if (typeof choice === 'string') throw new Error(choice);
  const ordered = choice.swapped ? [...ops].reverse() : ops;
  if (ctx.final) checkImmediates(ordered, choice.candidate.kinds, ctx);
  const bytes = encodeInstruction(createInstruction(choice.candidate.code, ordered, choice.candidate.kinds, bitness), bitness, ip, prefixes);
  return { bytes, length: bytes.length };
}

function encodeBranch(forms: ReturnType<typeof branchForms> & object, target: Extract<Operand, { kind: 'imm' }>, state: InstructionState, ctx: EncodeContext, ip: bigint, prefixes: Prefixes): EncodedInstruction {
  const bitness = ctx.bitness;
  const sizeOf = (instruction: Instruction): number => encodeInstruction(instruction, bitness, 0n, prefixes).length;
  const value = evaluate(target.expr, ctx);
  if (forms.short === undefined) state.near = true;
  else if (forms.near === undefined || target.jump === 'short') state.near = false;
  else if (target.jump === 'near') state.near = true;
  else if (value !== undefined && !state.near) {
    const shortLength = branchLength(forms.short, sizeOf);
    const displacement = BigInt.asIntN(bitness, value.value - (ip + BigInt(shortLength)));
    if (displacement < -128n || displacement > 127n) state.near = true;
  }
  const code = state.near ? forms.near : forms.short;
  if (code === undefined) throw new Error('no encoding for this branch');
  const length = branchLength(code, sizeOf);
  if (!ctx.final) return { length };
  if (value === undefined) throw new Error(''); // already reported as an undefined symbol
  if (!state.near) {
    const displacement = BigInt.asIntN(bitness, value.value - (ip + BigInt(length)));
    if (displacement < -128n || displacement > 127n) throw new Error(`short jump is out of range (${displacement} bytes)`);
  }
  const mask = bitness === 64 ? value.value : BigInt.asUintN(bitness, value.value);
  const bytes = encodeInstruction(Instruction.createBranch(code, BigInt.asUintN(64, mask)), bitness, ip, prefixes);
  return { bytes, length: bytes.length };
}
