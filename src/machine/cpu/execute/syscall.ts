/**
 * Fast system calls in IA-32e mode (SDM Vol. 2 SYSCALL, SYSRET, SYSENTER, SYSEXIT, SWAPGS). SYSCALL and
 * SYSRET load fixed flat CS/SS caches from IA32_STAR without reading the GDT, exactly as
 * the hardware does; a GDT that disagrees with STAR is the OS's bug, not a fault.
 */
import { Mnemonic } from 'iced-x86';
import type { Factory } from '../compile';
import type { Cpu } from '../cpu';
import { gp0, ud } from '../fault';
import { Flag } from '../flags';
import { Msr } from '../msrIndex';
import { Seg } from '../registers';
import { Ar } from '../segment';
import { isCanonicalHalves, toLinear } from '../state';
import { Efer } from '../../paging/walker';
import { afterCodeSegmentLoad, in64BitMode, requireCpl0 } from './privilege';

/** Flat segment caches SYSCALL/SYSRET load (type, S, P, G and L or D/B). */
const CODE64 = 0xb | Ar.S | Ar.P | Ar.L | Ar.G;
const CODE32 = 0xb | Ar.S | Ar.P | Ar.DB | Ar.G;
const STACK = 0x3 | Ar.S | Ar.P | Ar.DB | Ar.G;

function star(cpu: Cpu): bigint {
  return cpu.msrs.get(Msr.IA32_STAR) ?? 0n;
}

function requireSyscallEnabled(cpu: Cpu): void {
  if (!(cpu.efer & Efer.SCE) || !(cpu.efer & Efer.LMA) || !in64BitMode(cpu)) throw ud();
}

/** SYSCALL: RCX = next RIP, R11 = RFLAGS, RFLAGS &= ~FMASK, CS/SS from STAR[47:32], RIP = LSTAR. */
const syscall: Factory = () => (cpu) => {
  requireSyscallEnabled(cpu);
  const selector = Number((star(cpu) >> 32n) & 0xfffcn);
  const lstar = cpu.msrs.get(Msr.IA32_LSTAR) ?? 0n;
  const fmask = Number(cpu.msrs.get(Msr.IA32_FMASK) ?? 0n);
  const flags = cpu.rflags;
  cpu.setGpr(1, BigInt.asUintN(64, BigInt(cpu.rip)));
  cpu.lo[11] = (flags & ~Flag.RF) >>> 0;
  cpu.hi[11] = 0;
  cpu.rflags = (flags & ~fmask & ~(Flag.RF | Flag.VM)) >>> 0;
  cpu.segments[Seg.CS]!.load(selector, 0, 0xffffffff, CODE64);
  cpu.segments[Seg.SS]!.load(selector + 8, 0, 0xffffffff, STACK);
  cpu.rip = Number(BigInt.asIntN(64, lstar)); // canonical: WRMSR checked it
  afterCodeSegmentLoad(cpu);
};

/**
 * SYSRET (32-bit operand size: to compatibility mode, RIP = ECX) and SYSRETQ (to 64-bit
 * mode, RIP = RCX, #GP(0) when RCX is not canonical). CS = STAR[63:48] (+16 for
 * SYSRETQ), SS = STAR[63:48] + 8, both with RPL 3; RFLAGS = R11 without RF and VM.
 */
function sysret(to64: boolean): Factory {
  return () => (cpu) => {
    requireSyscallEnabled(cpu);
    requireCpl0(cpu);
    if (to64 && !isCanonicalHalves(cpu.hi[1]!)) throw gp0();
    const base = Number((star(cpu) >> 48n) & 0xfffcn);
    cpu.rflags = ((cpu.lo[11]! & 0x3c7fd7) | Flag.FIXED1) >>> 0;
    cpu.segments[Seg.CS]!.load((to64 ? base + 16 : base) | 3, 0, 0xffffffff, (to64 ? CODE64 : CODE32) | (3 << Ar.DPL_SHIFT));
    cpu.segments[Seg.SS]!.load((base + 8) | 3, 0, 0xffffffff, STACK | (3 << Ar.DPL_SHIFT));
    cpu.rip = to64 ? toLinear(cpu.lo[1]!, cpu.hi[1]!) : cpu.lo[1]!;
    afterCodeSegmentLoad(cpu);
  };
}

/** IA32_SYSENTER_CS/ESP/EIP as read by SYSENTER/SYSEXIT. */
function sysenterMsr(cpu: Cpu, index: number): bigint {
  return cpu.msrs.get(index) ?? 0n;
}

/**
 * SYSENTER in IA-32e mode: CS = SYSENTER_CS (64-bit code), SS = CS + 8, RIP/RSP from
 * SYSENTER_EIP/ESP, CPL 0; IF, VM and RF cleared. #GP(0) when SYSENTER_CS is null.
 */
const sysenter: Factory = () => (cpu) => {
  if (!(cpu.efer & Efer.LMA)) throw ud(); // legacy-mode SYSENTER is not simulated
  const selector = Number(sysenterMsr(cpu, Msr.IA32_SYSENTER_CS) & 0xfffcn);
  if (selector === 0) throw gp0();
  cpu.rflags = (cpu.rflags & ~(Flag.IF | Flag.VM | Flag.RF)) >>> 0;
  cpu.segments[Seg.CS]!.load(selector, 0, 0xffffffff, CODE64);
  cpu.segments[Seg.SS]!.load(selector + 8, 0, 0xffffffff, STACK);
  cpu.rip = Number(BigInt.asIntN(64, sysenterMsr(cpu, Msr.IA32_SYSENTER_EIP)));
  cpu.setGpr(4, sysenterMsr(cpu, Msr.IA32_SYSENTER_ESP));
  afterCodeSegmentLoad(cpu);
};

/**
 * SYSEXIT (to 32-bit code: CS = SYSENTER_CS + 16, SS = + 24, EIP = EDX, ESP = ECX) and
 * SYSEXITQ (to 64-bit code: CS + 32, SS + 40, RIP = RDX, RSP = RCX; #GP(0) when RDX or
 * RCX is not canonical). CPL 0 only.
 */
function sysexit(to64: boolean): Factory {
  return () => (cpu) => {
    if (!(cpu.efer & Efer.LMA)) throw ud();
    requireCpl0(cpu);
    const base = Number(sysenterMsr(cpu, Msr.IA32_SYSENTER_CS) & 0xfffcn);
    if (base === 0) throw gp0();
    if (to64 && (!isCanonicalHalves(cpu.hi[2]!) || !isCanonicalHalves(cpu.hi[1]!))) throw gp0();
    cpu.segments[Seg.CS]!.load((base + (to64 ? 32 : 16)) | 3, 0, 0xffffffff, (to64 ? CODE64 : CODE32) | (3 << Ar.DPL_SHIFT));
    cpu.segments[Seg.SS]!.load((base + (to64 ? 40 : 24)) | 3, 0, 0xffffffff, STACK | (3 << Ar.DPL_SHIFT));
    cpu.rip = to64 ? toLinear(cpu.lo[2]!, cpu.hi[2]!) : cpu.lo[2]!;
    cpu.lo[4] = cpu.lo[1]!;
    cpu.hi[4] = to64 ? cpu.hi[1]! : 0;
    afterCodeSegmentLoad(cpu);
  };
}

/** SWAPGS: exchanges GS.base with IA32_KERNEL_GS_BASE (64-bit mode, CPL 0). */
const swapgs: Factory = () => (cpu) => {
  if (!in64BitMode(cpu)) throw ud();
  requireCpl0(cpu);
  const gs = cpu.segments[Seg.GS]!;
  const kernel = cpu.kernelGsBase;
  cpu.kernelGsBase = gs.base;
  gs.base = kernel;
};

export const syscallHandlers: [number, Factory][] = [
  [Mnemonic.Syscall, syscall],
  [Mnemonic.Sysret, sysret(false)],
  [Mnemonic.Sysretq, sysret(true)],
  [Mnemonic.Swapgs, swapgs],
  [Mnemonic.Sysenter, sysenter],
  [Mnemonic.Sysexit, sysexit(false)],
  [Mnemonic.Sysexitq, sysexit(true)],
];
