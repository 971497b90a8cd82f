/**
 * Port I/O with the VMX I/O exit: IN/OUT (imm8 or DX) and the string forms INS/OUTS with
 * REP (SDM Vol. 2 IN, OUT, INS, OUTS, REP). The I/O permission check (CPL <= IOPL or the
 * TSS bitmap) comes first, then the VM exit, then the accesses. REP string I/O updates
 * RCX/RSI/RDI after every element, so a fault part-way restarts where it stopped; long
 * repeats run in chunks (the instruction re-executes until RCX = 0).
 */
import { Mnemonic } from 'iced-x86';
import type { Factory } from '../compile';
import { Attention, type Cpu } from '../cpu';
import type { Decoded } from '../decoded';
import { OperandKind } from '../decoded';
import { CpuFault, Vector } from '../fault';
import { Flag } from '../flags';
import { Intercept } from '../intercept';
import { Seg } from '../registers';
import { TWO32, isCanonicalHalves, toLinear } from '../state';
import { Access } from '../../paging/types';
import { checkIoPermission } from './ioPermission';

/** Elements moved per execution before the instruction yields and re-executes. */
const CHUNK = 4096;

function portOperand(op: { kind: OperandKind; immLo: number } | undefined): ((cpu: Cpu) => number) | undefined {
  if (op?.kind === OperandKind.Immediate) {
    const port = op.immLo & 0xff;
    return () => port;
  }
  if (op?.kind === OperandKind.Register) return (cpu) => cpu.lo[2]! & 0xffff;
  return undefined;
}

const inPort: Factory = (d) => {
  const [dst, src] = d.operands;
  const port = portOperand(src);
  if (!dst?.reg || !port) return undefined;
  const size = dst.size;
  const immediate = src?.kind === OperandKind.Immediate;
  return (cpu) => {
    const p = port(cpu);
    checkIoPermission(cpu, p, size);
    if (cpu.nonRoot && cpu.nonRoot.exitsNow(Intercept.Io, { length: d.length, port: p, size, string: false, rep: false, toRegister: true, immediate })) return;
    cpu.writeReg(dst.reg!, cpu.io.in(p, size), 0);
  };
};

const outPort: Factory = (d) => {
  const [dst, src] = d.operands;
  const port = portOperand(dst);
  if (!src?.reg || !port) return undefined;
  const size = src.size;
  const immediate = dst?.kind === OperandKind.Immediate;
  return (cpu) => {
    const p = port(cpu);
    checkIoPermission(cpu, p, size);
    if (cpu.nonRoot && cpu.nonRoot.exitsNow(Intercept.Io, { length: d.length, port: p, size, string: false, rep: false, toRegister: false, immediate })) return;
    cpu.io.out(p, size, cpu.readReg(src.reg!));
  };
};

/** An index register (RSI/RDI/RCX) at the address size, as lo/hi halves (hi in `cpu.hiOut`). */
function readIndex(cpu: Cpu, index: number, addressSize: number): number {
  cpu.hiOut = addressSize === 8 ? cpu.hi[index]! : 0;
  return addressSize === 2 ? cpu.lo[index]! & 0xffff : cpu.lo[index]!;
}

/** Adds `delta` (small, signed) to an index register with wrap-around at the address size. */
function stepIndex(cpu: Cpu, index: number, addressSize: number, delta: number): void {
  const lo = cpu.lo[index]!;
  if (addressSize === 8) {
    const sum = lo + delta;
    cpu.lo[index] = sum >>> 0;
    cpu.hi[index] = (cpu.hi[index]! + Math.floor(sum / TWO32)) >>> 0;
  } else if (addressSize === 4) {
    cpu.lo[index] = (lo + delta) >>> 0;
    cpu.hi[index] = 0;
  } else {
    cpu.lo[index] = (lo & 0xffff0000) | ((lo + delta) & 0xffff);
  }
}

/** Linear address of seg:[index]; only FS/GS have a base in 64-bit mode. #GP(0)/#SS(0) when not canonical. */
function stringAddress(cpu: Cpu, seg: number, index: number, addressSize: number): number {
  let lo = readIndex(cpu, index, addressSize);
  let hi = cpu.hiOut;
  if (seg === Seg.FS || seg === Seg.GS) {
    const base = cpu.segments[seg]!.base;
    const sum = lo + (base >>> 0);
    hi = (hi + Math.floor(base / TWO32) + Math.floor(sum / TWO32)) | 0;
    lo = sum >>> 0;
  }
  if (!isCanonicalHalves(hi)) throw new CpuFault(seg === Seg.SS ? Vector.SS : Vector.GP, 0);
  return toLinear(lo, hi);
}

/** The repeat count in RCX/ECX/CX. */
function repeatCount(cpu: Cpu, addressSize: number): number {
  const lo = readIndex(cpu, 1, addressSize);
  return cpu.hiOut * TWO32 + lo;
}

/** INS (toMemory) or OUTS: one element per iteration; returns after the count or a chunk. */
function stringIo(d: Decoded, toMemory: boolean): ReturnType<Factory> {
  const memoryOperand = toMemory ? d.operands[0] : d.operands[1];
  if (!memoryOperand || (memoryOperand.kind !== OperandKind.StringDestination && memoryOperand.kind !== OperandKind.StringSource)) return undefined;
  const size = memoryOperand.size;
  const seg = toMemory ? Seg.ES : memoryOperand.special;
  const indexReg = toMemory ? 7 : 6;
  const addressSize = d.addressSize;
  const rep = d.rep || d.repne;
  return (cpu) => {
    const port = cpu.lo[2]! & 0xffff;
    checkIoPermission(cpu, port, size);
    let remaining = rep ? repeatCount(cpu, addressSize) : 1;
    if (cpu.nonRoot) {
      const linearAddress = stringAddress(cpu, seg, indexReg, addressSize);
      cpu.nonRoot.intercept(Intercept.Io, { length: d.length, port, size, string: true, rep, toRegister: toMemory, linearAddress, addressSize, segment: seg });
    }
    const step = cpu.flagBits & Flag.DF ? -size : size;
    // monitor trap flag: one iteration per instruction boundary (SDM 25.5.2)
    const chunk = rep && cpu.nonRoot?.singleStringIteration?.() ? 1 : CHUNK;
    let done = 0;
    while (remaining > 0 && done < chunk) {
      const linear = stringAddress(cpu, seg, indexReg, addressSize);
      if (toMemory) {
        cpu.translate(linear, Access.Write);
        if (size > 1) cpu.translate(linear + size - 1, Access.Write);
        cpu.writeSized(linear, size, cpu.io.in(port, size), 0);
      } else {
        cpu.io.out(port, size, cpu.readSized(linear, size));
      }
      stepIndex(cpu, indexReg, addressSize, step);
      remaining--;
      done++;
      if (rep) stepIndex(cpu, 1, addressSize, -1);
      if (cpu.attention & Attention.Stop) break; // a device stopped the machine (debug-exit)
    }
    if (rep && remaining > 0 && !(cpu.attention & Attention.Stop)) cpu.rip -= d.length; // continue on the next execution
  };
}

export const portIoHandlers: [number, Factory][] = [
  [Mnemonic.In, inPort],
  [Mnemonic.Out, outPort],
  [Mnemonic.Insb, (d) => stringIo(d, true)],
  [Mnemonic.Insw, (d) => stringIo(d, true)],
  [Mnemonic.Insd, (d) => stringIo(d, true)],
  [Mnemonic.Outsb, (d) => stringIo(d, false)],
  [Mnemonic.Outsw, (d) => stringIo(d, false)],
  [Mnemonic.Outsd, (d) => stringIo(d, false)],
];
