/**
 * Shifts and rotates: shl/sal, shr, sar, rol, ror, rcl, rcr by 1, imm8 and CL. The count
 * is masked to 5 bits (6 with 64-bit operands); a masked count of 0 changes nothing.
 * Flags as the SDM defines them; where it leaves them undefined (OF for counts > 1, AF,
 * CF of shl/shr by >= the width) they follow QEMU: OF = msb(result ^ value shifted by
 * count - 1), AF = 0. Memory is written before flags change, so faults are restartable.
 */
import { Mnemonic } from 'iced-x86';
import type { Cpu } from '../cpu';
import type { Factory } from '../compile';
import { OperandKind } from '../decoded';
import { ARITH_FLAGS, Flag } from '../flags';
import { effectiveAddress } from '../operands';
import { msb, resultFlags, setArithFlags, setSomeFlags, SIZE_MASK, toSigned } from './flagWrite';
import { fastRegisterShift } from './shiftFast';
import { ShiftOp } from './shiftOps';

/** Flags computed by the last `shiftValue` call, applied by `applyShiftFlags`. */
let pendingMask = 0;
let pendingFlags = 0;

function bitAt(lo: number, hi: number, k: number): number {
  return k < 32 ? (lo >>> k) & 1 : (hi >>> (k - 32)) & 1;
}

/** 64-bit logical/arithmetic shifts of halves by 0 <= n < 64; high half in `out[1]`. */
const out = new Float64Array(2);
function shl64(lo: number, hi: number, n: number): void {
  if (n === 0) {
    out[0] = lo;
    out[1] = hi;
  } else if (n < 32) {
    out[0] = (lo << n) >>> 0;
    out[1] = ((hi << n) | (lo >>> (32 - n))) >>> 0;
  } else {
    out[0] = 0;
    out[1] = (lo << (n - 32)) >>> 0;
  }
}
function shr64(lo: number, hi: number, n: number, arithmetic: boolean): void {
  if (n === 0) {
    out[0] = lo;
    out[1] = hi;
  } else if (n < 32) {
    out[0] = ((lo >>> n) | (hi << (32 - n))) >>> 0;
    out[1] = (arithmetic ? hi >> n : hi >>> n) >>> 0;
  } else {
    out[0] = (arithmetic ? hi >> (n - 32) : hi >>> (n - 32)) >>> 0;
    out[1] = arithmetic ? (hi >> 31) >>> 0 : 0;
  }
}

/** Shift family (shl/shr/sar) of a `size`-byte value by a masked count >= 1. */
function shiftArith(op: ShiftOp, size: number, lo: number, hi: number, count: number): number {
  let rLo: number;
  let rHi = 0;
  let cf: number;
  if (size === 8) {
    if (op === ShiftOp.Shl) {
      shl64(lo, hi, count);
      cf = bitAt(lo, hi, 64 - count);
    } else {
      shr64(lo, hi, count, op === ShiftOp.Sar);
      cf = bitAt(lo, hi, count - 1);
    }
    rLo = out[0]!;
    rHi = out[1]!;
  } else {
    const bits = size * 8;
    const mask = SIZE_MASK[size]!;
    if (op === ShiftOp.Shl) {
      rLo = (count >= 32 ? 0 : lo << count) & mask;
      cf = count > bits ? 0 : (lo >>> (bits - count)) & 1;
    } else if (op === ShiftOp.Shr) {
      rLo = count >= 32 ? 0 : (lo >>> count) & mask;
      cf = count > 32 ? 0 : (lo >>> (count - 1)) & 1;
    } else {
      const signed = toSigned(size, lo);
      rLo = (signed >> Math.min(count, 31)) & mask;
      cf = (signed >> Math.min(count - 1, 31)) & 1;
    }
    rLo >>>= 0;
  }
  let of = 0;
  if (op === ShiftOp.Shl) of = msb(size, rLo, rHi) ^ cf;
  else if (op === ShiftOp.Shr && count === 1) of = msb(size, lo, hi);
  pendingMask = ARITH_FLAGS;
  pendingFlags = resultFlags(size, rLo, rHi) | cf | (of ? Flag.OF : 0);
  out[1] = rHi;
  return rLo;
}

/** rol/ror of a `size`-byte value by a masked count >= 1. */
function rotate(op: ShiftOp, size: number, lo: number, hi: number, count: number): number {
  const bits = size * 8;
  const n = count % bits;
  let rLo: number;
  let rHi = 0;
  const left = op === ShiftOp.Rol ? n : (bits - n) % bits;
  if (size === 8) {
    shl64(lo, hi, left);
    const aLo = out[0]!;
    const aHi = out[1]!;
    shr64(lo, hi, left === 0 ? 0 : 64 - left, false);
    rLo = left === 0 ? lo : (aLo | out[0]!) >>> 0;
    rHi = left === 0 ? hi : (aHi | out[1]!) >>> 0;
  } else {
    const mask = SIZE_MASK[size]!;
    rLo = left === 0 ? lo : (((lo << left) | (lo >>> (bits - left))) & mask) >>> 0;
  }
  const top = msb(size, rLo, rHi);
  let cf: number;
  let of: number;
  if (op === ShiftOp.Rol) {
    cf = rLo & 1;
    of = top ^ cf;
  } else {
    cf = top;
    of = top ^ bitAt(rLo, rHi, bits - 2);
  }
  pendingMask = Flag.CF | Flag.OF;
  pendingFlags = cf | (of ? Flag.OF : 0);
  out[1] = rHi;
  return rLo;
}

/** rcl/rcr through CF, one bit at a time (rare instructions; at most 63 steps). */
function rotateCarry(cpu: Cpu, op: ShiftOp, size: number, lo: number, hi: number, count: number): number {
  const bits = size * 8;
  const n = size === 1 ? count % 9 : size === 2 ? count % 17 : count;
  let cf = cpu.rflags & Flag.CF;
  let rLo = lo;
  let rHi = hi;
  for (let i = 0; i < n; i++) {
    if (op === ShiftOp.Rcl) {
      const outBit = msb(size, rLo, rHi);
      shl64(rLo, rHi, 1);
      rLo = (out[0]! | cf) >>> 0;
      rHi = size === 8 ? out[1]! : 0;
      if (size < 8) rLo = (rLo & SIZE_MASK[size]!) >>> 0;
      cf = outBit;
    } else {
      const outBit = rLo & 1;
      shr64(rLo, rHi, 1, false);
      rLo = out[0]!;
      rHi = out[1]!;
      if (cf) {
        if (size === 8) rHi = (rHi | 0x80000000) >>> 0;
        else rLo = (rLo | (1 << (bits - 1))) >>> 0;
      }
      cf = outBit;
    }
  }
  pendingMask = n === 0 ? 0 : Flag.CF | Flag.OF;
  pendingFlags = cf | ((msb(size, lo, hi) ^ msb(size, rLo, rHi)) !== 0 ? Flag.OF : 0);
  out[1] = rHi;
  return rLo;
}

/**
 * Shifts a `size`-byte value by an already masked count; returns the low half (high half
 * in `out[1]`) and leaves the flags for `applyShiftFlags`. Count 0: unchanged.
 */
function shiftValue(cpu: Cpu, op: ShiftOp, size: number, lo: number, hi: number, count: number): number {
  if (count === 0) {
    pendingMask = 0;
    out[1] = hi;
    return lo;
  }
  switch (op) {
    case ShiftOp.Rol:
    case ShiftOp.Ror:
      return rotate(op, size, lo, hi, count);
    case ShiftOp.Rcl:
    case ShiftOp.Rcr:
      return rotateCarry(cpu, op, size, lo, hi, count);
    default:
      return shiftArith(op, size, lo, hi, count);
  }
}

function applyShiftFlags(cpu: Cpu): void {
  if (pendingMask === 0) return;
  if (pendingMask === ARITH_FLAGS) setArithFlags(cpu, pendingFlags);
  else setSomeFlags(cpu, pendingMask, pendingFlags);
}

function shiftFactory(op: ShiftOp): Factory {
  return (d) => {
    const [dst, countOp] = d.operands;
    if (!dst || !countOp) return undefined;
    const size = dst.size;
    const countMask = size === 8 ? 0x3f : 0x1f;
    const fixed = countOp.kind === OperandKind.Immediate ? countOp.immLo & countMask : -1;
    if (fixed < 0 && countOp.kind !== OperandKind.Register) return undefined;
    if (dst.kind === OperandKind.Register && size >= 4) {
      const r = dst.reg!.index;
      // a 32-bit destination is written (zero-extended) even when the count is 0
      if (fixed === 0) return size === 8 ? () => undefined : (cpu) => void (cpu.hi[r] = 0);
      const fast = fastRegisterShift(op, size, r, fixed);
      if (fast) return fast;
      return (cpu) => {
        const count = fixed >= 0 ? fixed : cpu.lo[1]! & countMask;
        cpu.lo[r] = shiftValue(cpu, op, size, cpu.lo[r]!, size === 8 ? cpu.hi[r]! : 0, count);
        cpu.hi[r] = size === 8 ? out[1]! : 0;
        applyShiftFlags(cpu);
      };
    }
    if (dst.kind === OperandKind.Register) {
      const ref = dst.reg!;
      return (cpu) => {
        const count = fixed >= 0 ? fixed : cpu.lo[1]! & countMask;
        if (count === 0) return;
        const lo = cpu.readReg(ref);
        cpu.writeReg(ref, shiftValue(cpu, op, size, lo, 0, count), 0);
        applyShiftFlags(cpu);
      };
    }
    if (dst.kind !== OperandKind.Memory) return undefined;
    const mem = dst.mem!;
    return (cpu) => {
      const address = effectiveAddress(cpu, mem);
      const lo = cpu.readSized(address, size);
      const hi = cpu.hiOut;
      const count = fixed >= 0 ? fixed : cpu.lo[1]! & countMask;
      if (count === 0) return;
      const rLo = shiftValue(cpu, op, size, lo, hi, count);
      cpu.writeSized(address, size, rLo, out[1]!);
      applyShiftFlags(cpu);
    };
  };
}

export const shiftHandlers: [number, Factory][] = [
  [Mnemonic.Rol, shiftFactory(ShiftOp.Rol)],
  [Mnemonic.Ror, shiftFactory(ShiftOp.Ror)],
  [Mnemonic.Rcl, shiftFactory(ShiftOp.Rcl)],
  [Mnemonic.Rcr, shiftFactory(ShiftOp.Rcr)],
  [Mnemonic.Shl, shiftFactory(ShiftOp.Shl)],
  [Mnemonic.Sal, shiftFactory(ShiftOp.Shl)],
  [Mnemonic.Shr, shiftFactory(ShiftOp.Shr)],
  [Mnemonic.Sar, shiftFactory(ShiftOp.Sar)],
];
