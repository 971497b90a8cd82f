// Chooses the iced Code nasm would choose for a mnemonic and operands: every matching
// form is encoded and the shortest wins (ties: lowest Code, i.e. the `rm, reg` forms
// nasm lists first). The choice depends only on the operands' shape, so it is cached.
import type { Candidate } from './candidates';
import { candidatesFor } from './candidates';
import { createInstruction, encodeInstruction, type Prefixes } from './build';
import { operandFits, type ResolvedOperand } from './operandMatch';
import { Code, OpCodeOperandKind as K, Register } from 'iced-x86';
import { child, type TrieNode, trieRoot } from './intTrie';

export interface Choice {
  candidate: Candidate;
  /** Operands in the order iced expects (xchg/test may swap them). */
  swapped: boolean;
}

const STACK_MNEMONICS = new Set(['push', 'pop', 'ret', 'retf', 'call', 'jmp', 'enter', 'leave']);

/** Choices by form key: mode and mnemonic, then one number per operand (operandKey). */
const cache = trieRoot<Choice>();
const mnemonicIds = new Map<string, number>();

/**
 * What the choice depends on in one operand, as a small integer (low 2 bits: 1 register,
 * 2 memory, 3 immediate): the register; the memory size, whether the address has no
 * registers (then its address size) and RIP-relative; the immediate's size, strict, and
 * unknown / address / value class.
 */
function operandKey(op: ResolvedOperand): number {
  if (op.kind === 'reg') return op.info.reg * 4 + 1;
  if (op.kind === 'mem') {
    const m = op.src;
    const pure = m.base === undefined && m.index === undefined;
    return ((op.size * 2 + (pure ? 1 : 0)) * 128 + (pure ? m.addressSize : 0)) * 8 + (op.ripRelative ? 4 : 0) + 2;
  }
  const status = !op.known ? 32 : op.reloc !== 0 ? 64 : valueClass(op.value);
  return ((op.size * 2 + (op.strict ? 1 : 0)) * 128 + status) * 4 + 3;
}

/**
 * Value → bits: 1 the value is 1, 2 not a dword (q), 4 above 0x7fffffff (u), 8 imm8 after
 * 16-bit truncation (a), 16 after 32-bit (b); without BigInt arithmetic for 32-bit values.
 */
function valueClass(v: bigint): number {
  if (v >= -0x80000000n && v <= 0xffffffffn) {
    const n = Number(v);
    const low16 = (n << 16) >> 16;
    const low32 = n | 0;
    return (n === 1 ? 1 : 0) + (n <= 0x7fffffff ? 0 : 4) + (low16 >= -128 && low16 <= 127 ? 8 : 0) + (low32 >= -128 && low32 <= 127 ? 16 : 0);
  }
  const s16 = BigInt.asIntN(16, v);
  const s32 = BigInt.asIntN(32, v);
  return 2 + (s16 >= -128n && s16 <= 127n ? 8 : 0) + (s32 >= -128n && s32 <= 127n ? 16 : 0);
}

function sizeGiven(operands: ResolvedOperand[]): number {
  for (const op of operands) if (op.kind === 'reg' && op.info.cls === 'gpr') return op.info.size;
  for (const op of operands) if (op.kind !== 'reg' && op.size !== 0) return op.size;
  return 0;
}

/** One form key: what the choice of form depends on (mode, mnemonic, registers, sizes, classes of immediate values). */
export type FormKey = TrieNode<Choice>;

/** The form key of these arguments; equal arguments give the same object. */
export function formKey(mnemonic: string, operands: readonly ResolvedOperand[], bitness: number): FormKey {
  let id = mnemonicIds.get(mnemonic);
  if (id === undefined) mnemonicIds.set(mnemonic, (id = mnemonicIds.size));
  let node = child(cache, id * 4 + (bitness === 64 ? 2 : bitness === 32 ? 1 : 0));
  for (const op of operands) node = child(node, operandKey(op));
  return node;
}

/** The form already chosen for `key`, if any. */
export function cachedChoice(key: FormKey): Choice | undefined {
  return key.value;
}

/** The form to use, or an error message mentioning `text`. `key` is formKey() of the same arguments. */
export function chooseForm(mnemonic: string, operands: ResolvedOperand[], bitness: number, text: string, key = formKey(mnemonic, operands, bitness)): Choice | string {
  const cached = key.value;
  if (cached !== undefined) return cached;
  const choice = computeChoice(mnemonic, operands, bitness, text);
  if (typeof choice !== 'string') key.value = choice;
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
