/**
 * Control and debug registers: MOV to/from CR0/CR2/CR3/CR4/CR8 and DR0–DR7, CLTS,
 * SMSW, LMSW (SDM Vol. 2 MOV—Move to/from Control/Debug Registers; Vol. 3 2.5, 4.10.4,
 * 17.2). Order of checks: #UD, CPL #GP, DR7.GD #DB, VM exit, then value checks.
 * Translation-relevant changes flush the TLB; every change bumps `codeGeneration`.
 */
import { Mnemonic } from 'iced-x86';
import type { Factory } from '../compile';
import { Attention, type Cpu } from '../cpu';
import { executeBreakpointsArmed } from './debugBreakpoints';
import { OperandKind } from '../decoded';
import { CpuFault, Vector, gp0, ud } from '../fault';
import { Intercept } from '../intercept';
import { effectiveAddress } from '../operands';
import { TWO32, toLinear } from '../state';
import { Cr0, Cr4, Efer } from '../../paging/walker';
import { in64BitMode, requireCpl0 } from './privilege';

const CR0_DEFINED = (Cr0.PE | Cr0.MP | Cr0.EM | Cr0.TS | Cr0.ET | Cr0.NE | Cr0.WP | Cr0.AM | Cr0.NW | Cr0.CD | Cr0.PG) >>> 0;
/** CR4 bits this CPU implements (the rest are reserved: #GP). */
export const CR4_SUPPORTED = Cr4.VME | Cr4.PVI | Cr4.TSD | Cr4.DE | Cr4.PSE | Cr4.PAE | Cr4.MCE | Cr4.PGE | Cr4.PCE | Cr4.OSFXSR | Cr4.OSXMMEXCPT | Cr4.VMXE;
/** CR3 bits 63:46 are reserved (MAXPHYADDR = 46): mask of the high dword. */
const CR3_HIGH_RESERVED = 0xffffc000;

/** MOV to CR0 (value as 32-bit halves). Reserved low bits are ignored, ET reads as 1. */
export function writeCr0(cpu: Cpu, lo: number, hi: number): void {
  if (hi !== 0) throw gp0();
  const value = cpu.controlRegisterFilter ? cpu.controlRegisterFilter(0, lo >>> 0) : lo;
  const next = ((value & CR0_DEFINED) | Cr0.ET) >>> 0;
  if ((next & Cr0.PG && !(next & Cr0.PE)) || (next & Cr0.NW && !(next & Cr0.CD))) throw gp0();
  const old = cpu.cr0;
  const pagingOn = !(old & Cr0.PG) && (next & Cr0.PG) !== 0;
  const pagingOff = (old & Cr0.PG) !== 0 && !(next & Cr0.PG);
  if (pagingOff && in64BitMode(cpu)) throw gp0(); // leave 64-bit mode first
  if (pagingOn && cpu.efer & Efer.LME) {
    if (!(cpu.cr4 & Cr4.PAE) || in64BitMode(cpu)) throw gp0();
    cpu.efer |= Efer.LMA;
  }
  if (pagingOff) cpu.efer &= ~Efer.LMA;
  cpu.cr0 = next;
  if ((old ^ next) & (Cr0.PG | Cr0.WP | Cr0.PE)) cpu.flushTlb(true);
  else cpu.codeGeneration++;
}

/** MOV to CR3: loads the PML4 base and flushes non-global translations. */
export function writeCr3(cpu: Cpu, lo: number, hi: number): void {
  if (hi & CR3_HIGH_RESERVED) throw gp0();
  cpu.cr3 = (hi >>> 0) * TWO32 + (lo >>> 0);
  cpu.flushTlb(false);
}

/** MOV to CR4: reserved bits #GP; PAE must stay set in IA-32e mode; PGE/PAE/PSE changes flush everything. */
export function writeCr4(cpu: Cpu, value: number, hi: number): void {
  const lo = cpu.controlRegisterFilter ? cpu.controlRegisterFilter(4, value >>> 0) : value;
  if (hi !== 0 || (lo & ~CR4_SUPPORTED) !== 0) throw gp0();
  if (cpu.efer & Efer.LMA && !(lo & Cr4.PAE)) throw gp0();
  const changed = (cpu.cr4 ^ lo) >>> 0;
  cpu.cr4 = lo >>> 0;
  if (changed & (Cr4.PGE | Cr4.PAE | Cr4.PSE)) cpu.flushTlb(true);
  else cpu.codeGeneration++;
}

export function writeCr8(cpu: Cpu, lo: number, hi: number): void {
  if (hi !== 0 || lo > 15) throw gp0();
  cpu.cr8 = lo;
}

const crWriters: Readonly<Record<number, (cpu: Cpu, lo: number, hi: number) => void>> = {
  0: writeCr0,
  2: (cpu, lo, hi) => (cpu.cr2 = toLinear(lo, hi)),
  3: writeCr3,
  4: writeCr4,
  8: writeCr8,
};

/** The value a MOV from CRn reads (CR0/CR4 through the VMX read shadow in non-root operation). */
function readCr(cpu: Cpu, n: number): number {
  switch (n) {
    case 0:
      return cpu.nonRoot ? cpu.nonRoot.readControlRegister(0, cpu.cr0) : cpu.cr0;
    case 2:
      return cpu.cr2;
    case 3:
      return cpu.cr3;
    case 4:
      return cpu.nonRoot ? cpu.nonRoot.readControlRegister(4, cpu.cr4) : cpu.cr4;
    default:
      return cpu.cr8;
  }
}

function setGprNumber(cpu: Cpu, index: number, value: number): void {
  cpu.lo[index] = value >>> 0;
  cpu.hi[index] = Math.floor(value / TWO32) >>> 0;
}

const movCr: Factory = (d) => {
  const [dst, src] = d.operands;
  if (!dst || !src) return undefined;
  if (dst.kind === OperandKind.Control && src.reg) {
    const n = dst.special;
    const write = crWriters[n];
    const gpr = src.reg.index;
    if (!write) return () => { throw ud(); };
    return (cpu) => {
      requireCpl0(cpu);
      const lo = cpu.lo[gpr]!;
      const hi = d.bitness === 64 ? cpu.hi[gpr]! : 0;
      if (cpu.nonRoot && n !== 2) cpu.nonRoot.intercept(Intercept.MovToCr, { length: d.length, register: n, gpr, value: (BigInt(hi) << 32n) | BigInt(lo) });
      write(cpu, lo, hi);
    };
  }
  if (src.kind === OperandKind.Control && dst.reg) {
    const n = src.special;
    const gpr = dst.reg.index;
    if (!crWriters[n]) return () => { throw ud(); };
    return (cpu) => {
      requireCpl0(cpu);
      if (cpu.nonRoot && (n === 3 || n === 8)) cpu.nonRoot.intercept(Intercept.MovFromCr, { length: d.length, register: n, gpr });
      const value = readCr(cpu, n);
      if (d.bitness === 64) setGprNumber(cpu, gpr, value);
      else setGprNumber(cpu, gpr, value >>> 0);
    };
  }
  return undefined;
};

const DR7_GD = 0x2000;
const DR6_BD = 0x2000;

/** Debug register number after the DR4/DR5 → DR6/DR7 alias (CR4.DE = 0), or #UD (CR4.DE = 1). */
function debugRegisterIndex(cpu: Cpu, n: number): number {
  if (n === 4 || n === 5) {
    if (cpu.cr4 & Cr4.DE) throw ud();
    return n + 2;
  }
  return n;
}

function checkDebugAccess(cpu: Cpu, n: number): number {
  requireCpl0(cpu);
  const index = debugRegisterIndex(cpu, n);
  if (cpu.dr[7]! & DR7_GD) {
    // General detect: the access faults with #DB and DR6.BD (SDM 17.2.4).
    cpu.dr[6] = (cpu.dr[6]! | DR6_BD) >>> 0;
    cpu.dr[7] = (cpu.dr[7]! & ~DR7_GD) >>> 0;
    throw new CpuFault(Vector.DB);
  }
  return index;
}

function writeDr(cpu: Cpu, index: number, lo: number, hi: number): void {
  if (index < 4) {
    cpu.dr[index] = toLinear(lo, hi);
    return;
  }
  if (hi !== 0) throw gp0();
  // DR6: B0–B3, BD, BS, BT writable; reserved bits read as 1. DR7: bit 10 reads as 1, 12, 14, 15 as 0.
  cpu.dr[index] = index === 6 ? ((lo & 0xe00f) | 0xffff0ff0) >>> 0 : ((lo & 0xffff2bff) | 0x400) >>> 0;
  if (index === 7 && executeBreakpointsArmed(cpu.dr[7]!)) cpu.attention |= Attention.SingleStep; // check DR0–DR3 before each instruction
}

const movDr: Factory = (d) => {
  const [dst, src] = d.operands;
  if (!dst || !src) return undefined;
  if (dst.kind === OperandKind.Debug && src.reg) {
    const n = dst.special;
    const gpr = src.reg.index;
    if (n > 7) return () => { throw ud(); };
    return (cpu) => {
      // MOV-DR exiting has priority over the CPL #GP, the CR4.DE #UD (SDM 26.1.3) and general detect.
      if (cpu.nonRoot) cpu.nonRoot.intercept(Intercept.MovDr, { length: d.length, register: n, gpr, toRegister: true });
      const index = checkDebugAccess(cpu, n);
      writeDr(cpu, index, cpu.lo[gpr]!, d.bitness === 64 ? cpu.hi[gpr]! : 0);
    };
  }
  if (src.kind === OperandKind.Debug && dst.reg) {
    const n = src.special;
    const gpr = dst.reg.index;
    if (n > 7) return () => { throw ud(); };
    return (cpu) => {
      if (cpu.nonRoot) cpu.nonRoot.intercept(Intercept.MovDr, { length: d.length, register: n, gpr, toRegister: false });
      const index = checkDebugAccess(cpu, n);
      setGprNumber(cpu, gpr, d.bitness === 64 ? cpu.dr[index]! : cpu.dr[index]! >>> 0);
    };
  }
  return undefined;
};

const clts: Factory = (d) => (cpu) => {
  requireCpl0(cpu);
  if (cpu.nonRoot) cpu.nonRoot.intercept(Intercept.Clts, { length: d.length });
  const next = (cpu.cr0 & ~Cr0.TS) >>> 0;
  cpu.cr0 = cpu.controlRegisterFilter ? cpu.controlRegisterFilter(0, next) : next;
  cpu.codeGeneration++;
};

/** SMSW: CR0 (low 16 bits to memory; zero-extended to a 32/64-bit register). Not privileged without UMIP. */
const smsw: Factory = (d) => {
  const dst = d.operands[0];
  if (!dst) return undefined;
  const cr0 = (cpu: Cpu): number => (cpu.nonRoot ? cpu.nonRoot.readControlRegister(0, cpu.cr0) : cpu.cr0);
  if (dst.kind === OperandKind.Memory) return (cpu) => cpu.write16(effectiveAddress(cpu, dst.mem!), cr0(cpu) & 0xffff);
  if (dst.kind !== OperandKind.Register) return undefined;
  const ref = dst.reg!;
  return (cpu) => cpu.writeReg(ref, dst.size === 2 ? cr0(cpu) & 0xffff : cr0(cpu) >>> 0, 0);
};

/** LMSW: loads CR0.PE/MP/EM/TS from the source; cannot clear PE. */
const lmsw: Factory = (d) => {
  const src = d.operands[0];
  if (!src) return undefined;
  return (cpu) => {
    requireCpl0(cpu);
    const memory = src.kind === OperandKind.Memory;
    const address = memory ? effectiveAddress(cpu, src.mem!) : undefined;
    const value = address !== undefined ? cpu.read16(address) : cpu.readReg(src.reg!) & 0xffff;
    if (cpu.nonRoot) cpu.nonRoot.intercept(Intercept.Lmsw, { length: d.length, value: BigInt(value), memoryOperand: memory, linearAddress: address });
    const low = Cr0.PE | Cr0.MP | Cr0.EM | Cr0.TS;
    const next = ((cpu.cr0 & ~(low & ~Cr0.PE)) | (value & low)) >>> 0;
    cpu.cr0 = cpu.controlRegisterFilter ? cpu.controlRegisterFilter(0, next) : next;
    cpu.codeGeneration++;
  };
};

export const controlRegisterHandlers: [number, Factory][] = [
  [Mnemonic.Mov, movCr],
  [Mnemonic.Mov, movDr],
  [Mnemonic.Clts, clts],
  [Mnemonic.Smsw, smsw],
  [Mnemonic.Lmsw, lmsw],
];
