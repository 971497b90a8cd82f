/**
 * mul, imul (one-, two- and three-operand) and div/idiv with #DE on a zero divisor or a
 * quotient that does not fit. After mul/imul CF = OF = "the high half is significant";
 * SF/ZF/PF are undefined in the SDM and set from the low result as QEMU does (AF = 0).
 * div/idiv leave the (undefined) flags unchanged, as QEMU does.
 */
import { Mnemonic } from 'iced-x86';
import type { Cpu } from '../cpu';
import type { Exec, Factory } from '../compile';
import { OperandKind, type Operand } from '../decoded';
import { CpuFault, Vector } from '../fault';
import { Flag } from '../flags';
import { maskImmediate, readOperand } from '../operands';
import { resultFlags, setArithFlags, toSigned } from './flagWrite';
import { PRODUCT, smul32, smul64, umul32, umul64 } from './wideMultiply';

function setMulFlags(cpu: Cpu, size: number, lo: number, hi: number, overflow: boolean): void {
  setArithFlags(cpu, resultFlags(size, lo, hi) | (overflow ? Flag.CF | Flag.OF : 0));
}

/** One-operand mul/imul: rDX:rAX (AX for bytes) := accumulator × source. */
function multiplyAccumulator(signed: boolean): Factory {
  return (d) => {
    const src = d.operands[0];
    if (!src || (src.kind !== OperandKind.Register && src.kind !== OperandKind.Memory)) return undefined;
    const size = src.size;
    return (cpu) => {
      const bLo = readOperand(cpu, src, size);
      const bHi = cpu.hiOut;
      switch (size) {
        case 1: {
          const product = signed ? toSigned(1, cpu.lo[0]!) * toSigned(1, bLo) : (cpu.lo[0]! & 0xff) * bLo;
          const ax = product & 0xffff;
          cpu.lo[0] = (cpu.lo[0]! & 0xffff0000) | ax;
          const overflow = signed ? toSigned(1, ax) !== product : ax >>> 8 !== 0;
          return setMulFlags(cpu, 1, ax & 0xff, 0, overflow);
        }
        case 2: {
          const product = signed ? toSigned(2, cpu.lo[0]!) * toSigned(2, bLo) : (cpu.lo[0]! & 0xffff) * bLo;
          const low = product & 0xffff;
          const high = (product >>> 16) & 0xffff;
          cpu.lo[0] = (cpu.lo[0]! & 0xffff0000) | low;
          cpu.lo[2] = (cpu.lo[2]! & 0xffff0000) | high;
          const overflow = signed ? toSigned(2, low) !== product : high !== 0;
          return setMulFlags(cpu, 2, low, 0, overflow);
        }
        case 4: {
          if (signed) smul32(cpu.lo[0]!, bLo);
          else umul32(cpu.lo[0]!, bLo);
          const low = PRODUCT[0]!;
          const high = PRODUCT[1]!;
          cpu.lo[0] = low;
          cpu.hi[0] = 0;
          cpu.lo[2] = high;
          cpu.hi[2] = 0;
          const overflow = signed ? high !== (low >>> 31 ? 0xffffffff : 0) : high !== 0;
          return setMulFlags(cpu, 4, low, 0, overflow);
        }
        default: {
          if (signed) smul64(cpu.lo[0]!, cpu.hi[0]!, bLo, bHi);
          else umul64(cpu.lo[0]!, cpu.hi[0]!, bLo, bHi);
          const [w0, w1, w2, w3] = PRODUCT as unknown as [number, number, number, number];
          cpu.lo[0] = w0;
          cpu.hi[0] = w1;
          cpu.lo[2] = w2;
          cpu.hi[2] = w3;
          const extension = signed && w1 >>> 31 ? 0xffffffff : 0;
          return setMulFlags(cpu, 8, w0, w1, w2 !== extension || w3 !== extension);
        }
      }
    };
  };
}

/** Truncated signed product of two `size`-byte values into the destination register; sets flags. */
function signedProduct(cpu: Cpu, size: number, aLo: number, aHi: number, bLo: number, bHi: number): number {
  if (size === 8) {
    if (aHi === (aLo >> 31) >>> 0 && bHi === (bLo >> 31) >>> 0) {
      // both operands are sign-extended 32-bit values: the product fits in 64 bits
      smul32(aLo, bLo);
      const w0 = PRODUCT[0]!;
      const w1 = PRODUCT[1]!;
      setMulFlags(cpu, 8, w0, w1, false);
      cpu.hiOut = w1;
      return w0;
    }
    smul64(aLo, aHi, bLo, bHi);
    const w0 = PRODUCT[0]!;
    const w1 = PRODUCT[1]!;
    const extension = w1 >>> 31 ? 0xffffffff : 0;
    setMulFlags(cpu, 8, w0, w1, PRODUCT[2] !== extension || PRODUCT[3] !== extension);
    cpu.hiOut = w1;
    return w0;
  }
  cpu.hiOut = 0;
  if (size === 4) {
    smul32(aLo, bLo);
    const low = PRODUCT[0]!;
    setMulFlags(cpu, 4, low, 0, PRODUCT[1] !== (low >>> 31 ? 0xffffffff : 0));
    return low;
  }
  const product = toSigned(size, aLo) * toSigned(size, bLo);
  const low = product & (size === 2 ? 0xffff : 0xff);
  setMulFlags(cpu, size, low, 0, toSigned(size, low) !== product);
  return low;
}

/** Two- and three-operand imul: dst := (src1 × src2) truncated. */
const imulExplicit: Factory = (d) => {
  const [dst, src1, src2] = d.operands;
  if (dst?.kind !== OperandKind.Register || !src1) return undefined;
  const size = dst.size;
  const r = dst.reg!.index;
  const immediate: Operand | undefined = src2?.kind === OperandKind.Immediate ? src2 : undefined;
  if (src2 && !immediate) return undefined;
  if (size >= 4 && src1.kind === OperandKind.Register) {
    const s = src1.reg!.index;
    const iLo = immediate ? immediate.immLo >>> 0 : 0;
    const iHi = immediate ? immediate.immHi >>> 0 : 0;
    if (immediate) {
      return (cpu) => {
        cpu.lo[r] = signedProduct(cpu, size, cpu.lo[s]!, size === 8 ? cpu.hi[s]! : 0, iLo, iHi);
        cpu.hi[r] = cpu.hiOut;
      };
    }
    return (cpu) => {
      cpu.lo[r] = signedProduct(cpu, size, cpu.lo[r]!, size === 8 ? cpu.hi[r]! : 0, cpu.lo[s]!, size === 8 ? cpu.hi[s]! : 0);
      cpu.hi[r] = cpu.hiOut;
    };
  }
  const ref = dst.reg!;
  const exec: Exec = (cpu) => {
    const bLo = readOperand(cpu, src1, size);
    const bHi = cpu.hiOut;
    let aLo: number;
    let aHi: number;
    if (immediate) {
      aLo = maskImmediate(cpu, immediate, size);
      aHi = cpu.hiOut;
    } else {
      aLo = cpu.readReg(ref);
      aHi = cpu.hiOut;
    }
    const low = signedProduct(cpu, size, aLo, aHi, bLo, bHi);
    cpu.writeReg(ref, low, cpu.hiOut);
  };
  return exec;
};

const imul: Factory = (d) => (d.operands.length === 1 ? multiplyAccumulator(true)(d) : imulExplicit(d));

const divideError = (): CpuFault => new CpuFault(Vector.DE);

/** Unsigned and signed division of rDX:rAX (AX for bytes) by the source. */
function divide(signed: boolean): Factory {
  return (d) => {
    const src = d.operands[0];
    if (!src || (src.kind !== OperandKind.Register && src.kind !== OperandKind.Memory)) return undefined;
    const size = src.size;
    return (cpu) => {
      const bLo = readOperand(cpu, src, size);
      const bHi = cpu.hiOut;
      if ((bLo | bHi) === 0) throw divideError();
      if (size <= 2) return divideSmall(cpu, size, signed, bLo);
      divideWide(cpu, size, signed, bLo, bHi);
    };
  };
}

function divideSmall(cpu: Cpu, size: number, signed: boolean, divisorBits: number): void {
  const bits = size * 8;
  const mask = size === 1 ? 0xff : 0xffff;
  let dividend = size === 1 ? cpu.lo[0]! & 0xffff : ((cpu.lo[2]! & 0xffff) << 16) | (cpu.lo[0]! & 0xffff);
  let divisor = divisorBits;
  if (signed) {
    dividend = size === 1 ? toSigned(2, dividend) : dividend | 0;
    divisor = toSigned(size, divisorBits);
  } else {
    dividend >>>= 0;
  }
  const quotient = Math.trunc(dividend / divisor);
  const remainder = dividend - quotient * divisor;
  const fits = signed ? quotient >= -(2 ** (bits - 1)) && quotient < 2 ** (bits - 1) : quotient <= mask;
  if (!fits) throw divideError();
  if (size === 1) {
    cpu.lo[0] = (cpu.lo[0]! & 0xffff0000) | ((remainder & 0xff) << 8) | (quotient & 0xff);
  } else {
    cpu.lo[0] = (cpu.lo[0]! & 0xffff0000) | (quotient & 0xffff);
    cpu.lo[2] = (cpu.lo[2]! & 0xffff0000) | (remainder & 0xffff);
  }
}

/** 32- and 64-bit division with BigInt (rare enough not to matter). */
function divideWide(cpu: Cpu, size: number, signed: boolean, bLo: number, bHi: number): void {
  const bits = size * 8;
  const half = (i: number): bigint => (size === 8 ? (BigInt(cpu.hi[i]!) << 32n) | BigInt(cpu.lo[i]!) : BigInt(cpu.lo[i]!));
  let dividend = (half(2) << BigInt(bits)) | half(0);
  let divisor = size === 8 ? (BigInt(bHi) << 32n) | BigInt(bLo) : BigInt(bLo);
  if (signed) {
    dividend = BigInt.asIntN(bits * 2, dividend);
    divisor = BigInt.asIntN(bits, divisor);
  }
  const quotient = dividend / divisor; // BigInt division truncates toward zero, like idiv
  const remainder = dividend % divisor;
  const fits = signed ? BigInt.asIntN(bits, quotient) === quotient : quotient >> BigInt(bits) === 0n;
  if (!fits) throw divideError();
  const q = BigInt.asUintN(bits, quotient);
  const rem = BigInt.asUintN(bits, remainder);
  cpu.lo[0] = Number(q & 0xffffffffn);
  cpu.hi[0] = Number(q >> 32n);
  cpu.lo[2] = Number(rem & 0xffffffffn);
  cpu.hi[2] = Number(rem >> 32n);
}

export const mulDivHandlers: [number, Factory][] = [
  [Mnemonic.Mul, multiplyAccumulator(false)],
  [Mnemonic.Imul, imul],
  [Mnemonic.Div, divide(false)],
  [Mnemonic.Idiv, divide(true)],
];
