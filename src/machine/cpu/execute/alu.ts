/**
 * Two-operand ALU instructions (add or adc sbb and sub xor cmp test) and the unary
 * inc/dec/neg/not, with specialised closures for the register forms that dominate
 * guest loops and a generic path for every other operand combination.
 */
import { Mnemonic } from 'iced-x86';
import type { Cpu } from '../cpu';
import type { Exec, Factory } from '../compile';
import { OperandKind, type Decoded } from '../decoded';
import { LazyOp, currentCarry } from '../flags';
import { effectiveAddress, maskImmediate, probeWrite, readOperand } from '../operands';
import { alu, AluOp, add, sub } from './arith';

const MASK = [0, 0xff, 0xffff, 0, 0xffffffff];

function binary(op: AluOp): Factory {
  const writes = op !== AluOp.Cmp && op !== AluOp.Test;
  return (d: Decoded): Exec | undefined => {
    const dst = d.operands[0];
    const src = d.operands[1];
    if (!dst || !src) return undefined;
    const size = dst.size;
    if (dst.kind === OperandKind.Register && src.kind === OperandKind.Register && dst.reg!.size >= 4 && !dst.reg!.high8) {
      const a = dst.reg!.index;
      const b = src.reg!.index;
      if (size === 8 && op === AluOp.Add) {
        return (cpu) => {
          const aLo = cpu.lo[a]!, aHi = cpu.hi[a]!, bLo = cpu.lo[b]!, bHi = cpu.hi[b]!;
          const sum = aLo + bLo;
          const rLo = sum >>> 0;
          const rHi = (aHi + bHi + (sum > 0xffffffff ? 1 : 0)) >>> 0;
          const f = cpu.lazy;
          f.op = LazyOp.Add;
          f.size = 64;
          f.dstLo = aLo;
          f.dstHi = aHi;
          f.srcLo = bLo;
          f.srcHi = bHi;
          f.resLo = rLo;
          f.resHi = rHi;
          f.carryIn = 0;
          cpu.lo[a] = rLo;
          cpu.hi[a] = rHi;
        };
      }
      return (cpu) => {
        const rLo = alu(cpu, op, size, cpu.lo[a]!, size === 8 ? cpu.hi[a]! : 0, cpu.lo[b]!, size === 8 ? cpu.hi[b]! : 0);
        if (writes) {
          cpu.lo[a] = rLo;
          cpu.hi[a] = cpu.hiOut;
        }
      };
    }
    if (dst.kind === OperandKind.Register && src.kind === OperandKind.Immediate && dst.reg!.size >= 4) {
      const a = dst.reg!.index;
      const bLo = size === 8 ? src.immLo : src.immLo >>> 0;
      const bHi = size === 8 ? src.immHi : 0;
      return (cpu) => {
        const rLo = alu(cpu, op, size, cpu.lo[a]!, size === 8 ? cpu.hi[a]! : 0, bLo, bHi);
        if (writes) {
          cpu.lo[a] = rLo;
          cpu.hi[a] = cpu.hiOut;
        }
      };
    }
    if (dst.kind === OperandKind.Register) {
      const ref = dst.reg!;
      return (cpu) => {
        const bLo = readOperand(cpu, src, size);
        const bHi = cpu.hiOut;
        const aLo = cpu.readReg(ref);
        const rLo = alu(cpu, op, size, aLo, cpu.hiOut, bLo, bHi);
        if (writes) cpu.writeReg(ref, rLo, cpu.hiOut);
      };
    }
    if (dst.kind === OperandKind.Memory) {
      const mem = dst.mem!;
      return (cpu) => {
        const address = effectiveAddress(cpu, mem);
        const bLo = src.kind === OperandKind.Immediate ? maskImmediate(cpu, src, size) : cpu.readReg(src.reg!);
        const bHi = cpu.hiOut;
        const aLo = cpu.readSized(address, size);
        const aHi = cpu.hiOut;
        if (writes) probeWrite(cpu, address, size); // fault before the flags change
        const rLo = alu(cpu, op, size, aLo, aHi, bLo, bHi);
        if (writes) cpu.writeSized(address, size, rLo, cpu.hiOut);
      };
    }
    return undefined;
  };
}

const enum Unary {
  Inc,
  Dec,
  Neg,
  Not,
}

function compute(cpu: Cpu, kind: Unary, size: number, lo: number, hi: number): number {
  switch (kind) {
    case Unary.Inc: {
      const carry = currentCarry(cpu.lazy, cpu.flagBits);
      const result = add(cpu, size, lo, hi, 1, 0, 0, LazyOp.Inc);
      cpu.lazy.carryIn = carry;
      return result;
    }
    case Unary.Dec: {
      const carry = currentCarry(cpu.lazy, cpu.flagBits);
      const result = sub(cpu, size, lo, hi, 1, 0, 0, LazyOp.Dec);
      cpu.lazy.carryIn = carry;
      return result;
    }
    case Unary.Neg:
      return sub(cpu, size, 0, 0, lo, hi, 0, LazyOp.Neg);
    default:
      cpu.hiOut = size === 8 ? ~hi >>> 0 : 0;
      return size >= 4 ? ~lo >>> 0 : ~lo & MASK[size]!;
  }
}

function unary(kind: Unary): Factory {
  return (d: Decoded): Exec | undefined => {
    const dst = d.operands[0];
    if (!dst) return undefined;
    const size = dst.size;
    if (dst.kind === OperandKind.Register && size >= 4) {
      const r = dst.reg!.index;
      if (kind === Unary.Dec && size === 8) {
        // the loop counter of nearly every guest loop
        return (cpu) => {
          const f = cpu.lazy;
          const carry = currentCarry(f, cpu.flagBits);
          const lo = cpu.lo[r]!, hi = cpu.hi[r]!;
          const rLo = (lo - 1) >>> 0;
          const rHi = lo === 0 ? (hi - 1) >>> 0 : hi;
          f.op = LazyOp.Dec;
          f.size = 64;
          f.dstLo = lo;
          f.dstHi = hi;
          f.srcLo = 1;
          f.srcHi = 0;
          f.resLo = rLo;
          f.resHi = rHi;
          f.carryIn = carry;
          cpu.lo[r] = rLo;
          cpu.hi[r] = rHi;
        };
      }
      return (cpu) => {
        const rLo = compute(cpu, kind, size, cpu.lo[r]!, size === 8 ? cpu.hi[r]! : 0);
        cpu.lo[r] = rLo;
        cpu.hi[r] = cpu.hiOut;
      };
    }
    if (dst.kind === OperandKind.Register) {
      const ref = dst.reg!;
      return (cpu) => {
        const lo = cpu.readReg(ref);
        const rLo = compute(cpu, kind, size, lo, cpu.hiOut);
        cpu.writeReg(ref, rLo, cpu.hiOut);
      };
    }
    if (dst.kind === OperandKind.Memory) {
      const mem = dst.mem!;
      return (cpu) => {
        const address = effectiveAddress(cpu, mem);
        const lo = cpu.readSized(address, size);
        const hi = cpu.hiOut;
        probeWrite(cpu, address, size); // fault before the flags change
        const rLo = compute(cpu, kind, size, lo, hi);
        cpu.writeSized(address, size, rLo, cpu.hiOut);
      };
    }
    return undefined;
  };
}

export const aluHandlers: [number, Factory][] = [
  [Mnemonic.Add, binary(AluOp.Add)],
  [Mnemonic.Or, binary(AluOp.Or)],
  [Mnemonic.Adc, binary(AluOp.Adc)],
  [Mnemonic.Sbb, binary(AluOp.Sbb)],
  [Mnemonic.And, binary(AluOp.And)],
  [Mnemonic.Sub, binary(AluOp.Sub)],
  [Mnemonic.Xor, binary(AluOp.Xor)],
  [Mnemonic.Cmp, binary(AluOp.Cmp)],
  [Mnemonic.Test, binary(AluOp.Test)],
  [Mnemonic.Inc, unary(Unary.Inc)],
  [Mnemonic.Dec, unary(Unary.Dec)],
  [Mnemonic.Neg, unary(Unary.Neg)],
  [Mnemonic.Not, unary(Unary.Not)],
];
