/**
 * Cache and TLB maintenance (SDM Vol. 2 INVLPG, WBINVD, INVD), and the table of every
 * system-instruction handler this folder adds (registered ahead of the general tables so
 * segment-register forms of MOV/PUSH/POP reach their handlers).
 */
import { Mnemonic } from 'iced-x86';
import type { Factory } from '../compile';
import { Attention, type Cpu } from '../cpu';
import { OperandKind, type MemoryRef } from '../decoded';
import { Intercept } from '../intercept';
import { effectiveAddress } from '../operands';
import { Seg } from '../registers';
import { requireCpl0 } from './privilege';
import { interruptInstructionHandlers } from './interruptsInsn';
import { syscallHandlers } from './syscall';
import { cpuidHandlers } from './cpuid';
import { msrHandlers } from './msr';
import { controlRegisterHandlers } from './controlRegs';
import { descriptorTableHandlers } from './descriptorTables';
import { segmentLoadHandlers } from './segmentLoads';
import { portIoHandlers } from './stringIo';
import { absentFeatureHandlers } from './absentFeatures';
import { farTransferHandlers } from './farTransfer';
import { segmentQueryHandlers } from './segmentQueries';
import { gp0 } from '../fault';
import { Access } from '../../paging/types';
import { Cr4 } from '../../paging/walker';

/** The operand's linear address, or undefined when it is not canonical (INVLPG is then a no-op). */
function linearOrUndefined(cpu: Cpu, mem: MemoryRef): number | undefined {
  try {
    return effectiveAddress(cpu, mem);
  } catch {
    return undefined;
  }
}

/** A memory operand's address as formed, canonical or not (modulo 2^64, or 2^32 with a 32-bit address size). */
function formedAddress(cpu: Cpu, mem: MemoryRef): bigint {
  let address = BigInt.asIntN(64, (BigInt(mem.dispHi) << 32n) | BigInt(mem.dispLo >>> 0));
  if (mem.ripRelative) address += BigInt(cpu.rip);
  if (mem.base) address += cpu.getGpr(mem.base.index);
  if (mem.index) address += cpu.getGpr(mem.index.index) * BigInt(mem.scale);
  if (mem.addressSize === 4) address = BigInt.asUintN(32, address);
  if (mem.segment >= Seg.FS) address += BigInt(cpu.segments[mem.segment]!.base);
  return BigInt.asUintN(64, address);
}

/** INVLPG m: drops the translation of the page holding m in the current TLB context. */
const invlpg: Factory = (d) => {
  const op = d.operands[0];
  if (op?.kind !== OperandKind.Memory) return undefined;
  const mem = op.mem!;
  return (cpu) => {
    requireCpl0(cpu);
    const linear = linearOrUndefined(cpu, mem);
    if (cpu.nonRoot) cpu.nonRoot.intercept(Intercept.Invlpg, { length: d.length, linearAddress: linear ?? 0, nonCanonicalAddress: linear === undefined ? formedAddress(cpu, mem) : undefined });
    if (linear === undefined) return;
    cpu.tlb.invalidatePage(Math.floor(linear / 4096), cpu.tlbContext);
    cpu.codeGeneration++;
  };
};

/** WBINVD / INVD: no caches are simulated; privileged, and VM exits (INVD always). */
function cacheFlush(kind: Intercept): Factory {
  return (d) => (cpu) => {
    requireCpl0(cpu);
    if (cpu.nonRoot) cpu.nonRoot.intercept(kind, { length: d.length });
  };
}

/** HLT with the HLT exit (this factory precedes basicSystem.ts's, which has no VMX seam). */
const hlt: Factory = (d) => (cpu) => {
  requireCpl0(cpu);
  if (cpu.nonRoot && cpu.nonRoot.exitsNow(Intercept.Hlt, { length: d.length })) return;
  cpu.halted = true;
  cpu.attention |= Attention.Halt;
};

/** CLFLUSH m8: no caches are simulated; the line must be mapped (a read access for #PF). */
const clflush: Factory = (d) => {
  const op = d.operands[0];
  if (op?.kind !== OperandKind.Memory) return undefined;
  const mem = op.mem!;
  return (cpu) => void cpu.translate(effectiveAddress(cpu, mem), Access.Read);
};

/** RDPMC: CPL 0 or CR4.PCE; this CPU has no performance counters, so every index is invalid (#GP). */
const rdpmc: Factory = (d) => (cpu) => {
  if (cpu.cpl !== 0 && !(cpu.cr4 & Cr4.PCE)) throw gp0();
  if (cpu.nonRoot) cpu.nonRoot.intercept(Intercept.Rdpmc, { length: d.length });
  throw gp0();
};

const cacheHandlers: [number, Factory][] = [
  [Mnemonic.Hlt, hlt],
  [Mnemonic.Clflush, clflush],
  [Mnemonic.Rdpmc, rdpmc],
  [Mnemonic.Invlpg, invlpg],
  [Mnemonic.Wbinvd, cacheFlush(Intercept.Wbinvd)],
  [Mnemonic.Invd, cacheFlush(Intercept.Invd)],
];

export const systemHandlers: [number, Factory][] = [
  ...segmentLoadHandlers,
  ...portIoHandlers,
  ...interruptInstructionHandlers,
  ...farTransferHandlers,
  ...segmentQueryHandlers,
  ...syscallHandlers,
  ...cpuidHandlers,
  ...msrHandlers,
  ...controlRegisterHandlers,
  ...descriptorTableHandlers,
  ...cacheHandlers,
  ...absentFeatureHandlers,
];
