/**
 * A decoded instruction in plain JavaScript values, extracted once from iced-x86 so
 * handlers never touch WebAssembly objects. Branch targets and RIP-relative
 * displacements are stored relative to the next instruction, so a compiled
 * instruction does not depend on the linear address it was decoded at.
 */
import { Code, Instruction, MemorySizeExt, OpKind, Register } from 'iced-x86';
import { controlRegisterOf, debugRegisterOf, gprOf, segmentOf, type GprRef } from './registers';

export const enum OperandKind {
  Register = 0,
  Memory = 1,
  Immediate = 2,
  Branch = 3,
  Segment = 4,
  Control = 5,
  Debug = 6,
  /** Implicit string-instruction memory (seg:[rsi] / es:[rdi]). */
  StringSource = 7,
  StringDestination = 8,
  Other = 9,
}

export interface MemoryRef {
  readonly segment: number;
  readonly base: GprRef | undefined;
  readonly index: GprRef | undefined;
  readonly scale: number;
  /** Displacement as signed 64-bit halves (sign-extended). */
  readonly dispLo: number;
  readonly dispHi: number;
  readonly ripRelative: boolean;
  /** Address size in bytes (8 in 64-bit code, 4 with a 0x67 prefix). */
  readonly addressSize: number;
}

export interface Operand {
  readonly kind: OperandKind;
  /** Operand size in bytes (0 when not meaningful). */
  readonly size: number;
  readonly reg: GprRef | undefined;
  readonly mem: MemoryRef | undefined;
  readonly immLo: number;
  readonly immHi: number;
  /** Segment / control / debug register number. */
  readonly special: number;
}

export interface Decoded {
  readonly code: number;
  readonly mnemonic: number;
  readonly length: number;
  readonly operands: readonly Operand[];
  readonly rep: boolean;
  readonly repne: boolean;
  readonly lock: boolean;
  /** Branch target relative to the next instruction (for near branches). */
  readonly branchDelta: number;
  /** Address size in bytes for string instructions and jrcxz/loop. */
  readonly addressSize: number;
  readonly bitness: number;
  /** iced ConditionCode (0 = none) for jcc/setcc/cmovcc/loopcc. */
  readonly condition: number;
  /** Formatted text for messages (lazily set by the compiler). */
  text: string;
}

function halves(value: bigint): [number, number] {
  const v = BigInt.asUintN(64, value);
  return [Number(v & 0xffffffffn), Number(v >> 32n)];
}

const NO_OPERAND: Omit<Operand, 'kind' | 'size'> = { reg: undefined, mem: undefined, immLo: 0, immHi: 0, special: 0 };

function memoryOperand(instruction: Instruction, nextIp: bigint, bitness: number): MemoryRef {
  const baseRegister = instruction.memoryBase;
  const ripRelative = baseRegister === Register.RIP || baseRegister === Register.EIP;
  const base = ripRelative ? undefined : gprOf(baseRegister);
  const index = gprOf(instruction.memoryIndex);
  const addressSize = (base?.size ?? index?.size ?? (baseRegister === Register.EIP ? 4 : bitness / 8)) === 4 ? 4 : bitness === 64 ? 8 : 4;
  // For RIP-relative operands iced reports the absolute address; store it relative to the next RIP.
  const displacement = ripRelative ? instruction.memoryDisplacement - nextIp : BigInt.asIntN(64, instruction.memoryDisplacement);
  const [dispLo, dispHi] = halves(displacement);
  return { segment: segmentOf(instruction.memorySegment) ?? 3, base, index, scale: instruction.memoryIndexScale, dispLo, dispHi, ripRelative, addressSize };
}

function operandOf(instruction: Instruction, i: number, nextIp: bigint, bitness: number): Operand {
  const kind = instruction.opKind(i);
  switch (kind) {
    case OpKind.Register: {
      const register = instruction.opRegister(i);
      const reg = gprOf(register);
      if (reg) return { ...NO_OPERAND, kind: OperandKind.Register, size: reg.size, reg };
      const seg = segmentOf(register);
      if (seg !== undefined) return { ...NO_OPERAND, kind: OperandKind.Segment, size: 2, special: seg };
      const cr = controlRegisterOf(register);
      if (cr !== undefined) return { ...NO_OPERAND, kind: OperandKind.Control, size: bitness / 8, special: cr };
      const dr = debugRegisterOf(register);
      if (dr !== undefined) return { ...NO_OPERAND, kind: OperandKind.Debug, size: bitness / 8, special: dr };
      return { ...NO_OPERAND, kind: OperandKind.Other, size: 0, special: register };
    }
    case OpKind.Memory:
      return { ...NO_OPERAND, kind: OperandKind.Memory, size: MemorySizeExt.size(instruction.memorySize), mem: memoryOperand(instruction, nextIp, bitness) };
    case OpKind.NearBranch16:
    case OpKind.NearBranch32:
    case OpKind.NearBranch64:
      return { ...NO_OPERAND, kind: OperandKind.Branch, size: 0 };
    case OpKind.MemorySegSI:
    case OpKind.MemorySegESI:
    case OpKind.MemorySegRSI:
      return { ...NO_OPERAND, kind: OperandKind.StringSource, size: MemorySizeExt.size(instruction.memorySize), special: segmentOf(instruction.memorySegment) ?? 3 };
    case OpKind.MemoryESDI:
    case OpKind.MemoryESEDI:
    case OpKind.MemoryESRDI:
      return { ...NO_OPERAND, kind: OperandKind.StringDestination, size: MemorySizeExt.size(instruction.memorySize), special: 0 };
    case OpKind.Immediate8:
    case OpKind.Immediate8_2nd:
    case OpKind.Immediate16:
    case OpKind.Immediate32:
    case OpKind.Immediate64:
    case OpKind.Immediate8to16:
    case OpKind.Immediate8to32:
    case OpKind.Immediate8to64:
    case OpKind.Immediate32to64: {
      const [immLo, immHi] = halves(instruction.immediate(i));
      return { ...NO_OPERAND, kind: OperandKind.Immediate, size: 0, immLo, immHi };
    }
    default:
      return { ...NO_OPERAND, kind: OperandKind.Other, size: 0, special: kind };
  }
}

/** Address size of string instructions (rsi/rdi) and loop/jrcxz (rcx) from the decoded form. */
function implicitAddressSize(instruction: Instruction, bitness: number): number {
  for (let i = 0; i < instruction.opCount; i++) {
    switch (instruction.opKind(i)) {
      case OpKind.MemorySegESI:
      case OpKind.MemoryESEDI:
        return 4;
      case OpKind.MemorySegSI:
      case OpKind.MemoryESDI:
        return 2;
      case OpKind.MemorySegRSI:
      case OpKind.MemoryESRDI:
        return 8;
    }
  }
  if (instruction.isLoop || instruction.isLoopcc || instruction.isJcxShort) {
    const name = (Code as unknown as Record<number, string>)[instruction.code] ?? '';
    if (/ECX|Jecxz/.test(name)) return 4;
    if (/_CX|Jcxz/.test(name)) return 2;
    return bitness === 64 ? 8 : 4;
  }
  return bitness / 8;
}

/** Extracts a `Decoded` from an iced instruction decoded at instruction pointer `ip`. */
export function extract(instruction: Instruction, bitness: number): Decoded {
  const nextIp = instruction.nextIP;
  const operands: Operand[] = [];
  for (let i = 0; i < instruction.opCount; i++) operands.push(operandOf(instruction, i, nextIp, bitness));
  let branchDelta = 0;
  if (operands.some((op) => op.kind === OperandKind.Branch)) {
    branchDelta = Number(BigInt.asIntN(bitness, instruction.nearBranchTarget - nextIp));
  }
  const addressSize = implicitAddressSize(instruction, bitness);
  return {
    code: instruction.code,
    mnemonic: instruction.mnemonic,
    length: instruction.length,
    operands,
    rep: instruction.hasRepPrefix || instruction.hasRepePrefix,
    repne: instruction.hasRepnePrefix,
    lock: instruction.hasLockPrefix,
    branchDelta,
    addressSize,
    bitness,
    condition: instruction.conditionCode,
    text: instruction.toString(),
  };
}
