/**
 * RFLAGS bits and the lazy evaluation of the six arithmetic flags. Common ALU
 * instructions record their operands and result (`LazyOp`); flags are computed only when
 * something reads them. Sizes are in bits (8, 16, 32, 64); 64-bit values are lo/hi
 * unsigned 32-bit halves, smaller ones have hi = 0.
 */

export const Flag = {
  CF: 1 << 0,
  FIXED1: 1 << 1,
  PF: 1 << 2,
  AF: 1 << 4,
  ZF: 1 << 6,
  SF: 1 << 7,
  TF: 1 << 8,
  IF: 1 << 9,
  DF: 1 << 10,
  OF: 1 << 11,
  IOPL: 3 << 12,
  NT: 1 << 14,
  RF: 1 << 16,
  VM: 1 << 17,
  AC: 1 << 18,
  VIF: 1 << 19,
  VIP: 1 << 20,
  ID: 1 << 21,
} as const;

export const ARITH_FLAGS = Flag.CF | Flag.PF | Flag.AF | Flag.ZF | Flag.SF | Flag.OF;
/** Bits software can change with POPF at CPL 0 (IOPL and IF further restricted by CPL). */
export const WRITABLE_FLAGS = ARITH_FLAGS | Flag.TF | Flag.IF | Flag.DF | Flag.IOPL | Flag.NT | Flag.AC | Flag.ID | Flag.RF;

export const enum LazyOp {
  None = 0,
  Add = 1,
  Adc = 2,
  Sub = 3,
  Sbb = 4,
  Logic = 5,
  Inc = 6,
  Dec = 7,
  Neg = 8,
}

/** Parity flag table: PF set when the low byte has an even number of 1 bits. */
export const PARITY = new Uint8Array(256);
for (let i = 0; i < 256; i++) {
  let bits = 0;
  for (let b = i; b !== 0; b >>= 1) bits += b & 1;
  PARITY[i] = bits % 2 === 0 ? Flag.PF : 0;
}

/** The recorded operation; a plain object the CPU owns (fields mutate in place). */
export class LazyFlags {
  op: LazyOp = LazyOp.None;
  size = 64;
  dstLo = 0;
  dstHi = 0;
  srcLo = 0;
  srcHi = 0;
  resLo = 0;
  resHi = 0;
  /** Carry into Adc/Sbb; for Inc/Dec the preserved CF. */
  carryIn = 0;
}

/** Current CF without materializing the other flags. */
export function currentCarry(f: LazyFlags, storedFlags: number): number {
  return f.op === LazyOp.None ? storedFlags & Flag.CF : lazyCarry(f) ? 1 : 0;
}

function below(aLo: number, aHi: number, bLo: number, bHi: number): boolean {
  return aHi !== bHi ? aHi >>> 0 < bHi >>> 0 : aLo >>> 0 < bLo >>> 0;
}

function signOf(size: number, lo: number, hi: number): number {
  switch (size) {
    case 8:
      return (lo >>> 7) & 1;
    case 16:
      return (lo >>> 15) & 1;
    case 32:
      return lo >>> 31;
    default:
      return hi >>> 31;
  }
}

export function lazyCarry(f: LazyFlags): boolean {
  switch (f.op) {
    case LazyOp.Add:
      return below(f.resLo, f.resHi, f.dstLo, f.dstHi);
    case LazyOp.Adc:
      return below(f.resLo, f.resHi, f.dstLo, f.dstHi) || (f.carryIn !== 0 && f.resLo === f.dstLo && f.resHi === f.dstHi);
    case LazyOp.Sub:
      return below(f.dstLo, f.dstHi, f.srcLo, f.srcHi);
    case LazyOp.Sbb:
      return below(f.dstLo, f.dstHi, f.srcLo, f.srcHi) || (f.carryIn !== 0 && f.dstLo === f.srcLo && f.dstHi === f.srcHi);
    case LazyOp.Neg:
      return (f.srcLo | f.srcHi) !== 0;
    case LazyOp.Logic:
      return false;
    default:
      return f.carryIn !== 0; // Inc/Dec keep the CF they found, recorded in carryIn
  }
}

export function lazyZero(f: LazyFlags): boolean {
  return (f.resLo | f.resHi) === 0;
}

export function lazySign(f: LazyFlags): boolean {
  return signOf(f.size, f.resLo, f.resHi) !== 0;
}

export function lazyOverflow(f: LazyFlags): boolean {
  let x: number;
  switch (f.op) {
    case LazyOp.Add:
    case LazyOp.Adc:
    case LazyOp.Inc:
      // operands of the same sign, result of the other
      x = f.size === 64 ? (~(f.dstHi ^ f.srcHi) & (f.dstHi ^ f.resHi)) >>> 0 : ~(f.dstLo ^ f.srcLo) & (f.dstLo ^ f.resLo);
      break;
    case LazyOp.Sub:
    case LazyOp.Sbb:
    case LazyOp.Dec:
    case LazyOp.Neg:
      x = f.size === 64 ? ((f.dstHi ^ f.srcHi) & (f.dstHi ^ f.resHi)) >>> 0 : (f.dstLo ^ f.srcLo) & (f.dstLo ^ f.resLo);
      break;
    default:
      return false;
  }
  return signOf(f.size, x, x) !== 0;
}

/** Computes the six arithmetic flags from the recorded operation. */
export function lazyArithFlags(f: LazyFlags): number {
  let flags = PARITY[f.resLo & 0xff]!;
  if (lazyCarry(f)) flags |= Flag.CF;
  if (lazyZero(f)) flags |= Flag.ZF;
  if (lazySign(f)) flags |= Flag.SF;
  if (lazyOverflow(f)) flags |= Flag.OF;
  if (f.op !== LazyOp.Logic && ((f.dstLo ^ f.srcLo ^ f.resLo) & 0x10) !== 0) flags |= Flag.AF;
  return flags;
}
