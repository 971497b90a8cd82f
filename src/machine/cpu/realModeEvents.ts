/**
 * Events and IRET in real-address mode (CR0.PE = 0; SDM Vol. 3 20.1.4, INT n and IRET
 * "REAL-ADDRESS-MODE"): the IVT at IDTR.base holds 4-byte offset:segment vectors; delivery
 * pushes FLAGS, CS and IP as words on SS:SP (no error code), clears IF, TF and AC and loads
 * CS:IP from the vector; IRET pops them back. Real mode runs at CPL 0 and loads CS as
 * selector·16 with its limit and attributes kept. (Virtual-8086 mode is not covered.)
 */
import type { Cpu } from './cpu';
import { CpuFault, Vector } from './fault';
import { Flag } from './flags';
import { Ar } from './segment';
import { Seg } from './registers';

/** The stack pointer's width: SP, or ESP with a 32-bit (B = 1) stack segment. */
function stackMask(cpu: Cpu): number {
  return cpu.segments[Seg.SS]!.accessRights & Ar.DB ? 0xffffffff : 0xffff;
}

function setStackPointer(cpu: Cpu, sp: number, mask: number): void {
  cpu.lo[4] = ((cpu.lo[4]! & ~mask) | (sp & mask)) >>> 0;
}

/** CS:IP after a real-mode far transfer (CPL 0; decoding width from CS.D). */
function loadCodeSegment(cpu: Cpu, selector: number, ip: number): void {
  const cs = cpu.segments[Seg.CS]!;
  cs.load(selector & 0xffff, (selector & 0xffff) * 16, cs.limit, cs.accessRights);
  cpu.rip = ip;
  cpu.bitness = cs.accessRights & Ar.DB ? 32 : 16;
  cpu.codeGeneration++;
}

/** Delivers `vector` through the IVT; #GP(0) when its 4-byte entry is beyond IDTR.limit. */
export function deliverRealMode(cpu: Cpu, vector: number): void {
  if (vector * 4 + 3 > cpu.idtr.limit) throw new CpuFault(Vector.GP, 0);
  const entry = cpu.idtr.base + vector * 4;
  const ip = cpu.read16(entry);
  const selector = cpu.read16(entry + 2);
  const ss = cpu.segments[Seg.SS]!;
  const mask = stackMask(cpu);
  let sp = cpu.lo[4]! & mask;
  cpu.materializeFlags();
  const frame = [cpu.rflags & 0xffff, cpu.segments[Seg.CS]!.selector, cpu.rip & 0xffff];
  for (const value of frame) {
    sp = (sp - 2) & mask;
    cpu.write16(ss.base + sp, value); // all three before any state changes: a fault is restartable
  }
  setStackPointer(cpu, sp, mask);
  cpu.flagBits &= ~(Flag.IF | Flag.TF | Flag.AC);
  loadCodeSegment(cpu, selector, ip);
  cpu.halted = false;
  cpu.eventsDelivered++;
}

/** IRET (`size` 2) / IRETD (4) in real mode: pops IP, CS, FLAGS; IRETD keeps VM, VIF and VIP. */
export function realModeIret(cpu: Cpu, size: 2 | 4): void {
  const ss = cpu.segments[Seg.SS]!;
  const mask = stackMask(cpu);
  const sp = cpu.lo[4]! & mask;
  const read = (i: number): number => (size === 2 ? cpu.read16(ss.base + ((sp + 2 * i) & mask)) : cpu.read32(ss.base + ((sp + 4 * i) & mask)));
  const ip = read(0);
  const selector = read(1) & 0xffff;
  const flags = read(2);
  cpu.materializeFlags();
  const kept = size === 2 ? cpu.rflags & 0xffff0000 : cpu.rflags & (Flag.VM | Flag.VIF | Flag.VIP);
  const loaded = size === 2 ? flags & 0xffff : flags & 0x257fd5;
  setStackPointer(cpu, sp + 3 * size, mask);
  loadCodeSegment(cpu, selector, ip);
  cpu.rflags = kept | loaded | 2;
}
