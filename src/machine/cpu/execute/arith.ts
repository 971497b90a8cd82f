/**
 * The arithmetic core shared by ALU handlers: compute a result of 1/2/4/8 bytes from
 * lo/hi operands and record lazy flags. Results go to `cpu.hiOut` (high half) and the
 * return value (low half).
 */
import type { Cpu } from '../cpu';
import { LazyOp } from '../flags';

const TWO32 = 4294967296;
const MASK = [0, 0xff, 0xffff, 0, 0xffffffff];

export const enum AluOp {
  Add = 0,
  Or = 1,
  Adc = 2,
  Sbb = 3,
  And = 4,
  Sub = 5,
  Xor = 6,
  Cmp = 7,
  Test = 8,
}

function record(cpu: Cpu, op: LazyOp, size: number, aLo: number, aHi: number, bLo: number, bHi: number, rLo: number, rHi: number, carryIn: number): void {
  const f = cpu.lazy;
  f.op = op;
  f.size = size * 8;
  f.dstLo = aLo;
  f.dstHi = aHi;
  f.srcLo = bLo;
  f.srcHi = bHi;
  f.resLo = rLo;
  f.resHi = rHi;
  f.carryIn = carryIn;
}

/** Adds with optional carry-in; records Add/Adc flags. */
export function add(cpu: Cpu, size: number, aLo: number, aHi: number, bLo: number, bHi: number, carryIn: number, op: LazyOp = carryIn ? LazyOp.Adc : LazyOp.Add): number {
  let rLo: number;
  let rHi = 0;
  if (size === 8) {
    const sum = aLo + bLo + carryIn;
    rLo = sum >>> 0;
    rHi = (aHi + bHi + (sum >= TWO32 ? 1 : 0)) >>> 0;
  } else if (size === 4) {
    rLo = (aLo + bLo + carryIn) >>> 0;
  } else {
    rLo = (aLo + bLo + carryIn) & MASK[size]!;
  }
  record(cpu, op, size, aLo, aHi, bLo, bHi, rLo, rHi, carryIn);
  cpu.hiOut = rHi;
  return rLo;
}

/** Subtracts with optional borrow-in; records Sub/Sbb flags. */
export function sub(cpu: Cpu, size: number, aLo: number, aHi: number, bLo: number, bHi: number, borrowIn: number, op: LazyOp = borrowIn ? LazyOp.Sbb : LazyOp.Sub): number {
  let rLo: number;
  let rHi = 0;
  if (size === 8) {
    const diff = aLo - bLo - borrowIn;
    rLo = diff >>> 0;
    rHi = (aHi - bHi - (diff < 0 ? 1 : 0)) >>> 0;
  } else if (size === 4) {
    rLo = (aLo - bLo - borrowIn) >>> 0;
  } else {
    rLo = (aLo - bLo - borrowIn) & MASK[size]!;
  }
  record(cpu, op, size, aLo, aHi, bLo, bHi, rLo, rHi, borrowIn);
  cpu.hiOut = rHi;
  return rLo;
}

/** Records flags of a logical result (CF = OF = 0). */
export function logic(cpu: Cpu, size: number, rLo: number, rHi: number): number {
  record(cpu, LazyOp.Logic, size, 0, 0, 0, 0, rLo >>> 0, rHi >>> 0, 0);
  cpu.hiOut = rHi >>> 0;
  return rLo >>> 0;
}

/** Performs a two-operand ALU operation; returns the low half of the result. */
export function alu(cpu: Cpu, op: AluOp, size: number, aLo: number, aHi: number, bLo: number, bHi: number): number {
  switch (op) {
    case AluOp.Add:
      return add(cpu, size, aLo, aHi, bLo, bHi, 0);
    case AluOp.Adc:
      return add(cpu, size, aLo, aHi, bLo, bHi, carryFlag(cpu), LazyOp.Adc);
    case AluOp.Sub:
    case AluOp.Cmp:
      return sub(cpu, size, aLo, aHi, bLo, bHi, 0);
    case AluOp.Sbb:
      return sub(cpu, size, aLo, aHi, bLo, bHi, carryFlag(cpu), LazyOp.Sbb);
    case AluOp.And:
    case AluOp.Test:
      return logic(cpu, size, aLo & bLo, aHi & bHi);
    case AluOp.Or:
      return logic(cpu, size, aLo | bLo, aHi | bHi);
    default:
      return logic(cpu, size, aLo ^ bLo, aHi ^ bHi);
  }
}

/** Current CF as 0/1. */
export function carryFlag(cpu: Cpu): number {
  return cpu.rflags & 1;
}
