/**
 * Eager flag updates for instructions outside the lazy-flag set (shifts, rotates,
 * multiply, bit tests): compute flags of a result and store them into RFLAGS.
 * Undefined flags follow what Unicorn/QEMU computes, so differential tests agree.
 */
import type { Cpu } from '../cpu';
import { ARITH_FLAGS, Flag, LazyOp, PARITY } from '../flags';

/** Mask of a `size`-byte value's low half (size 8: the full low half). */
export const SIZE_MASK = [0, 0xff, 0xffff, 0, 0xffffffff, 0, 0, 0, 0xffffffff];

/** Most significant bit of a `size`-byte lo/hi value as 0/1. */
export function msb(size: number, lo: number, hi: number): number {
  return size === 8 ? hi >>> 31 : (lo >>> (size * 8 - 1)) & 1;
}

/** PF, ZF and SF of a `size`-byte result (its bits above `size` must be zero). */
export function resultFlags(size: number, lo: number, hi: number): number {
  let flags = PARITY[lo & 0xff]!;
  if ((lo | hi) === 0) flags |= Flag.ZF;
  if (msb(size, lo, hi) !== 0) flags |= Flag.SF;
  return flags;
}

/** Replaces all six arithmetic flags (no materialization needed: none survive). */
export function setArithFlags(cpu: Cpu, flags: number): void {
  cpu.lazy.op = LazyOp.None;
  cpu.flagBits = ((cpu.flagBits & ~ARITH_FLAGS) | flags) >>> 0;
}

/** Replaces the flags in `mask` and keeps the others. */
export function setSomeFlags(cpu: Cpu, mask: number, flags: number): void {
  cpu.materializeFlags();
  cpu.flagBits = ((cpu.flagBits & ~mask) | (flags & mask)) >>> 0;
}

/** Sign-extends a `size`-byte value (size < 8) to a 32-bit signed number. */
export function toSigned(size: number, lo: number): number {
  switch (size) {
    case 1:
      return (lo << 24) >> 24;
    case 2:
      return (lo << 16) >> 16;
    default:
      return lo | 0;
  }
}
