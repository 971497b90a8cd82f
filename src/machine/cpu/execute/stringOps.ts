/**
 * String instructions movs/stos/lods/cmps/scas (b/w/d/q) with rep/repe/repne, DF and
 * 64- or 32-bit address size. Each iteration commits before the next, so a fault leaves
 * rCX/rSI/rDI describing the work done. A rep loop runs at most ITERATIONS_PER_EXEC
 * iterations per execution and then re-points RIP at itself (interruptible, budgeted).
 */
import { Mnemonic } from 'iced-x86';
import type { Cpu } from '../cpu';
import type { Factory } from '../compile';
import { OperandKind, type Decoded } from '../decoded';
import { CpuFault, Vector } from '../fault';
import { Flag } from '../flags';
import { Seg, type GprRef } from '../registers';
import { isCanonicalHalves, toLinear, TWO32 } from '../state';
import { sub } from './arith';

export const ITERATIONS_PER_EXEC = 1024;
const CANONICAL_LIMIT = 2 ** 47;
const RSI = 6;
const RDI = 7;
const RCX = 1;

const enum Kind {
  Movs,
  Stos,
  Lods,
  Cmps,
  Scas,
}

/** Linear address held in rSI/rDI (by address size) plus a segment base; #GP(0) if not canonical. */
function pointer(cpu: Cpu, reg: number, addressSize: number, segment: number): number {
  let linear: number;
  if (addressSize === 8) {
    const hi = cpu.hi[reg]!;
    if (!isCanonicalHalves(hi)) throw new CpuFault(Vector.GP, 0);
    linear = toLinear(cpu.lo[reg]!, hi);
  } else {
    linear = cpu.lo[reg]!;
  }
  if (segment >= Seg.FS) {
    linear += cpu.segments[segment]!.base;
    if (linear >= CANONICAL_LIMIT || linear < -CANONICAL_LIMIT) throw new CpuFault(Vector.GP, 0);
  }
  return linear;
}

/** Adds a small signed delta to rSI/rDI/rCX at the address size (32-bit writes zero-extend). */
function advance(cpu: Cpu, reg: number, addressSize: number, delta: number): void {
  const sum = cpu.lo[reg]! + delta;
  cpu.lo[reg] = sum >>> 0;
  if (addressSize === 4) cpu.hi[reg] = 0;
  else if (sum < 0 || sum >= TWO32) cpu.hi[reg] = (cpu.hi[reg]! + (sum < 0 ? -1 : 1)) >>> 0;
}

function counterZero(cpu: Cpu, addressSize: number): boolean {
  return addressSize === 8 ? (cpu.lo[RCX]! | cpu.hi[RCX]!) === 0 : cpu.lo[RCX] === 0;
}

function accumulator(size: number): GprRef {
  return { index: 0, size, high8: false };
}

/** One iteration; returns for cmps/scas whether the operands were equal (ZF). */
function iterate(cpu: Cpu, kind: Kind, size: number, addressSize: number, segment: number, acc: GprRef): boolean {
  const step = (cpu.flagBits & Flag.DF) !== 0 ? -size : size;
  switch (kind) {
    case Kind.Movs: {
      const lo = cpu.readSized(pointer(cpu, RSI, addressSize, segment), size);
      cpu.writeSized(pointer(cpu, RDI, addressSize, Seg.ES), size, lo, cpu.hiOut);
      advance(cpu, RSI, addressSize, step);
      advance(cpu, RDI, addressSize, step);
      return true;
    }
    case Kind.Stos: {
      const lo = cpu.readReg(acc);
      cpu.writeSized(pointer(cpu, RDI, addressSize, Seg.ES), size, lo, cpu.hiOut);
      advance(cpu, RDI, addressSize, step);
      return true;
    }
    case Kind.Lods: {
      const lo = cpu.readSized(pointer(cpu, RSI, addressSize, segment), size);
      cpu.writeReg(acc, lo, cpu.hiOut);
      advance(cpu, RSI, addressSize, step);
      return true;
    }
    case Kind.Cmps: {
      const aLo = cpu.readSized(pointer(cpu, RSI, addressSize, segment), size);
      const aHi = cpu.hiOut;
      const bLo = cpu.readSized(pointer(cpu, RDI, addressSize, Seg.ES), size);
      const bHi = cpu.hiOut;
      sub(cpu, size, aLo, aHi, bLo, bHi, 0);
      advance(cpu, RSI, addressSize, step);
      advance(cpu, RDI, addressSize, step);
      return aLo === bLo && aHi === bHi;
    }
    default: {
      const bLo = cpu.readSized(pointer(cpu, RDI, addressSize, Seg.ES), size);
      const bHi = cpu.hiOut;
      const aLo = cpu.readReg(acc);
      sub(cpu, size, aLo, cpu.hiOut, bLo, bHi, 0);
      advance(cpu, RDI, addressSize, step);
      return aLo === bLo && aHi(cpu, size) === bHi;
    }
  }
}

/** High half of the accumulator as `sub` saw it (only 64-bit operands have one). */
function aHi(cpu: Cpu, size: number): number {
  return size === 8 ? cpu.hi[0]! : 0;
}

function stringFactory(kind: Kind): Factory {
  return (d: Decoded) => {
    const ops = d.operands;
    const memory = ops.find((op) => op.kind === OperandKind.StringSource || op.kind === OperandKind.StringDestination);
    if (!memory || ops.some((op) => op.kind !== OperandKind.StringSource && op.kind !== OperandKind.StringDestination && op.kind !== OperandKind.Register)) {
      return undefined; // e.g. SSE movsd/cmpsd share these mnemonics
    }
    const size = memory.size;
    const addressSize = d.addressSize;
    const segment = ops.find((op) => op.kind === OperandKind.StringSource)?.special ?? Seg.DS;
    const acc = accumulator(size);
    const compares = kind === Kind.Cmps || kind === Kind.Scas;
    if (!d.rep && !d.repne) return (cpu) => void iterate(cpu, kind, size, addressSize, segment, acc);
    // For cmps/scas F3 is repe (stop when unequal) and F2 is repne (stop when equal).
    const stopWhenEqual = compares && d.repne;
    const length = d.length;
    return (cpu) => {
      for (let n = 0; n < ITERATIONS_PER_EXEC; n++) {
        if (counterZero(cpu, addressSize)) return;
        const equal = iterate(cpu, kind, size, addressSize, segment, acc);
        advance(cpu, RCX, addressSize, -1);
        if (compares && equal === stopWhenEqual) return;
      }
      if (!counterZero(cpu, addressSize)) cpu.rip -= length;
    };
  };
}

export const stringHandlers: [number, Factory][] = [
  ...[Mnemonic.Movsb, Mnemonic.Movsw, Mnemonic.Movsd, Mnemonic.Movsq].map((m): [number, Factory] => [m, stringFactory(Kind.Movs)]),
  ...[Mnemonic.Stosb, Mnemonic.Stosw, Mnemonic.Stosd, Mnemonic.Stosq].map((m): [number, Factory] => [m, stringFactory(Kind.Stos)]),
  ...[Mnemonic.Lodsb, Mnemonic.Lodsw, Mnemonic.Lodsd, Mnemonic.Lodsq].map((m): [number, Factory] => [m, stringFactory(Kind.Lods)]),
  ...[Mnemonic.Cmpsb, Mnemonic.Cmpsw, Mnemonic.Cmpsd, Mnemonic.Cmpsq].map((m): [number, Factory] => [m, stringFactory(Kind.Cmps)]),
  ...[Mnemonic.Scasb, Mnemonic.Scasw, Mnemonic.Scasd, Mnemonic.Scasq].map((m): [number, Factory] => [m, stringFactory(Kind.Scas)]),
];
