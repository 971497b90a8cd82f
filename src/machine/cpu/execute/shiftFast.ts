/**
 * Specialised closures for shl/shr/sar/rol/ror on 32- and 64-bit registers (by imm8 or
 * CL), the forms guest loops (hashes, bit manipulation) use. Same results and flags as shift.ts's generic path (OF as QEMU
 * computes it for counts > 1, AF = 0), without its dispatch.
 */
import type { Exec } from '../compile';
import { Flag, PARITY } from '../flags';
import { setArithFlags, setSomeFlags } from './flagWrite';
import { ShiftOp } from './shiftOps';

function flagsOf(lo: number, hi: number, cf: number, of: number, signByte: number): number {
  return PARITY[lo & 0xff]! | ((lo | hi) === 0 ? Flag.ZF : 0) | ((signByte >>> 24) & Flag.SF) | cf | (of << 11);
}

/** A 32-bit register shift (the destination is zero-extended even when the count is 0). */
function shift32(op: ShiftOp, r: number, fixed: number): Exec {
  return (cpu) => {
    const n = fixed >= 0 ? fixed : cpu.lo[1]! & 31;
    const v = cpu.lo[r]!;
    cpu.hi[r] = 0;
    if (n === 0) return;
    let res: number;
    let cf: number;
    let of = 0;
    if (op === ShiftOp.Shl) {
      res = (v << n) >>> 0;
      cf = (v >>> (32 - n)) & 1;
      of = (res >>> 31) ^ cf;
    } else if (op === ShiftOp.Shr) {
      res = v >>> n;
      cf = (v >>> (n - 1)) & 1;
      if (n === 1) of = v >>> 31;
    } else {
      res = (v >> n) >>> 0;
      cf = (v >> (n - 1)) & 1;
    }
    cpu.lo[r] = res;
    setArithFlags(cpu, flagsOf(res, 0, cf, of, res));
  };
}

/** A 64-bit register shift. */
function shift64(op: ShiftOp, r: number, fixed: number): Exec {
  return (cpu) => {
    const n = fixed >= 0 ? fixed : cpu.lo[1]! & 63;
    if (n === 0) return;
    const lo = cpu.lo[r]!;
    const hi = cpu.hi[r]!;
    let rLo: number;
    let rHi: number;
    let cf: number;
    let of = 0;
    if (op === ShiftOp.Shl) {
      if (n < 32) {
        rHi = ((hi << n) | (lo >>> (32 - n))) >>> 0;
        rLo = (lo << n) >>> 0;
        cf = (hi >>> (32 - n)) & 1;
      } else {
        rHi = (lo << (n - 32)) >>> 0;
        rLo = 0;
        cf = n === 32 ? hi & 1 : (lo >>> (64 - n)) & 1;
      }
      of = (rHi >>> 31) ^ cf;
    } else {
      const arithmetic = op === ShiftOp.Sar;
      if (n < 32) {
        rLo = ((lo >>> n) | (hi << (32 - n))) >>> 0;
        rHi = arithmetic ? (hi >> n) >>> 0 : hi >>> n;
        cf = (lo >>> (n - 1)) & 1;
      } else {
        rLo = arithmetic ? (hi >> (n - 32)) >>> 0 : hi >>> (n - 32);
        rHi = arithmetic ? (hi >> 31) >>> 0 : 0;
        cf = n === 32 ? lo >>> 31 : (hi >>> (n - 33)) & 1;
      }
      if (!arithmetic && n === 1) of = hi >>> 31;
    }
    cpu.lo[r] = rLo;
    cpu.hi[r] = rHi;
    setArithFlags(cpu, flagsOf(rLo, rHi, cf, of, rHi));
  };
}

/** rol/ror flags: CF = the bit rotated in last; OF = QEMU's formula (SDM: count 1 only). */
function setRotateFlags(cpu: Parameters<Exec>[0], left: boolean, top: number, next: number, bottom: number): void {
  const cf = left ? bottom : top;
  const of = left ? top ^ bottom : top ^ next;
  setSomeFlags(cpu, Flag.CF | Flag.OF, cf | (of << 11));
}

function rotate32(left: boolean, r: number, fixed: number): Exec {
  return (cpu) => {
    const n = fixed >= 0 ? fixed : cpu.lo[1]! & 31;
    const v = cpu.lo[r]!;
    cpu.hi[r] = 0;
    if (n === 0) return;
    const res = (left ? (v << n) | (v >>> (32 - n)) : (v >>> n) | (v << (32 - n))) >>> 0;
    cpu.lo[r] = res;
    setRotateFlags(cpu, left, res >>> 31, (res >>> 30) & 1, res & 1);
  };
}

function rotate64(left: boolean, r: number, fixed: number): Exec {
  return (cpu) => {
    const count = fixed >= 0 ? fixed : cpu.lo[1]! & 63;
    if (count === 0) return;
    let lo = cpu.lo[r]!;
    let hi = cpu.hi[r]!;
    let n = left ? count : 64 - count;
    if (n >= 32) {
      const swap = lo;
      lo = hi;
      hi = swap;
      n -= 32;
    }
    const rLo = n === 0 ? lo : ((lo << n) | (hi >>> (32 - n))) >>> 0;
    const rHi = n === 0 ? hi : ((hi << n) | (lo >>> (32 - n))) >>> 0;
    cpu.lo[r] = rLo;
    cpu.hi[r] = rHi;
    setRotateFlags(cpu, left, rHi >>> 31, (rHi >>> 30) & 1, rLo & 1);
  };
}

/** The fast closure for `op` on register `r` of `size` bytes, or undefined for other forms. */
export function fastRegisterShift(op: ShiftOp, size: number, r: number, fixed: number): Exec | undefined {
  if (op === ShiftOp.Rol || op === ShiftOp.Ror) {
    if (size === 8) return rotate64(op === ShiftOp.Rol, r, fixed);
    return size === 4 ? rotate32(op === ShiftOp.Rol, r, fixed) : undefined;
  }
  if (op !== ShiftOp.Shl && op !== ShiftOp.Shr && op !== ShiftOp.Sar) return undefined;
  if (size === 8) return shift64(op, r, fixed);
  if (size === 4) return shift32(op, r, fixed);
  return undefined;
}
