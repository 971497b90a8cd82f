/**
 * VM-entry MSR loading and the VM-exit MSR-store/-load lists (SDM 26.4, 27.4, 27.6).
 * Each list entry is 16 bytes: MSR index (bits 31:0), reserved (bits 63:32, must be 0),
 * data (bits 127:64). An entry fails when its reserved bits are set, it names FS_BASE,
 * GS_BASE, an x2APIC MSR (0x800–0x8FF) or IA32_SMBASE, or the write itself would #GP.
 */
import type { Cpu } from '../cpu/cpu';
import { CpuFault } from '../cpu/fault';
import { readMsr, writeMsr } from '../cpu/msrs';

const FORBIDDEN = new Set([0xc0000100, 0xc0000101, 0x9e]);

function forbidden(index: number): boolean {
  return FORBIDDEN.has(index) || index >>> 8 === 0x8;
}

/** Loads `count` MSRs from the list at `address`; returns the 1-based index of the failing entry, or 0. */
export function loadMsrList(cpu: Cpu, address: number, count: number): number {
  for (let i = 0; i < count; i++) {
    const entry = address + i * 16;
    const index = cpu.mem.read32(entry) >>> 0;
    const reserved = cpu.mem.read32(entry + 4);
    const value = cpu.mem.read64(entry + 8);
    if (reserved !== 0 || forbidden(index)) return i + 1;
    try {
      writeMsr(cpu, index, value);
    } catch (e) {
      if (e instanceof CpuFault) return i + 1;
      throw e;
    }
  }
  return 0;
}

/** Stores the MSRs named in the list at `address` into its data fields; returns the failing 1-based index or 0. */
export function storeMsrList(cpu: Cpu, address: number, count: number): number {
  for (let i = 0; i < count; i++) {
    const entry = address + i * 16;
    const index = cpu.mem.read32(entry) >>> 0;
    if (cpu.mem.read32(entry + 4) !== 0 || index >>> 8 === 0x8 || index === 0x9e) return i + 1;
    try {
      cpu.mem.write64(entry + 8, readMsr(cpu, index));
    } catch (e) {
      if (e instanceof CpuFault) return i + 1;
      throw e;
    }
  }
  return 0;
}
