/**
 * Descriptor-table access: reading GDT/LDT/IDT entries and the 64-bit TSS with
 * implicit supervisor accesses (SDM Vol. 3 3.5, 7.7, 6.14).
 */
import type { Cpu } from './cpu';
import { Access } from '../paging/types';
import { CpuFault, Vector } from './fault';
import { Ar, decodeDescriptor } from './segment';
import { TWO32 } from './state';

export interface Descriptor {
  readonly lo: number;
  readonly hi: number;
  readonly base: number;
  readonly limit: number;
  readonly accessRights: number;
}

function readSupervisor32(cpu: Cpu, linear: number): number {
  return cpu.mem.read32(cpu.translate(linear, Access.Read, false)) >>> 0;
}

function readSupervisorUnaligned32(cpu: Cpu, linear: number): number {
  if ((linear & 0xfff) <= 4092) return readSupervisor32(cpu, linear);
  let value = 0;
  for (let i = 0; i < 4; i++) value |= cpu.mem.read8(cpu.translate(linear + i, Access.Read, false)) << (8 * i);
  return value >>> 0;
}

/** Reads the 8-byte descriptor for `selector`; #GP(selector) when outside the table. */
export function readDescriptor(cpu: Cpu, selector: number, faultVector: number = Vector.GP): Descriptor {
  const table = selector & 4 ? { base: cpu.ldtr.base, limit: cpu.ldtr.limit } : cpu.gdtr;
  const offset = selector & 0xfff8;
  if (offset + 7 > table.limit) throw new CpuFault(faultVector, selector & 0xfffc);
  const lo = readSupervisorUnaligned32(cpu, table.base + offset);
  const hi = readSupervisorUnaligned32(cpu, table.base + offset + 4);
  return { lo, hi, ...decodeDescriptor(lo, hi) };
}

/** Reads a 16-byte system descriptor (TSS/LDT in long mode): base bits 63:32 from the upper half. */
export function readSystemDescriptor(cpu: Cpu, selector: number): Descriptor {
  const d = readDescriptor(cpu, selector);
  const table = cpu.gdtr;
  const offset = selector & 0xfff8;
  if (offset + 15 > table.limit) throw new CpuFault(Vector.GP, selector & 0xfffc);
  const upper = readSupervisorUnaligned32(cpu, table.base + offset + 8);
  return { ...d, base: d.base + ((upper << 16) >> 16) * TWO32 };
}

/** Writes the descriptor's high dword (to set the accessed/busy bits). */
export function writeDescriptorHigh(cpu: Cpu, selector: number, hi: number): void {
  const linear = cpu.gdtr.base + (selector & 0xfff8) + 4;
  cpu.mem.write32(cpu.translate(linear, Access.Write, false), hi >>> 0);
}

export function isPresent(d: Descriptor): boolean {
  return (d.accessRights & Ar.P) !== 0;
}

/** RSPn (n = 0..2) or ISTn (n = 1..7 given as 3 + n) from the 64-bit TSS. */
export function readTssStack(cpu: Cpu, slot: 'rsp' | 'ist', n: number): number {
  const offset = slot === 'rsp' ? 4 + n * 8 : 0x24 + (n - 1) * 8;
  if (offset + 7 > cpu.tr.limit) throw new CpuFault(Vector.TS, cpu.tr.selector & 0xfffc);
  const lo = readSupervisorUnaligned32(cpu, cpu.tr.base + offset);
  const hi = readSupervisorUnaligned32(cpu, cpu.tr.base + offset + 4);
  if ((hi << 16) >> 16 !== (hi | 0)) throw new CpuFault(Vector.SS, 0);
  return ((hi << 16) >> 16) * TWO32 + lo;
}

/** An 8-byte IDT gate of legacy protected mode (SDM 6.11): #GP(vector*8+2 [+1]) beyond the limit. */
export function readIdtGate32(cpu: Cpu, vector: number, external: boolean): { selector: number; offset: number; type: number; dpl: number; present: boolean } {
  const offset = vector * 8;
  if (offset + 7 > cpu.idtr.limit) throw new CpuFault(Vector.GP, vector * 8 + 2 + (external ? 1 : 0));
  const lo = readSupervisorUnaligned32(cpu, cpu.idtr.base + offset);
  const hi = readSupervisorUnaligned32(cpu, cpu.idtr.base + offset + 4);
  return { selector: lo >>> 16, offset: ((lo & 0xffff) | (hi & 0xffff0000)) >>> 0, type: (hi >>> 8) & 0x1f, dpl: (hi >>> 13) & 3, present: (hi & 0x8000) !== 0 };
}

/** SSn:ESPn (n = 0..2) from a 32-bit TSS (SDM 7.2.1); #TS(TR) when outside its limit. */
export function readTss32Stack(cpu: Cpu, n: number): { esp: number; ss: number } {
  const offset = 4 + n * 8;
  if (offset + 7 > cpu.tr.limit) throw new CpuFault(Vector.TS, cpu.tr.selector & 0xfffc);
  return { esp: readSupervisorUnaligned32(cpu, cpu.tr.base + offset), ss: readSupervisorUnaligned32(cpu, cpu.tr.base + offset + 4) & 0xffff };
}

/** Reads a 16-byte IDT gate; #GP(vector*8+2 [+1 for external]) when beyond the limit. */
export function readIdtGate(cpu: Cpu, vector: number, external: boolean): { selector: number; offset: number; type: number; dpl: number; present: boolean; ist: number } {
  const offset = vector * 16;
  const errorCode = vector * 8 + 2 + (external ? 1 : 0);
  if (offset + 15 > cpu.idtr.limit) throw new CpuFault(Vector.GP, errorCode);
  const w0 = readSupervisorUnaligned32(cpu, cpu.idtr.base + offset);
  const w1 = readSupervisorUnaligned32(cpu, cpu.idtr.base + offset + 4);
  const w2 = readSupervisorUnaligned32(cpu, cpu.idtr.base + offset + 8);
  const type = (w1 >>> 8) & 0xf;
  if (type !== 0xe && type !== 0xf) throw new CpuFault(Vector.GP, errorCode);
  if ((w2 << 16) >> 16 !== (w2 | 0)) throw new CpuFault(Vector.GP, 0);
  const target = (w0 & 0xffff) + ((w1 & 0xffff0000) >>> 0) + ((w2 << 16) >> 16) * TWO32;
  return { selector: w0 >>> 16, offset: target, type, dpl: (w1 >>> 13) & 3, present: (w1 & 0x8000) !== 0, ist: w1 & 7 };
}
