/**
 * Exchanges: xchg (register and memory; memory forms are implicitly locked), xadd and
 * cmpxchg. Memory is written before any register or flag changes, so a fault leaves
 * the instruction restartable. LOCK is legal only with a memory destination (#UD else).
 *
 * cmpxchg follows the SDM and current hardware: on failure a memory destination gets a
 * write cycle with its own value, a register destination is not touched (no 32-bit
 * zero-extension), and on success the accumulator is not touched.
 */
import { Mnemonic } from 'iced-x86';
import type { Cpu } from '../cpu';
import type { Exec, Factory } from '../compile';
import { OperandKind, type Decoded, type Operand } from '../decoded';
import { CpuFault, Vector } from '../fault';
import type { GprRef } from '../registers';
import { effectiveAddress } from '../operands';
import { add, sub } from './arith';

const ACCUMULATOR: readonly GprRef[] = [1, 2, 4, 8].map((size) => ({ index: 0, size, high8: false }));

function accumulatorOf(size: number): GprRef {
  return ACCUMULATOR[size === 1 ? 0 : size === 2 ? 1 : size === 4 ? 2 : 3]!;
}

/** #UD for LOCK on a register destination (compile-time: the form never changes). */
function lockedRegister(d: Decoded): Exec | undefined {
  if (d.lock && d.operands[0]?.kind !== OperandKind.Memory) {
    return () => {
      throw new CpuFault(Vector.UD);
    };
  }
  return undefined;
}

const xchg: Factory = (d) => {
  const [a, b] = d.operands;
  if (!a || !b) return undefined;
  if (a.kind === OperandKind.Register && b.kind === OperandKind.Register) {
    if (d.lock) return lockedRegister(d);
    const ra = a.reg!;
    const rb = b.reg!;
    return (cpu) => {
      const aLo = cpu.readReg(ra);
      const aHi = cpu.hiOut;
      const bLo = cpu.readReg(rb);
      const bHi = cpu.hiOut;
      cpu.writeReg(ra, bLo, bHi);
      cpu.writeReg(rb, aLo, aHi);
    };
  }
  const mem: Operand | undefined = a.kind === OperandKind.Memory ? a : b.kind === OperandKind.Memory ? b : undefined;
  const reg = a.kind === OperandKind.Register ? a.reg : b.reg;
  if (!mem || !reg) return undefined;
  const size = mem.size;
  return (cpu) => {
    const address = effectiveAddress(cpu, mem.mem!);
    const mLo = cpu.readSized(address, size);
    const mHi = cpu.hiOut;
    const rLo = cpu.readReg(reg);
    cpu.writeSized(address, size, rLo, cpu.hiOut);
    cpu.writeReg(reg, mLo, mHi);
  };
};

/** Sum of two `size`-byte values without recording flags; high half in `cpu.hiOut`. */
function plainSum(cpu: Cpu, size: number, aLo: number, aHi: number, bLo: number, bHi: number): number {
  const sum = aLo + bLo;
  cpu.hiOut = size === 8 ? (aHi + bHi + (sum > 0xffffffff ? 1 : 0)) >>> 0 : 0;
  return size === 8 || size === 4 ? sum >>> 0 : sum & (size === 2 ? 0xffff : 0xff);
}

const xadd: Factory = (d) => {
  const [dst, src] = d.operands;
  if (!dst || src?.kind !== OperandKind.Register) return undefined;
  const locked = lockedRegister(d);
  if (locked) return locked;
  const size = dst.size;
  const srcRef = src.reg!;
  if (dst.kind === OperandKind.Register) {
    const dstRef = dst.reg!;
    return (cpu) => {
      const dLo = cpu.readReg(dstRef);
      const dHi = cpu.hiOut;
      const sLo = cpu.readReg(srcRef);
      const sum = add(cpu, size, dLo, dHi, sLo, cpu.hiOut, 0);
      const sumHi = cpu.hiOut;
      cpu.writeReg(srcRef, dLo, dHi); // SRC := DEST first: with one register, DEST wins
      cpu.writeReg(dstRef, sum, sumHi);
    };
  }
  if (dst.kind !== OperandKind.Memory) return undefined;
  return (cpu) => {
    const address = effectiveAddress(cpu, dst.mem!);
    const dLo = cpu.readSized(address, size);
    const dHi = cpu.hiOut;
    const sLo = cpu.readReg(srcRef);
    const sHi = cpu.hiOut;
    const sum = plainSum(cpu, size, dLo, dHi, sLo, sHi);
    cpu.writeSized(address, size, sum, cpu.hiOut);
    add(cpu, size, dLo, dHi, sLo, sHi, 0);
    cpu.writeReg(srcRef, dLo, dHi);
  };
};

const cmpxchg: Factory = (d) => {
  const [dst, src] = d.operands;
  if (!dst || src?.kind !== OperandKind.Register) return undefined;
  const locked = lockedRegister(d);
  if (locked) return locked;
  const size = dst.size;
  const acc = accumulatorOf(size);
  const srcRef = src.reg!;
  if (dst.kind === OperandKind.Register) {
    const dstRef = dst.reg!;
    return (cpu) => {
      const dLo = cpu.readReg(dstRef);
      const dHi = cpu.hiOut;
      const aLo = cpu.readReg(acc);
      const aHi = cpu.hiOut;
      sub(cpu, size, aLo, aHi, dLo, dHi, 0);
      if (aLo === dLo && aHi === dHi) {
        const sLo = cpu.readReg(srcRef);
        cpu.writeReg(dstRef, sLo, cpu.hiOut);
      } else {
        cpu.writeReg(acc, dLo, dHi);
      }
    };
  }
  if (dst.kind !== OperandKind.Memory) return undefined;
  return (cpu) => {
    const address = effectiveAddress(cpu, dst.mem!);
    const dLo = cpu.readSized(address, size);
    const dHi = cpu.hiOut;
    const aLo = cpu.readReg(acc);
    const aHi = cpu.hiOut;
    const equal = aLo === dLo && aHi === dHi;
    if (equal) {
      const sLo = cpu.readReg(srcRef);
      cpu.writeSized(address, size, sLo, cpu.hiOut);
    } else {
      cpu.writeSized(address, size, dLo, dHi); // the SDM's unconditional write cycle
    }
    sub(cpu, size, aLo, aHi, dLo, dHi, 0);
    if (!equal) cpu.writeReg(acc, dLo, dHi);
  };
};

export const exchangeHandlers: [number, Factory][] = [
  [Mnemonic.Xchg, xchg],
  [Mnemonic.Xadd, xadd],
  [Mnemonic.Cmpxchg, cmpxchg],
];
