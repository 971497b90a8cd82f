// Turns a chosen iced Code plus resolved operands into an iced Instruction and encodes it.
// Every iced object created here is freed here (MemoryOperands are consumed by create*).
import { Encoder, Instruction, MemoryOperand, OpCodeOperandKind as K, Register } from 'iced-x86';
import { immediateBits, type ResolvedOperand } from './operandMatch';

const encoders = new Map<number, Encoder>();

function encoderFor(bitness: number): Encoder {
  let encoder = encoders.get(bitness);
  if (encoder === undefined) {
    encoder = new Encoder(bitness);
    encoders.set(bitness, encoder);
  }
  return encoder;
}

export interface Prefixes {
  lock: boolean;
  rep: boolean;
  repne: boolean;
}

export const NO_PREFIXES: Prefixes = { lock: false, rep: false, repne: false };

/** Encodes an instruction produced by `create`; frees it; returns bytes or throws iced's error. */
export function encodeInstruction(instruction: Instruction, bitness: number, ip: bigint, prefixes: Prefixes): Uint8Array {
  try {
    if (prefixes.lock) instruction.hasLockPrefix = true;
    if (prefixes.rep) instruction.hasRepePrefix = true;
    if (prefixes.repne) instruction.hasRepnePrefix = true;
    const encoder = encoderFor(bitness);
    try {
      encoder.encode(instruction, ip);
    } catch (e) {
      encoder.takeBuffer(); // a failed encode leaves its first bytes behind: they must not lead the next one
      throw e;
    }
    return encoder.takeBuffer();
  } finally {
    instruction.free();
  }
}

/** Where iced put the displacement and immediates of the last encoded instruction. */
export interface FieldOffsets {
  displacementOffset: number;
  displacementSize: number;
  immediateOffset: number;
  immediateSize: number;
  immediateSize2: number;
}

/** Like encodeInstruction, also reporting where the constant fields are. */
export function encodeInstructionWithOffsets(instruction: Instruction, bitness: number, ip: bigint, prefixes: Prefixes): { bytes: Uint8Array; offsets: FieldOffsets } {
  const bytes = encodeInstruction(instruction, bitness, ip, prefixes);
  const constants = encoderFor(bitness).getConstantOffsets();
  try {
    return {
      bytes,
      offsets: { displacementOffset: constants.displacementOffset, displacementSize: constants.displacementSize, immediateOffset: constants.immediateOffset, immediateSize: constants.immediateSize, immediateSize2: constants.immediateSize2 },
    };
  } finally {
    constants.free();
  }
}

function displacementSize(op: Extract<ResolvedOperand, { kind: 'mem' }>, bitness: number): number {
  const mem = op.src;
  const addressBits = mem.base?.size ?? mem.index?.size ?? (mem.addressSize || bitness / 8);
  const full = op.ripRelative ? 8 : addressBits === 8 ? 8 : addressBits === 4 ? 4 : 2;
  if (op.ripRelative) return 8;
  if (mem.base === undefined && mem.index === undefined) return bitness === 64 && mem.addressSize !== 8 ? 0 : full;
  if (mem.disp === undefined || (op.disp === 0n && op.dispReloc === 0)) return 0;
  return op.dispReloc === 0 ? 1 : full;
}

function memoryOperand(op: Extract<ResolvedOperand, { kind: 'mem' }>, bitness: number): MemoryOperand {
  const mem = op.src;
  const base = op.ripRelative ? (bitness === 64 && (mem.base?.size ?? 8) === 4 ? Register.EIP : Register.RIP) : (mem.base?.reg ?? Register.None);
  const index = mem.index?.reg ?? Register.None;
  const segment = mem.segment?.reg ?? Register.None;
  const displSize = displacementSize(op, bitness);
  const addressBits = mem.base?.size ?? mem.index?.size ?? 8;
  const disp = op.ripRelative || addressBits === 8 ? BigInt.asUintN(64, op.disp) : BigInt.asUintN(addressBits * 8, op.disp);
  return new MemoryOperand(base, index, mem.index === undefined ? 1 : mem.scale, disp, displSize, false, segment);
}

function signedImmediate(kind: K): boolean {
  return kind === K.imm8sex16 || kind === K.imm8sex32 || kind === K.imm8sex64;
}

type Arg = { r: Register } | { m: MemoryOperand } | { i: number; signed: boolean } | { q: bigint; signed: boolean };

function toArg(op: ResolvedOperand, kind: K, bitness: number): Arg {
  if (op.kind === 'reg') return { r: op.info.reg };
  if (op.kind === 'mem') return { m: memoryOperand(op, bitness) };
  if (kind === K.imm64) return { q: BigInt.asUintN(64, op.value), signed: false };
  if (kind === K.imm32sex64) return { i: Number(BigInt.asIntN(32, op.value)), signed: true };
  if (signedImmediate(kind)) return { i: Number(BigInt.asIntN(8, op.value)), signed: true };
  return { i: Number(BigInt.asUintN(immediateBits(kind) || 32, op.value)), signed: false };
}

/** Builds the iced Instruction for `code` with operands in iced's order. */
export function createInstruction(code: number, operands: ResolvedOperand[], kinds: readonly K[], bitness: number): Instruction {
  const args = operands.map((op, i) => toArg(op, kinds[i] ?? K.None, bitness));
  const [a, b, c] = args;
  if (a === undefined) return Instruction.create(code);
  if ('r' in a) {
    if (b === undefined) return Instruction.createReg(code, a.r);
    if ('r' in b) {
      if (c === undefined) return Instruction.createRegReg(code, a.r, b.r);
      if ('r' in c) return Instruction.createRegRegReg(code, a.r, b.r, c.r);
      if ('i' in c) return c.signed ? Instruction.createRegRegI32(code, a.r, b.r, c.i) : Instruction.createRegRegU32(code, a.r, b.r, c.i);
    }
    if ('m' in b) {
      if (c === undefined) return Instruction.createRegMem(code, a.r, b.m);
      if ('i' in c) return c.signed ? Instruction.createRegMemI32(code, a.r, b.m, c.i) : Instruction.createRegMemU32(code, a.r, b.m, c.i);
    }
    if ('i' in b && c === undefined) return b.signed ? Instruction.createRegI32(code, a.r, b.i) : Instruction.createRegU32(code, a.r, b.i);
    if ('q' in b && c === undefined) return b.signed ? Instruction.createRegI64(code, a.r, b.q) : Instruction.createRegU64(code, a.r, b.q);
  }
  if ('m' in a) {
    if (b === undefined) return Instruction.createMem(code, a.m);
    if ('r' in b) {
      if (c === undefined) return Instruction.createMemReg(code, a.m, b.r);
      if ('r' in c) return Instruction.createMemRegReg(code, a.m, b.r, c.r);
      if ('i' in c) return c.signed ? Instruction.createMemRegI32(code, a.m, b.r, c.i) : Instruction.createMemRegU32(code, a.m, b.r, c.i);
    }
    if ('i' in b && c === undefined) return b.signed ? Instruction.createMemI32(code, a.m, b.i) : Instruction.createMemU32(code, a.m, b.i);
    if ('q' in b && c === undefined) return Instruction.createMemI32(code, a.m, Number(b.q));
  }
  if ('i' in a) {
    if (b === undefined) return a.signed ? Instruction.createI32(code, a.i) : Instruction.createU32(code, a.i);
    if ('i' in b && c === undefined) return Instruction.createU32U32(code, a.i, b.i);
    if ('r' in b && c === undefined) return Instruction.createU32Reg(code, a.i, b.r);
  }
  for (const arg of args) if ('m' in arg) arg.m.free();
  throw new Error('unsupported operand combination');
}
