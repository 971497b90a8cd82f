/**
 * Generic operand access for compiled instructions: effective addresses (with the
 * canonical-address check), and reads/writes of register, memory and immediate operands
 * of any size. Values are lo/hi 32-bit halves; `cpu.hiOut` carries the high half.
 */
import type { Cpu } from './cpu';
import { CpuFault, Vector } from './fault';
import { OperandKind, type MemoryRef, type Operand } from './decoded';
import { Seg } from './registers';
import { TWO32 } from './state';
import { Access } from '../paging/types';

/**
 * Checks that `size` bytes at `linear` are writable (filling the TLB), so a
 * read-modify-write instruction can fault before it changes any state.
 */
export function probeWrite(cpu: Cpu, linear: number, size: number): void {
  cpu.translate(linear, Access.Write);
  if ((linear & 0xfff) > 4096 - size) cpu.translate(linear + size - 1, Access.Write);
}

/** Linear address of a memory operand; #GP(0) (#SS(0) for stack references) when not canonical. */
export function effectiveAddress(cpu: Cpu, mem: MemoryRef): number {
  let lo = mem.dispLo;
  let hi = mem.dispHi;
  if (mem.ripRelative) {
    lo += cpu.rip >>> 0;
    hi += Math.floor(cpu.rip / TWO32);
  }
  const base = mem.base;
  if (base !== undefined) {
    lo += cpu.lo[base.index]!;
    hi += cpu.hi[base.index]!;
  }
  const index = mem.index;
  if (index !== undefined) {
    lo += cpu.lo[index.index]! * mem.scale;
    hi += cpu.hi[index.index]! * mem.scale;
  }
  if (mem.addressSize === 4) {
    lo = lo >>> 0;
    hi = 0;
  } else {
    hi = (hi + Math.floor(lo / TWO32)) | 0;
    lo = lo >>> 0;
  }
  if (mem.segment >= Seg.FS) {
    const segBase = cpu.segments[mem.segment]!.base;
    const sum = lo + (segBase >>> 0);
    hi = (hi + Math.floor(segBase / TWO32) + Math.floor(sum / TWO32)) | 0;
    lo = sum >>> 0;
  }
  if ((hi << 16) >> 16 !== hi) {
    throw new CpuFault(mem.segment === Seg.SS || mem.base?.index === 4 || mem.base?.index === 5 ? Vector.SS : Vector.GP, 0);
  }
  return hi * TWO32 + lo;
}

/** Reads an operand zero-extended to its size; high half in `cpu.hiOut`. Immediates are returned masked to `size`. */
export function readOperand(cpu: Cpu, op: Operand, size: number): number {
  switch (op.kind) {
    case OperandKind.Register:
      return cpu.readReg(op.reg!);
    case OperandKind.Memory:
      return cpu.readSized(effectiveAddress(cpu, op.mem!), size);
    case OperandKind.Immediate:
      return maskImmediate(cpu, op, size);
    default:
      throw new CpuFault(Vector.UD);
  }
}

export function maskImmediate(cpu: Cpu, op: Operand, size: number): number {
  switch (size) {
    case 8:
      cpu.hiOut = op.immHi;
      return op.immLo;
    case 4:
      cpu.hiOut = 0;
      return op.immLo;
    case 2:
      cpu.hiOut = 0;
      return op.immLo & 0xffff;
    default:
      cpu.hiOut = 0;
      return op.immLo & 0xff;
  }
}

export function writeOperand(cpu: Cpu, op: Operand, size: number, lo: number, hi: number): void {
  if (op.kind === OperandKind.Register) cpu.writeReg(op.reg!, lo, hi);
  else if (op.kind === OperandKind.Memory) cpu.writeSized(effectiveAddress(cpu, op.mem!), size, lo, hi);
  else throw new CpuFault(Vector.UD);
}

/** Masks a lo/hi value to `size` bytes (hi returned in `cpu.hiOut`). */
export function maskTo(cpu: Cpu, size: number, lo: number, hi: number): number {
  switch (size) {
    case 8:
      cpu.hiOut = hi >>> 0;
      return lo >>> 0;
    case 4:
      cpu.hiOut = 0;
      return lo >>> 0;
    case 2:
      cpu.hiOut = 0;
      return lo & 0xffff;
    default:
      cpu.hiOut = 0;
      return lo & 0xff;
  }
}

/** Sign bit of a value of `size` bytes. */
export function signBit(size: number, lo: number, hi: number): number {
  switch (size) {
    case 8:
      return hi >>> 31;
    case 4:
      return lo >>> 31;
    case 2:
      return (lo >>> 15) & 1;
    default:
      return (lo >>> 7) & 1;
  }
}

/** Sign-extends a `size`-byte value to 64 bits; returns lo, hi in `cpu.hiOut`. */
export function signExtend(cpu: Cpu, size: number, lo: number, hi: number): number {
  switch (size) {
    case 8:
      cpu.hiOut = hi >>> 0;
      return lo >>> 0;
    case 4:
      cpu.hiOut = lo >>> 31 ? 0xffffffff : 0;
      return lo >>> 0;
    case 2:
      cpu.hiOut = lo & 0x8000 ? 0xffffffff : 0;
      return ((lo << 16) >> 16) >>> 0;
    default:
      cpu.hiOut = lo & 0x80 ? 0xffffffff : 0;
      return ((lo << 24) >> 24) >>> 0;
  }
}

/** The operand size of an instruction: the first operand's, or the default 8 for 64-bit stack ops. */
export function operandSize(ops: readonly Operand[]): number {
  const first = ops[0];
  return first && first.size > 0 ? first.size : 8;
}
