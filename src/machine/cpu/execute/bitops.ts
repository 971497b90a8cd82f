/**
 * Bit instructions: bt/bts/btr/btc (register, immediate and the memory form whose
 * register offset addresses beyond the operand: ea + size × floor(offset / bits)),
 * bsf/bsr, popcnt, lzcnt and tzcnt.
 *
 * bt*: CF = the bit, other flags unchanged (ZF is defined as unchanged; the rest are
 * undefined). bsf/bsr: ZF = (source = 0); the undefined flags follow QEMU (logic flags
 * of the source). With a zero source the destination is not modified at all, as the
 * current SDM and AMD document (QEMU 5/Unicorn zero-extend a 32-bit destination).
 */
import { Mnemonic } from 'iced-x86';
import type { Cpu } from '../cpu';
import type { Exec, Factory } from '../compile';
import { OperandKind, type Decoded, type MemoryRef } from '../decoded';
import { CpuFault, Vector } from '../fault';
import { Flag } from '../flags';
import { effectiveAddress, readOperand } from '../operands';
import { logic } from './arith';
import { setArithFlags, setSomeFlags, toSigned } from './flagWrite';

const TWO32 = 4294967296;
const CANONICAL_LIMIT = 2 ** 47;

const enum BitOp {
  Test,
  Set,
  Reset,
  Complement,
}

/** Applies `op` to bit `bit` (0-31) of a 32-bit word; returns the new word. */
function modify(op: BitOp, word: number, bit: number): number {
  const mask = 1 << bit;
  switch (op) {
    case BitOp.Set:
      return (word | mask) >>> 0;
    case BitOp.Reset:
      return (word & ~mask) >>> 0;
    case BitOp.Complement:
      return (word ^ mask) >>> 0;
    default:
      return word;
  }
}

/** Address of the operand holding bit `offset` (signed) relative to the memory operand. */
function bitAddress(cpu: Cpu, mem: MemoryRef, size: number, offsetLo: number, offsetHi: number): number {
  const base = effectiveAddress(cpu, mem);
  const offset = size === 8 ? (offsetHi | 0) * TWO32 + offsetLo : toSigned(size, offsetLo);
  const address = base + Math.floor(offset / (size * 8)) * size;
  if (mem.addressSize === 4) return ((address % TWO32) + TWO32) % TWO32;
  if (address >= CANONICAL_LIMIT || address < -CANONICAL_LIMIT) throw new CpuFault(Vector.GP, 0);
  return address;
}

function bitTest(op: BitOp): Factory {
  return (d: Decoded): Exec | undefined => {
    const [dst, src] = d.operands;
    if (!dst || !src) return undefined;
    if (d.lock && (op === BitOp.Test || dst.kind !== OperandKind.Memory)) {
      return () => {
        throw new CpuFault(Vector.UD);
      };
    }
    const size = dst.size;
    const bits = size * 8;
    if (dst.kind === OperandKind.Register) {
      const ref = dst.reg!;
      return (cpu) => {
        const bit = (src.kind === OperandKind.Immediate ? src.immLo : cpu.readReg(src.reg!)) & (bits - 1);
        const lo = cpu.readReg(ref);
        const hi = cpu.hiOut;
        const high = bit >= 32;
        const word = high ? hi : lo;
        const cf = (word >>> (bit & 31)) & 1;
        if (op !== BitOp.Test) {
          const changed = modify(op, word, bit & 31);
          cpu.writeReg(ref, high ? lo : changed, high ? changed : hi);
        }
        setSomeFlags(cpu, Flag.CF, cf);
      };
    }
    if (dst.kind !== OperandKind.Memory) return undefined;
    const mem = dst.mem!;
    return (cpu) => {
      let address: number;
      let bit: number;
      if (src.kind === OperandKind.Immediate) {
        address = effectiveAddress(cpu, mem);
        bit = src.immLo & (bits - 1);
      } else {
        const offsetLo = cpu.readReg(src.reg!);
        address = bitAddress(cpu, mem, size, offsetLo, cpu.hiOut);
        bit = offsetLo & (bits - 1);
      }
      // Only the byte holding the bit matters; access the whole operand like hardware.
      const lo = cpu.readSized(address, size);
      const hi = cpu.hiOut;
      const high = bit >= 32;
      const word = high ? hi : lo;
      const cf = (word >>> (bit & 31)) & 1;
      if (op !== BitOp.Test) {
        const changed = modify(op, word, bit & 31);
        cpu.writeSized(address, size, high ? lo : changed, high ? changed : hi);
      }
      setSomeFlags(cpu, Flag.CF, cf);
    };
  };
}

/** Index of the lowest (forward) or highest set bit of a nonzero lo/hi value. */
function scan(forward: boolean, lo: number, hi: number): number {
  if (forward) return lo !== 0 ? 31 - Math.clz32(lo & -lo) : 63 - Math.clz32(hi & -hi);
  return hi !== 0 ? 63 - Math.clz32(hi) : 31 - Math.clz32(lo);
}

function bitScan(forward: boolean): Factory {
  return (d) => {
    const [dst, src] = d.operands;
    if (dst?.kind !== OperandKind.Register || !src) return undefined;
    const size = dst.size;
    const ref = dst.reg!;
    return (cpu) => {
      const lo = readOperand(cpu, src, size);
      const hi = cpu.hiOut;
      logic(cpu, size, lo, hi);
      if ((lo | hi) === 0) return;
      cpu.writeReg(ref, scan(forward, lo, hi), 0);
    };
  };
}

function popcount32(v: number): number {
  v = v - ((v >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (Math.imul((v + (v >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24) & 0xff;
}

const enum Count {
  Population,
  LeadingZeros,
  TrailingZeros,
}

function countBits(kind: Count): Factory {
  return (d) => {
    const [dst, src] = d.operands;
    if (dst?.kind !== OperandKind.Register || !src) return undefined;
    const size = dst.size;
    const bits = size * 8;
    const ref = dst.reg!;
    return (cpu) => {
      const lo = readOperand(cpu, src, size);
      const hi = cpu.hiOut;
      const zero = (lo | hi) === 0;
      let result: number;
      if (kind === Count.Population) result = popcount32(lo) + popcount32(hi);
      else if (zero) result = bits;
      else result = kind === Count.TrailingZeros ? scan(true, lo, hi) : bits - 1 - scan(false, lo, hi);
      cpu.writeReg(ref, result, 0);
      if (kind === Count.Population) setArithFlags(cpu, zero ? Flag.ZF : 0);
      else setArithFlags(cpu, (zero ? Flag.CF : 0) | (result === 0 ? Flag.ZF : 0));
    };
  };
}

export const bitHandlers: [number, Factory][] = [
  [Mnemonic.Bt, bitTest(BitOp.Test)],
  [Mnemonic.Bts, bitTest(BitOp.Set)],
  [Mnemonic.Btr, bitTest(BitOp.Reset)],
  [Mnemonic.Btc, bitTest(BitOp.Complement)],
  [Mnemonic.Bsf, bitScan(true)],
  [Mnemonic.Bsr, bitScan(false)],
  [Mnemonic.Popcnt, countBits(Count.Population)],
  [Mnemonic.Lzcnt, countBits(Count.LeadingZeros)],
  [Mnemonic.Tzcnt, countBits(Count.TrailingZeros)],
];
