// Does an operand fit an iced operand kind? Registers by class and size, memory by
// size, immediates by value — with nasm's rule that only absolute values (no labels)
// may use the short sign-extended imm8 forms.
import { OpCodeOperandKind as K, Register } from 'iced-x86';
import type { MemOperand, RegOperand } from '../operands';
import { kindSize } from './candidates';

export interface ResolvedImm {
  kind: 'imm';
  value: bigint;
  reloc: number;
  /** False while a forward reference is not known yet. */
  known: boolean;
  size: number;
  strict: boolean;
  /** Columns of the operand, for messages. */
  start: number;
  end: number;
}

export interface ResolvedMem {
  kind: 'mem';
  src: MemOperand;
  size: number;
  disp: bigint;
  dispReloc: number;
  ripRelative: boolean;
}

export type ResolvedOperand = RegOperand | ResolvedImm | ResolvedMem;

const EXACT_REGISTER: Partial<Record<K, Register>> = {
  [K.al]: Register.AL, [K.cl]: Register.CL, [K.ax]: Register.AX, [K.dx]: Register.DX, [K.eax]: Register.EAX, [K.rax]: Register.RAX,
  [K.es]: Register.ES, [K.cs]: Register.CS, [K.ss]: Register.SS, [K.ds]: Register.DS, [K.fs]: Register.FS, [K.gs]: Register.GS,
};

function isRegisterKind(kind: K): boolean {
  return kind !== K.mem && kind !== K.mem_offs && kindSize(kind) > 0 && EXACT_REGISTER[kind] === undefined;
}

function isMemoryKind(kind: K): boolean {
  return kind === K.mem || kind === K.mem_offs || kind === K.r8_or_mem || kind === K.r16_or_mem || kind === K.r32_or_mem || kind === K.r64_or_mem;
}

/** Signed 8-bit fit after truncation to `bits`, the test nasm applies for imm8 sign-extended forms. */
export function fitsSignExtended8(value: bigint, bits: number): boolean {
  const truncated = BigInt.asIntN(bits === 64 ? 32 : bits, value);
  return truncated >= -128n && truncated <= 127n;
}

/** Whether `op` can be operand of kind `kind`. `ignoreSize` relaxes register and memory sizes (for messages). */
export function operandFits(op: ResolvedOperand, kind: K, bitness: number, ignoreSize = false, lenient = false): boolean {
  switch (op.kind) {
    case 'reg': {
      const exact = EXACT_REGISTER[kind];
      if (exact !== undefined) return op.info.reg === exact || (ignoreSize && op.info.cls === 'gpr' && kindSize(kind) > 0);
      if (kind === K.seg_reg) return op.info.cls === 'segment';
      if (kind === K.cr_reg) return op.info.cls === 'control';
      if (kind === K.dr_reg) return op.info.cls === 'debug';
      if (!isRegisterKind(kind) || op.info.cls !== 'gpr') return false;
      return ignoreSize || kindSize(kind) === op.info.size;
    }
    case 'mem': {
      if (!isMemoryKind(kind)) return false;
      const mem = op.src;
      if (kind === K.mem_offs) {
        const pure = mem.base === undefined && mem.index === undefined && !op.ripRelative;
        return pure && (bitness !== 64 || mem.addressSize === 8);
      }
      if (bitness === 64 && mem.addressSize === 8 && mem.base === undefined && mem.index === undefined) return false;
      if (kind === K.mem) return true;
      return ignoreSize || op.size === 0 || op.size === kindSize(kind);
    }
    case 'imm':
      return immediateFits(op, kind, lenient);
  }
}

function immediateFits(op: ResolvedImm, kind: K, lenient: boolean): boolean {
  const absolute = op.known && op.reloc === 0;
  const forcedWide = op.strict && op.size > 1;
  switch (kind) {
    case K.imm8_const_1:
      return absolute && op.value === 1n && !op.strict;
    case K.imm8sex16:
      return (absolute && !forcedWide && fitsSignExtended8(op.value, 16)) || (op.strict && op.size === 1);
    case K.imm8sex32:
      return (absolute && !forcedWide && fitsSignExtended8(op.value, 32)) || (op.strict && op.size === 1);
    case K.imm8sex64:
      return (absolute && !forcedWide && fitsSignExtended8(op.value, 64)) || (op.strict && op.size === 1);
    case K.imm8:
    case K.imm16:
    case K.imm32:
      return true;
    case K.imm32sex64:
      if (op.strict && op.size === 8) return false;
      if (!absolute) return true;
      return lenient || (op.value >= -0x80000000n && op.value <= 0x7fffffffn);
    case K.imm64:
      return true;
  }
  return false;
}

/** Bits of an immediate kind (for truncation and overflow warnings). */
export function immediateBits(kind: K): number {
  switch (kind) {
    case K.imm8: case K.imm8_const_1: case K.imm8sex16: case K.imm8sex32: case K.imm8sex64:
      return 8;
    case K.imm16:
      return 16;
    case K.imm32: case K.imm32sex64:
      return 32;
    case K.imm64:
      return 64;
  }
  return 0;
}
