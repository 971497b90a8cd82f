/**
 * Shared pieces of the system instructions: the CPL 0 check, mode bookkeeping after a
 * CS load (CPL, decoding width, invalidating cached instruction links), and selector
 * checks for loading segment registers from the GDT/LDT (SDM Vol. 3 5.5–5.7, MOV/POP/IRET
 * pseudocode).
 */
import type { Cpu } from '../cpu';
import { CpuFault, Vector, gp0 } from '../fault';
import { readDescriptor, writeDescriptorHigh, type Descriptor } from '../descriptors';
import { Ar } from '../segment';
import { Seg } from '../registers';

/** Descriptor type bits (S = 1): code/data, conforming/expand-down, readable/writable, accessed. */
export const DescType = { ACCESSED: 1, WRITABLE_READABLE: 2, CONFORMING: 4, CODE: 8 } as const;

export function requireCpl0(cpu: Cpu): void {
  if (cpu.cpl !== 0) throw gp0();
}

/** Whether the processor is in 64-bit mode (IA-32e mode with CS.L = 1). */
export function in64BitMode(cpu: Cpu): boolean {
  return cpu.bitness === 64;
}

/** Recomputes CPL and decoding width from CS; invalidates cached instruction links. */
export function afterCodeSegmentLoad(cpu: Cpu): void {
  const cs = cpu.segments[Seg.CS]!;
  cpu.cpl = cs.selector & 3;
  cpu.bitness = cs.accessRights & Ar.L ? 64 : cs.accessRights & Ar.DB ? 32 : 16;
  cpu.codeGeneration++;
}

export function isCodeDescriptor(d: Descriptor): boolean {
  return (d.accessRights & Ar.S) !== 0 && (d.accessRights & DescType.CODE) !== 0;
}

export function isDataDescriptor(d: Descriptor): boolean {
  return (d.accessRights & Ar.S) !== 0 && (d.accessRights & DescType.CODE) === 0;
}

export function dplOf(d: Descriptor): number {
  return (d.accessRights >>> Ar.DPL_SHIFT) & 3;
}

/** Sets the descriptor's accessed bit (GDT selectors only; LDT entries are left alone). */
export function markAccessed(cpu: Cpu, selector: number, d: Descriptor): void {
  if ((d.hi & 0x100) !== 0 || (selector & 4) !== 0) return;
  writeDescriptorHigh(cpu, selector, d.hi | 0x100);
}

/**
 * Checks a selector for DS/ES/FS/GS (SDM MOV, "IF DS, ES, FS, or GS is loaded"):
 * undefined for a null selector; #GP(sel) for a bad type or privilege; #NP(sel) when
 * not present.
 */
export function checkDataSegmentSelector(cpu: Cpu, selector: number): Descriptor | undefined {
  if ((selector & 0xfffc) === 0) return undefined;
  const d = readDescriptor(cpu, selector);
  const error = selector & 0xfffc;
  const readableCode = isCodeDescriptor(d) && (d.accessRights & DescType.WRITABLE_READABLE) !== 0;
  if (!isDataDescriptor(d) && !readableCode) throw new CpuFault(Vector.GP, error);
  const conforming = isCodeDescriptor(d) && (d.accessRights & DescType.CONFORMING) !== 0;
  if (!conforming && ((selector & 3) > dplOf(d) || cpu.cpl > dplOf(d))) throw new CpuFault(Vector.GP, error);
  if (!(d.accessRights & Ar.P)) throw new CpuFault(Vector.NP, error);
  return d;
}

/**
 * Checks a selector for SS at privilege `cpl`: RPL = DPL = cpl, writable data, present
 * (#SS(sel) otherwise). A null selector is allowed only in 64-bit mode at CPL < 3 with
 * RPL = CPL (returns undefined).
 */
export function checkStackSegmentSelector(cpu: Cpu, selector: number, cpl: number, longMode: boolean): Descriptor | undefined {
  if ((selector & 0xfffc) === 0) {
    if (longMode && cpl !== 3 && (selector & 3) === cpl) return undefined;
    throw gp0();
  }
  const d = readDescriptor(cpu, selector);
  const error = selector & 0xfffc;
  if ((selector & 3) !== cpl || dplOf(d) !== cpl) throw new CpuFault(Vector.GP, error);
  if (!isDataDescriptor(d) || (d.accessRights & DescType.WRITABLE_READABLE) === 0) throw new CpuFault(Vector.GP, error);
  if (!(d.accessRights & Ar.P)) throw new CpuFault(Vector.SS, error);
  return d;
}

/** Loads a data/stack segment register from a checked descriptor (or as null/unusable). */
export function loadSegmentRegister(cpu: Cpu, seg: number, selector: number, d: Descriptor | undefined): void {
  const register = cpu.segments[seg]!;
  if (!d) {
    // Null selector: unusable; FS/GS keep their base (it may have been set through the MSRs).
    const base = seg === Seg.FS || seg === Seg.GS ? register.base : 0;
    register.load(selector, base, 0, Ar.UNUSABLE | (seg === Seg.SS ? (selector & 3) << Ar.DPL_SHIFT : 0));
    return;
  }
  markAccessed(cpu, selector, d);
  register.load(selector, d.base, d.limit, d.accessRights | DescType.ACCESSED);
}
