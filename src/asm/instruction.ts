// One instruction statement → bytes, given the values its expressions have in this pass.
// Applies nasm's rewrites first (mov r64,imm32 → mov r32; imul r,imm → imul r,r,imm;
// movsx r64,r/m32 → movsxd; pushf → pushfq...), then picks the form and encodes it.
import { Instruction } from 'iced-x86';
import { evaluate, type EvalContext } from './expr';
import type { Operand } from './operands';
import { resolveOperands } from './resolveOperands';
import { registerByName } from './registers';
import { encodeInstruction, NO_PREFIXES, type Prefixes } from './encode/build';
import { immediateBits, type ResolvedOperand } from './encode/operandMatch';
import { type Choice, chooseForm, formKey, type FormKey } from './encode/select';
import { type InstructionStatement, instructionText } from './statement';
import { LocatedError, locateInstructionError } from './errorColumns';
import { encodeForm, type EncodingTemplate, patchTemplate } from './encode/template';
import { branchBytes } from './encode/branchBytes';
import { type BranchForms, branchLength, createStringInstruction } from './encode/special';
import { branchFormsOf, type MnemonicFacts, mnemonicFacts } from './encode/mnemonicFacts';

export interface InstructionState {
  /** The mnemonic's facts, looked up on first use. */
  facts?: MnemonicFacts;
  /** Branches: whether the near (rel16/32) form is in use. Grows only. */
  near?: boolean;
  /** The line's branch forms (null: not a branch), looked up once; a line's mode never changes. */
  branch?: BranchForms | null;
  /** Everything the length depends on, as of the last encoding (form key and displacements); the same keys mean the same length. */
  formKey?: FormKey;
  displacement?: DisplacementKey;
  length?: number;
  /** For instructions that depend on symbols: the form chosen and bytes to patch values into. */
  choice?: Choice;
  template?: EncodingTemplate;
  /** The operands' values and the rewritten operands as of the last encoding: equal values, equal encoding. */
  resolved?: ResolvedOperand[];
  ops?: ResolvedOperand[];
}

export interface EncodeContext extends EvalContext {
  bitness: 16 | 32 | 64;
  defaultRel: boolean;
  /** Final pass: unknown symbols are errors and bytes are needed. */
  final: boolean;
  /** A warning at columns `start`..`end` of the line (0, 0: the whole line). */
  warn(message: string, start?: number, end?: number): void;
  /** Columns that errors reported through `error` refer to until the next call. */
  focus(start: number, end: number): void;
}

/** A fresh state with every field present, so all states share one shape. */
export function newInstructionState(): InstructionState {
  return { facts: undefined, near: undefined, branch: undefined, formKey: undefined, displacement: undefined, length: undefined, choice: undefined, template: undefined, resolved: undefined, ops: undefined };
}

/** A warning about one operand, with its columns. */
export interface EncodeWarning {
  message: string;
  start: number;
  end: number;
}

export interface EncodedInstruction {
  bytes?: Uint8Array;
  length: number;
  warnings?: EncodeWarning[];
}

function prefixesOf(names: readonly string[]): Prefixes {
  if (names.length === 0) return NO_PREFIXES;
  return {
    lock: names.includes('lock'),
    rep: names.includes('rep') || names.includes('repe') || names.includes('repz'),
    repne: names.includes('repne') || names.includes('repnz'),
  };
}

/** Instructions that only read a 16-bit selector/value: nasm encodes `lldt ax` without a 66 prefix. */
const SELECTOR_LOADS = new Set(['lldt', 'ltr', 'lmsw', 'verr', 'verw']);

/**
 * nasm's `o16`/`o32`/`o64` select the operand size of instructions whose size is not
 * visible in their operands: `o64 sysret` is SYSRETQ (48 0f 07), `o64 iret` is IRETQ,
 * `o16 pushf` is the 16-bit PUSHF.
 */
function withOperandSizePrefix(mnemonic: string, prefixes: readonly string[]): string | undefined {
  const size = prefixes.includes('o64') ? 64 : prefixes.includes('o32') ? 32 : prefixes.includes('o16') ? 16 : 0;
  return size === 0 ? undefined : OPERAND_SIZE_FORMS[mnemonic]?.[size];
}

/** iced mnemonics of the operand-size forms (the 16/32-bit spellings are iced's base names). */
const OPERAND_SIZE_FORMS: Readonly<Record<string, Readonly<Record<number, string>>>> = {
  sysret: { 32: 'sysret', 64: 'sysretq' },
  sysexit: { 32: 'sysexit', 64: 'sysexitq' },
  iret: { 16: 'iret', 32: 'iretd', 64: 'iretq' },
  pushf: { 16: 'pushf', 32: 'pushfd', 64: 'pushfq' },
  popf: { 16: 'popf', 32: 'popfd', 64: 'popfq' },
};

/** nasm's operand rewrites before form selection. */
function rewrite(mnemonic: string, canonical: string, ops: ResolvedOperand[], bitness: number): { mnemonic: string; ops: ResolvedOperand[] } {
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
  return { mnemonic: canonical, ops };
}

/** nasm's warnings for immediates that get truncated, at the operand's columns. */
/** Values an immediate of 8, 16 or 32 bits may take: from the signed minimum to the unsigned maximum. */
const IMMEDIATE_LOW: Readonly<Record<number, bigint>> = { 8: -(1n << 7n), 16: -(1n << 15n), 32: -(1n << 31n) };
const IMMEDIATE_END: Readonly<Record<number, bigint>> = { 8: 1n << 8n, 16: 1n << 16n, 32: 1n << 32n };

function checkImmediates(ops: ResolvedOperand[], kinds: readonly number[]): EncodeWarning[] | undefined {
  let warnings: EncodeWarning[] | undefined;
  for (let i = 0; i < ops.length; i++) {
    const op = ops[i] as ResolvedOperand;
    if (op.kind !== 'imm' || !op.known) continue;
    const bits = immediateBits(kinds[i] ?? 0);
    if (bits === 0 || bits === 64) continue;
    const signedOnly = bits === 32 && kinds[i] === 89; // imm32sex64
    const ok = signedOnly ? op.value >= -0x80000000n && op.value <= 0x7fffffffn : op.value >= (IMMEDIATE_LOW[bits] ?? 0n) && op.value < (IMMEDIATE_END[bits] ?? 0n);
    if (!ok) (warnings ??= []).push({ message: `value ${op.value} does not fit in ${bits} bits`, start: op.start, end: op.end });
  }
  return warnings;
}

/** 'R' RIP-relative, 'A' absolute address, 'L' label-relative, else the displacement's value; several memory operands: all in a string. */
type DisplacementKey = string | bigint;

/** The displacement part of an instruction's size key: only based addresses with absolute displacements vary. */
function displacementKey(ops: readonly ResolvedOperand[]): DisplacementKey {
  let key: DisplacementKey = '';
  let count = 0;
  for (const op of ops) {
    if (op.kind !== 'mem') continue;
    const own = op.ripRelative ? 'R' : op.src.base === undefined && op.src.index === undefined ? 'A' : op.dispReloc !== 0 ? 'L' : op.disp;
    key = count === 0 ? own : `${count === 1 ? `;${key}` : key};${own}`;
    count++;
  }
  return key;
}

/** nasm's rewrites, then the form key of the result. */
function formOf(stmt: InstructionStatement, canonical: string, resolved: ResolvedOperand[], bitness: 16 | 32 | 64): { mnemonic: string; ops: ResolvedOperand[]; key: FormKey } {
  const sized = withOperandSizePrefix(stmt.mnemonic, stmt.prefixes);
  const { mnemonic, ops } = sized !== undefined ? { mnemonic: sized, ops: resolved } : rewrite(stmt.mnemonic, canonical, resolved, bitness);
  return { mnemonic, ops, key: formKey(mnemonic, ops, bitness) };
}

/**
 * Encodes (or, before the final pass, sizes) one instruction at address `ip`. Before the
 * final pass an instruction whose size key is unchanged is not encoded again; in the final
 * pass a `symbolic` one (its values depend on symbols) gets its new values patched into the
 * bytes of its last encoding. Throws Error(message) on user errors.
 */
export function encodeStatement(stmt: InstructionStatement, state: InstructionState, ctx: EncodeContext, ip: number, symbolic = false): EncodedInstruction {
  const prefixes = prefixesOf(stmt.prefixes);
  const bitness = ctx.bitness;
  const facts = (state.facts ??= mnemonicFacts(stmt.mnemonic));
  if (facts.string && stmt.operands.length === 0) {
    const rep = prefixes.rep ? 'rep' : prefixes.repne ? 'repne' : 'none';
    const instruction = createStringInstruction(stmt.mnemonic, bitness, rep);
    if (instruction === undefined) throw locateInstructionError(`${stmt.mnemonic} is not available in ${bitness}-bit mode`, stmt);
    const bytes = encodeInstruction(instruction, bitness, BigInt(ip), { ...prefixes, rep: false, repne: false });
    // nasm writes the rep prefix before the operand-size prefix (f3 66 a5); iced the other way round.
    if (bytes[0] === 0x66 && (bytes[1] === 0xf3 || bytes[1] === 0xf2)) [bytes[0], bytes[1]] = [bytes[1], 0x66];
    return { bytes, length: bytes.length };
  }
  if (state.branch === undefined) state.branch = branchFormsOf(facts, bitness);
  const forms = state.branch;
  const target = stmt.operands[0];
  if (forms !== null && stmt.operands.length === 1 && target?.kind === 'imm' && target.jump !== 'far') {
    try {
      return encodeBranch(forms, target, state, ctx, ip, prefixes);
    } catch (e) {
      throw e instanceof Error && e.message !== '' && !(e instanceof LocatedError) ? locateInstructionError(e.message, stmt) : e;
    }
  }
  const resolved = resolveOperands(stmt.operands, ctx, state.ops !== undefined ? state.resolved : undefined);
  // The same values as last time: the same form, size and template (no keys to build).
  const unchanged = resolved === state.resolved && state.ops !== undefined;
  let form = unchanged ? undefined : formOf(stmt, facts.canonical, resolved, bitness);
  const ops = form?.ops ?? (state.ops as ResolvedOperand[]);
  if (state.length !== undefined && (form === undefined || (form.key === state.formKey && displacementKey(ops) === state.displacement))) {
    if (symbolic) {
      state.resolved = resolved;
      state.ops = ops;
    }
    if (!ctx.final) return { length: state.length };
    const patched = state.template !== undefined && state.choice !== undefined ? patchTemplate(state.template, state.choice.swapped ? [...ops].reverse() : ops, ip) : undefined;
    if (patched !== undefined && state.choice !== undefined) return withWarnings(patched, checkImmediates(state.choice.swapped ? [...ops].reverse() : ops, state.choice.candidate.kinds));
  }
  // Values the template cannot take (RIP target out of range) come here unchanged: encode afresh.
  form ??= formOf(stmt, facts.canonical, resolved, bitness);
  const { mnemonic, key } = form;
  const choice = key.value ?? chooseForm(mnemonic, ops, bitness, instructionText(stmt), key);
  if (typeof choice === 'string') throw locateInstructionError(choice, stmt);
  const ordered = choice.swapped ? [...ops].reverse() : ops;
  const warnings = checkImmediates(ordered, choice.candidate.kinds);
  const { bytes, template } = encodeForm(choice.candidate.code, choice.candidate.kinds, ordered, bitness, ip, prefixes);
  if (symbolic) {
    state.template = template;
    state.choice = choice;
    state.resolved = resolved;
    state.ops = ops;
  }
  state.formKey = key;
  state.displacement = displacementKey(ops);
  state.length = bytes.length;
  return withWarnings(bytes, warnings);
}

function withWarnings(bytes: Uint8Array, warnings: EncodeWarning[] | undefined): EncodedInstruction {
  return warnings === undefined ? { bytes, length: bytes.length } : { bytes, length: bytes.length, warnings };
}

function encodeBranch(forms: BranchForms, target: Extract<Operand, { kind: 'imm' }>, state: InstructionState, ctx: EncodeContext, ip: number, prefixes: Prefixes): EncodedInstruction {
  const bitness = ctx.bitness;
  const sizeOf = (instruction: Instruction): number => encodeInstruction(instruction, bitness, 0n, prefixes).length;
  ctx.focus(target.start, target.end);
  const value = evaluate(target.expr, ctx);
  if (forms.short === undefined) state.near = true;
  else if (forms.near === undefined || target.jump === 'short') state.near = false;
  else if (target.jump === 'near') state.near = true;
  else if (value !== undefined && !state.near) {
    const shortLength = branchLength(forms.short, sizeOf);
    const displacement = BigInt.asIntN(bitness, value.value - BigInt(ip + shortLength));
    if (displacement < -128n || displacement > 127n) state.near = true;
  }
  const code = state.near ? forms.near : forms.short;
  if (code === undefined) throw new Error('no encoding for this branch');
  const length = branchLength(code, sizeOf);
  if (!ctx.final) return { length };
  if (value === undefined) throw new Error(''); // already reported as an undefined symbol
  if (!state.near) {
    const displacement = BigInt.asIntN(bitness, value.value - BigInt(ip + length));
    if (displacement < -128n || displacement > 127n) throw new Error(`short jump is out of range (${displacement} bytes)`);
  }
  const bytes = branchBytes(code, bitness, ip, value.value, length, !state.near ? 1 : bitness === 16 ? 2 : 4, prefixes);
  return { bytes, length: bytes.length };
}
