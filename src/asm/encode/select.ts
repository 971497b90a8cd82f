// Chooses the iced Code nasm would choose for a mnemonic and operands: every matching
// form is encoded and the shortest wins (ties: lowest Code, i.e. the `rm, reg` forms
// nasm lists first). The choice depends only on the operands' shape, so it is cached.
import type { Candidate } from './candidates';
import { candidatesFor } from './candidates';
import { createInstruction, encodeInstruction, type Prefixes } from './build';
import { operandFits, type ResolvedOperand } from './operandMatch';
import { Code, OpCodeOperandKind as K, Register } from 'iced-x86';

export interface Choice {
  candidate: Candidate;
  /** Operands in the order iced expects (xchg/test may swap them). */
  swapped: boolean;
}

const STACK_MNEMONICS = new Set(['push', 'pop', 'ret', 'retf', 'call', 'jmp', 'enter', 'leave']);

const cache = new Map<string, Choice | string>();

function operandKey(op: ResolvedOperand): string {
  if (op.kind === 'reg') return `r${op.info.reg}`;
  if (op.kind === 'mem') {
    const m = op.src;
    const pure = m.base === undefined && m.index === undefined ? `p${m.addressSize}` : 'x';
    return `m${op.size}${pure}${op.ripRelative ? 'R' : ''}`;
  }
  const suffix = op.strict ? `${op.size}s` : String(op.size);
  if (!op.known) return `iU${suffix}`;
  if (op.reloc !== 0) return `iL${suffix}`;
  return `i${valueClass(op.value)}${suffix}`;
}

/** Value → '1' | range d/u/q | a (imm8 after 16-bit truncation) | b (after 32-bit), without BigInt arithmetic for 32-bit values. */
function valueClass(v: bigint): string {
  if (v >= -0x80000000n && v <= 0xffffffffn) {
    const n = Number(v);
    const low16 = (n << 16) >> 16;
    const low32 = n | 0;
    return `${n === 1 ? '1' : ''}${n <= 0x7fffffff ? 'd' : 'u'}${low16 >= -128 && low16 <= 127 ? 'a' : ''}${low32 >= -128 && low32 <= 127 ? 'b' : ''}`;
  }
  const s16 = BigInt.asIntN(16, v);
  const s32 = BigInt.asIntN(32, v);
  return `q${s16 >= -128n && s16 <= 127n ? 'a' : ''}${s32 >= -128n && s32 <= 127n ? 'b' : ''}`;
}

function sizeGiven(operands: ResolvedOperand[]): number {
  for (const op of operands) if (op.kind === 'reg' && op.info.cls === 'gpr') return op.info.size;
  for (const op of operands) if (op.kind !== 'reg' && op.size !== 0) return op.size;
  return 0;
}

/** What the choice of form depends on: mode, mnemonic, registers, sizes and the classes of immediate values. */
export function formKey(mnemonic: string, operands: ResolvedOperand[], bitness: number): string {
  let key = `${bitness}${mnemonic}`;
  for (const op of operands) key += ',' + operandKey(op);
  return key;
}

/** The form already chosen for formKey() `key`, if any. */
export function cachedChoice(key: string): Choice | undefined {
  const cached = cache.get(key);
  return typeof cached === 'string' ? undefined : cached;
}

/** The form to use, or an error message mentioning `text`. `key` is formKey() of the same arguments. */
export function chooseForm(mnemonic: string, operands: ResolvedOperand[], bitness: number, text: string, key = formKey(mnemonic, operands, bitness)): Choice | string {
  const cached = cache.get(key);
  if (cached !== undefined) return cached;
  const choice = computeChoice(mnemonic, operands, bitness, text);
  if (typeof choice !== 'string') cache.set(key, choice);
  return choice;
}

function availableIn(c: Candidate, bitness: number): boolean {
  return bitness === 64 ? c.mode64 : bitness === 32 ? c.mode32 : c.mode16;
}

function computeChoice(mnemonic: string, operands: ResolvedOperand[], bitness: number, text: string): Choice | string {
  const strict = computeChoiceWith(mnemonic, operands, bitness, text, false);
  // Only when nothing else fits may a 64-bit operation take an immediate that is not a signed dword (nasm warns).
  return typeof strict === 'string' && !strict.startsWith('unknown') ? computeChoiceWith(mnemonic, operands, bitness, text, true) : strict;
}

function computeChoiceWith(mnemonic: string, operands: ResolvedOperand[], bitness: number, text: string, lenient: boolean): Choice | string {
  const all = candidatesFor(mnemonic).filter((c) => availableIn(c, bitness) && c.kinds.length === operands.length && !c.far);
  if (all.length === 0) return candidatesFor(mnemonic).length === 0 ? `unknown instruction '${mnemonic}'` : `invalid combination of opcode and operands: ${text}`;
  const orders: boolean[] = mnemonic === 'xchg' && operands.length === 2 ? [true, false] : mnemonic === 'test' ? [false, true] : [false];
  let matches: Choice[] = [];
  // nasm loads an address (or a not yet known value) into a 64-bit register with the full imm64 form.
  const [dst, src] = operands;
  const wantsImm64 = mnemonic === 'mov' && dst?.kind === 'reg' && src?.kind === 'imm' && (!src.known || src.reloc !== 0);
  for (const swapped of orders) {
    const ops = swapped ? [...operands].reverse() : operands;
    for (const candidate of all) {
      if (wantsImm64 && candidate.kinds[1] === K.imm32sex64) continue;
      if (!candidate.kinds.every((kind, i) => operandFits(ops[i] as ResolvedOperand, kind, bitness, false, lenient))) continue;
      // xchg eax, eax is not a nop in 64-bit mode (it clears the upper halves): nasm uses 87 c0.
      if (candidate.code === Code.Xchg_r32_EAX && bitness === 64 && isXchgEaxEax(ops)) continue;
      matches.push({ candidate, swapped });
    }
  }
  if (matches.length === 0) {
    const relaxed = all.some((c) => c.kinds.every((kind, i) => operandFits(operands[i] as ResolvedOperand, kind, bitness, true)));
    return relaxed ? `operand size mismatch: ${text}` : `invalid combination of opcode and operands: ${text}`;
  }
  const given = sizeGiven(operands);
  if (given === 0) {
    const stackSize = bitness === 64 ? 8 : bitness / 8;
    if (mnemonic === 'push' || mnemonic === 'pop') {
      const stackSized = matches.filter((m) => m.candidate.size === stackSize);
      if (stackSized.length > 0) matches = stackSized;
    }
    const sizes = new Set(matches.map((m) => m.candidate.size));
    const memSizes = new Set(matches.map((m) => m.candidate.memSize));
    if (sizes.size > 1) {
      const stackDefault = mnemonic === 'call' || mnemonic === 'jmp' ? matches.filter((m) => m.candidate.size === stackSize) : [];
      if (stackDefault.length > 0) matches = stackDefault;
      else if (operands.some((op) => op.kind === 'mem') && memSizes.size > 1) return `operation size not specified: ${text}`;
      const defaultSize = STACK_MNEMONICS.has(mnemonic) ? stackSize : bitness === 16 ? 2 : 4;
      const preferred = matches.filter((m) => m.candidate.size === defaultSize);
      if (preferred.length > 0) matches = preferred;
    }
  } else {
    const sized = matches.filter((m) => m.candidate.size === given || m.candidate.size === 0);
    if (sized.length > 0 && operands.every((op) => op.kind !== 'reg' || op.info.cls !== 'gpr')) matches = sized;
  }
  if (matches.length === 1) return matches[0] as Choice;
  return shortest(matches, operands, bitness) ?? `invalid combination of opcode and operands: ${text}`;
}

function isXchgEaxEax(ops: ResolvedOperand[]): boolean {
  return ops.every((op) => op.kind === 'reg' && op.info.reg === Register.EAX);
}

/** nasm picks the sign-extended imm8 form over an accumulator form of the same length. */
function prefersImm8(c: Candidate): boolean {
  return c.kinds.some((k) => k === K.imm8sex16 || k === K.imm8sex32 || k === K.imm8sex64);
}

const NONE: Prefixes = { lock: false, rep: false, repne: false };

function shortest(matches: Choice[], operands: ResolvedOperand[], bitness: number): Choice | undefined {
  let best: Choice | undefined;
  let bestLength = Infinity;
  for (const m of matches) {
    const ops = m.swapped ? [...operands].reverse() : operands;
    let length: number;
    try {
      length = encodeInstruction(createInstruction(m.candidate.code, ops, m.candidate.kinds, bitness), bitness, 0n, NONE).length;
    } catch {
      continue;
    }
    if (length < bestLength || (length === bestLength && best !== undefined && prefersImm8(m.candidate) && !prefersImm8(best.candidate))) {
      best = m;
      bestLength = length;
    }
  }
  return best;
}
