/**
 * Double-precision shifts shld/shrd by imm8 or CL (count masked to 5/6 bits; 0 changes
 * nothing but a 32-bit register destination is still zero-extended). 16-bit counts
 * above 16 are undefined in the SDM; we shift A:B:A like Intel hardware and QEMU.
 * OF for counts > 1 and AF follow QEMU (AF = 0).
 */
import { Mnemonic } from 'iced-x86';
import type { Cpu } from '../cpu';
import type { Factory } from '../compile';
import { OperandKind } from '../decoded';
import { Flag } from '../flags';
import { effectiveAddress } from '../operands';
import { msb, resultFlags, setArithFlags } from './flagWrite';

const TWO16 = 65536;
const TWO32 = 4294967296;

/** Result halves and flags of the last `shiftDouble` call. */
let resultHi = 0;
let resultFlagBits = 0;

function shl64(lo: number, hi: number, n: number): [number, number] {
  if (n === 0) return [lo, hi];
  if (n < 32) return [(lo << n) >>> 0, ((hi << n) | (lo >>> (32 - n))) >>> 0];
  return [0, (lo << (n - 32)) >>> 0];
}

function shr64(lo: number, hi: number, n: number): [number, number] {
  if (n === 0) return [lo, hi];
  if (n < 32) return [((lo >>> n) | (hi << (32 - n))) >>> 0, hi >>> n];
  return [hi >>> (n - 32), 0];
}

/** dst shifted by c with bits from src filling in; returns [lo, hi, cf]. */
function raw(left: boolean, size: number, dLo: number, dHi: number, sLo: number, sHi: number, c: number): [number, number, number] {
  if (c === 0) return [dLo, dHi, 0];
  if (size === 8) {
    if (left) {
      const [aLo, aHi] = shl64(dLo, dHi, c);
      const [bLo, bHi] = shr64(sLo, sHi, 64 - c);
      const cf = c <= 32 ? (dHi >>> (32 - c)) & 1 : (dLo >>> (64 - c)) & 1;
      return [(aLo | bLo) >>> 0, (aHi | bHi) >>> 0, cf];
    }
    const [aLo, aHi] = shr64(dLo, dHi, c);
    const [bLo, bHi] = shl64(sLo, sHi, 64 - c);
    const cf = c <= 32 ? (dLo >>> (c - 1)) & 1 : (dHi >>> (c - 33)) & 1;
    return [(aLo | bLo) >>> 0, (aHi | bHi) >>> 0, cf];
  }
  if (size === 4) {
    if (left) {
      const [, hi] = shl64(sLo, dLo, c);
      return [hi, 0, (dLo >>> (32 - c)) & 1];
    }
    const [lo] = shr64(dLo, sLo, c);
    return [lo, 0, (dLo >>> (c - 1)) & 1];
  }
  // 16-bit: the 48-bit value dst:src:dst (exact in a double)
  const v = dLo * TWO32 + sLo * TWO16 + dLo;
  if (left) return [Math.floor(v / 2 ** (32 - c)) & 0xffff, 0, Math.floor(v / 2 ** (48 - c)) & 1];
  return [Math.floor(v / 2 ** c) & 0xffff, 0, Math.floor(v / 2 ** (c - 1)) & 1];
}

/** shld/shrd of `size`-byte values by a masked count >= 1; high half in `resultHi`. */
function shiftDouble(left: boolean, size: number, dLo: number, dHi: number, sLo: number, sHi: number, c: number): number {
  const [rLo, rHi, cf] = raw(left, size, dLo, dHi, sLo, sHi, c);
  let tLo: number;
  let tHi: number;
  if (size === 8) [tLo, tHi] = left ? shl64(dLo, dHi, c - 1) : shr64(dLo, dHi, c - 1);
  else [tLo, tHi] = raw(left, size, dLo, dHi, sLo, sHi, c - 1);
  const of = msb(size, tLo, tHi) ^ msb(size, rLo, rHi);
  resultHi = rHi;
  resultFlagBits = resultFlags(size, rLo, rHi) | cf | (of ? Flag.OF : 0);
  return rLo;
}

function factory(left: boolean): Factory {
  return (d) => {
    const [dst, src, countOp] = d.operands;
    if (!dst || src?.kind !== OperandKind.Register || !countOp) return undefined;
    const size = dst.size;
    if (size < 2) return undefined;
    const countMask = size === 8 ? 0x3f : 0x1f;
    const fixed = countOp.kind === OperandKind.Immediate ? countOp.immLo & countMask : -1;
    const s = src.reg!.index;
    const srcMask = size === 2 ? 0xffff : 0xffffffff;
    const countOf = (cpu: Cpu): number => (fixed >= 0 ? fixed : cpu.lo[1]! & countMask);
    if (dst.kind === OperandKind.Register) {
      const ref = dst.reg!;
      return (cpu) => {
        const count = countOf(cpu);
        const dLo = cpu.readReg(ref);
        const dHi = cpu.hiOut;
        if (count === 0) {
          if (size === 4) cpu.hi[ref.index] = 0;
          return;
        }
        const rLo = shiftDouble(left, size, dLo, dHi, (cpu.lo[s]! & srcMask) >>> 0, size === 8 ? cpu.hi[s]! : 0, count);
        cpu.writeReg(ref, rLo, resultHi);
        setArithFlags(cpu, resultFlagBits);
      };
    }
    if (dst.kind !== OperandKind.Memory) return undefined;
    const mem = dst.mem!;
    return (cpu) => {
      const address = effectiveAddress(cpu, mem);
      const dLo = cpu.readSized(address, size);
      const dHi = cpu.hiOut;
      const count = countOf(cpu);
      if (count === 0) return;
      const rLo = shiftDouble(left, size, dLo, dHi, (cpu.lo[s]! & srcMask) >>> 0, size === 8 ? cpu.hi[s]! : 0, count);
      const flags = resultFlagBits;
      cpu.writeSized(address, size, rLo, resultHi);
      setArithFlags(cpu, flags);
    };
  };
}

export const shiftDoubleHandlers: [number, Factory][] = [
  [Mnemonic.Shld, factory(true)],
  [Mnemonic.Shrd, factory(false)],
];
