/**
 * String instructions movs/stos/lods/cmps/scas (b/w/d/q) with rep/repe/repne, DF and
 * 64- or 32-bit address size. Each iteration commits before the next, so a fault leaves
 * rCX/rSI/rDI describing the work done. A rep loop runs at most ITERATIONS_PER_EXEC
 * iterations per execution and then re-points RIP at itself (interruptible, budgeted).
 * Forward rep movs/stos over RAM take a bulk path, one page at a time (see `bulk`).
 * Under the monitor trap flag a rep loop does one iteration per execution (MTF exit each).
 */
import { Mnemonic } from 'iced-x86';
import type { Cpu } from '../cpu';
import type { Factory } from '../compile';
import { OperandKind, type Decoded } from '../decoded';
import { CpuFault, Vector } from '../fault';
import { Flag } from '../flags';
import { Seg, type GprRef } from '../registers';
import { isCanonicalHalves, toLinear, TWO32 } from '../state';
import { Access } from '../../paging/types';
import { sub } from './arith';

export const ITERATIONS_PER_EXEC = 1024;
/** Pages the bulk path may cover per execution. */
const BULK_PAGES_PER_EXEC = 16;
const PAGE = 4096;
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

/**
 * Forward rep movs/stos: as many whole elements as fit in the current source and
 * destination pages, done directly on RAM. Returns false (nothing done) when the generic
 * loop must run: DF = 1, an element crossing a page, MMIO, or a forward copy whose
 * destination overlaps the source ahead of it (element order would be visible).
 * Both pages are translated before anything changes, so faults stay precise.
 */
function bulk(cpu: Cpu, kind: Kind, size: number, addressSize: number, segment: number): boolean {
  if ((cpu.flagBits & Flag.DF) !== 0) return false;
  const counter = addressSize === 8 ? cpu.hi[RCX]! * TWO32 + cpu.lo[RCX]! : cpu.lo[RCX]!;
  const dst = pointer(cpu, RDI, addressSize, Seg.ES);
  let room = PAGE - (dst & (PAGE - 1));
  let src = 0;
  if (kind === Kind.Movs) {
    src = pointer(cpu, RSI, addressSize, segment);
    room = Math.min(room, PAGE - (src & (PAGE - 1)));
    if (dst > src && dst < src + room) return false;
  }
  const count = Math.min(Math.floor(room / size), counter);
  if (count < 2) return false;
  const bytes = count * size;
  const mem = cpu.mem;
  const srcPa = kind === Kind.Movs ? cpu.translate(src, Access.Read) : 0;
  const dstPa = cpu.translate(dst, Access.Write);
  if (!mem.isRam(dstPa, bytes) || (kind === Kind.Movs && (!mem.isRam(srcPa, bytes) || (dstPa > srcPa && dstPa < srcPa + bytes)))) return false;
  mem.write8(dstPa, mem.read8(dstPa)); // journals the page and drops decoded code in it
  if (kind === Kind.Movs) {
    mem.ram.copyWithin(dstPa, srcPa, srcPa + bytes);
    advance(cpu, RSI, addressSize, bytes);
  } else if (size === 1) {
    mem.ram.fill(cpu.lo[0]! & 0xff, dstPa, dstPa + bytes);
  } else {
    const lo = cpu.lo[0]!;
    const hi = cpu.hi[0]!;
    for (let at = dstPa; at < dstPa + bytes; at += size) {
      if (size === 2) mem.view.setUint16(at, lo, true);
      else mem.view.setUint32(at, lo, true);
      if (size === 8) mem.view.setUint32(at + 4, hi, true);
    }
  }
  advance(cpu, RDI, addressSize, bytes);
  advance(cpu, RCX, addressSize, -count);
  return true;
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
    const bulkable = kind === Kind.Movs || kind === Kind.Stos;
    return (cpu) => {
      if (cpu.nonRoot?.singleStringIteration?.()) {
        // Monitor trap flag: one iteration, then an MTF exit on this boundary (SDM 25.5.2).
        if (counterZero(cpu, addressSize)) return;
        const equal = iterate(cpu, kind, size, addressSize, segment, acc);
        advance(cpu, RCX, addressSize, -1);
        if (!counterZero(cpu, addressSize) && !(compares && equal === stopWhenEqual)) cpu.rip -= length;
        return;
      }
      if (bulkable) {
        for (let pages = 0; pages < BULK_PAGES_PER_EXEC && !counterZero(cpu, addressSize); pages++) {
          if (!bulk(cpu, kind, size, addressSize, segment)) break;
        }
      }
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
