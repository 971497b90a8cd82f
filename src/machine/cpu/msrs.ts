/**
 * The model-specific registers: a registry of `{read, write}` per MSR number, with the
 * architectural MSRs of this CPU registered here (SDM Vol. 4 table 2-2). Other units add
 * theirs with `registerMsr` (VMX: capability MSRs 0x480–0x491; apic/cpuApic.ts: IA32_APIC_BASE,
 * IA32_TSC_DEADLINE and the x2APIC MSRs 0x800–0x8ff). An MSR
 * without an entry raises #GP(0) on RDMSR and WRMSR. Handlers throw `CpuFault` for
 * invalid writes (reserved bits, non-canonical addresses) before changing state.
 */
import type { Cpu } from './cpu';
import { gp0 } from './fault';
import { Msr } from './msrIndex';
import { Seg } from './registers';
import { bigIntToLinear, linearToBigInt } from './state';
import { Cr0, Efer } from '../paging/walker';

export interface MsrHandler {
  read(cpu: Cpu): bigint;
  /** Validates and stores `value` (unsigned 64-bit); throws #GP(0) for invalid values. */
  write(cpu: Cpu, value: bigint): void;
}

const registry = new Map<number, MsrHandler>();

/** Adds or replaces the handler of MSR `index`. */
export function registerMsr(index: number, handler: MsrHandler): void {
  registry.set(index >>> 0, handler);
}

export function isMsrImplemented(index: number): boolean {
  return registry.has(index >>> 0);
}

/** RDMSR semantics without the CPL check: #GP(0) for an unknown MSR. */
export function readMsr(cpu: Cpu, index: number): bigint {
  const handler = registry.get(index >>> 0);
  if (!handler) throw gp0();
  return BigInt.asUintN(64, handler.read(cpu));
}

/** WRMSR semantics without the CPL check: #GP(0) for an unknown MSR or an invalid value. */
export function writeMsr(cpu: Cpu, index: number, value: bigint): void {
  const handler = registry.get(index >>> 0);
  if (!handler) throw gp0();
  handler.write(cpu, BigInt.asUintN(64, value));
}

// ---- helpers for the built-in table -------------------------------------------------

/** An MSR kept in `cpu.msrs`; `reserved` bits must be written as 0. */
function stored(index: number, initial: bigint, reserved = 0n): MsrHandler {
  return {
    read: (cpu) => cpu.msrs.get(index) ?? initial,
    write: (cpu, value) => {
      if ((value & reserved) !== 0n) throw gp0();
      cpu.msrs.set(index, value);
    },
  };
}

/** A constant MSR: writes raise #GP(0). */
function readOnly(value: bigint): MsrHandler {
  return {
    read: () => value,
    write: () => {
      throw gp0();
    },
  };
}

/** An MSR holding a linear address: writes must be canonical (SDM 2.2.1). */
function canonicalStored(index: number): MsrHandler {
  return {
    read: (cpu) => cpu.msrs.get(index) ?? 0n,
    write: (cpu, value) => {
      if (bigIntToLinear(value) === undefined) throw gp0();
      cpu.msrs.set(index, value);
    },
  };
}

/** A segment base (FS/GS) or KERNEL_GS_BASE: a canonical linear address in a CPU field. */
function canonicalField(get: (cpu: Cpu) => number, set: (cpu: Cpu, linear: number) => void): MsrHandler {
  return {
    read: (cpu) => linearToBigInt(get(cpu)),
    write: (cpu, value) => {
      const linear = bigIntToLinear(value);
      if (linear === undefined) throw gp0();
      set(cpu, linear);
    },
  };
}

/** Time stamp counter: the retired-instruction count plus IA32_TSC_ADJUST (no wall clock). */
export function timeStampCounter(cpu: Cpu): bigint {
  return BigInt.asUintN(64, BigInt(cpu.instret) + (cpu.msrs.get(Msr.IA32_TSC_ADJUST) ?? 0n));
}

const EFER_WRITABLE = BigInt(Efer.SCE | Efer.LME | Efer.NXE);
/** Memory types valid in a PAT entry: UC, WC, WT, WP, WB, UC- (SDM 11.12.2). */
const PAT_TYPES = new Set([0, 1, 4, 5, 6, 7]);
/** IA32_FEATURE_CONTROL bits this CPU implements: lock, VMX in/outside SMX, SENTER bits, SGX launch, LMCE. */
const FEATURE_CONTROL_VALID = 0x7n | (0x7fn << 8n) | (1n << 15n) | (1n << 17n) | (1n << 18n) | (1n << 20n);

const efer: MsrHandler = {
  read: (cpu) => BigInt(cpu.efer),
  write: (cpu, value) => {
    if ((value & ~(EFER_WRITABLE | BigInt(Efer.LMA))) !== 0n) throw gp0();
    const next = (Number(value & EFER_WRITABLE) | (cpu.efer & Efer.LMA)) >>> 0;
    // LME cannot change while paging is on (SDM 9.8.5).
    if ((cpu.cr0 & Cr0.PG) !== 0 && ((next ^ cpu.efer) & Efer.LME) !== 0) throw gp0();
    const nxeChanged = ((next ^ cpu.efer) & Efer.NXE) !== 0;
    cpu.efer = next;
    if (nxeChanged) cpu.flushTlb(true); // cached executable permissions depend on NXE
  },
};

const tsc: MsrHandler = {
  read: timeStampCounter,
  write: (cpu, value) => {
    const delta = BigInt.asIntN(64, value - timeStampCounter(cpu));
    cpu.msrs.set(Msr.IA32_TSC_ADJUST, BigInt.asUintN(64, (cpu.msrs.get(Msr.IA32_TSC_ADJUST) ?? 0n) + delta));
  },
};

const featureControl: MsrHandler = {
  read: (cpu) => cpu.msrs.get(Msr.IA32_FEATURE_CONTROL) ?? 0n,
  write: (cpu, value) => {
    const current = cpu.msrs.get(Msr.IA32_FEATURE_CONTROL) ?? 0n;
    if ((current & 1n) !== 0n || (value & ~FEATURE_CONTROL_VALID) !== 0n) throw gp0();
    cpu.msrs.set(Msr.IA32_FEATURE_CONTROL, value);
  },
};

const pat: MsrHandler = {
  read: (cpu) => cpu.msrs.get(Msr.IA32_PAT) ?? 0x0007040600070406n,
  write: (cpu, value) => {
    for (let i = 0n; i < 8n; i++) if (!PAT_TYPES.has(Number((value >> (8n * i)) & 0xffn))) throw gp0();
    cpu.msrs.set(Msr.IA32_PAT, value);
  },
};

/** MSR numbers of this table that have no constant in msrIndex.ts. */
const Extra = { IA32_PLATFORM_ID: 0x17, IA32_BIOS_SIGN_ID: 0x8b, IA32_MTRRCAP: 0xfe, IA32_MCG_CAP: 0x179, IA32_MCG_STATUS: 0x17a, IA32_MISC_ENABLE: 0x1a0, IA32_MTRR_DEF_TYPE: 0x2ff } as const;

const builtIn: [number, MsrHandler][] = [
  [Msr.IA32_TIME_STAMP_COUNTER, tsc],
  [Msr.IA32_TSC_ADJUST, stored(Msr.IA32_TSC_ADJUST, 0n)],
  [Msr.IA32_FEATURE_CONTROL, featureControl],
  [Msr.IA32_SYSENTER_CS, stored(Msr.IA32_SYSENTER_CS, 0n, BigInt.asUintN(64, ~0xffffn))],
  [Msr.IA32_SYSENTER_ESP, canonicalStored(Msr.IA32_SYSENTER_ESP)],
  [Msr.IA32_SYSENTER_EIP, canonicalStored(Msr.IA32_SYSENTER_EIP)],
  [Msr.IA32_DEBUGCTL, stored(Msr.IA32_DEBUGCTL, 0n, BigInt.asUintN(64, ~0xffffn))],
  [Msr.IA32_PAT, pat],
  [Msr.IA32_EFER, efer],
  [Msr.IA32_STAR, stored(Msr.IA32_STAR, 0n)],
  [Msr.IA32_LSTAR, canonicalStored(Msr.IA32_LSTAR)],
  [Msr.IA32_CSTAR, canonicalStored(Msr.IA32_CSTAR)],
  [Msr.IA32_FMASK, stored(Msr.IA32_FMASK, 0n, 0xffffffff00000000n)],
  [Msr.IA32_FS_BASE, canonicalField((cpu) => cpu.segments[Seg.FS]!.base, (cpu, v) => (cpu.segments[Seg.FS]!.base = v))],
  [Msr.IA32_GS_BASE, canonicalField((cpu) => cpu.segments[Seg.GS]!.base, (cpu, v) => (cpu.segments[Seg.GS]!.base = v))],
  [Msr.IA32_KERNEL_GS_BASE, canonicalField((cpu) => cpu.kernelGsBase, (cpu, v) => (cpu.kernelGsBase = v))],
  [Msr.IA32_TSC_AUX, stored(Msr.IA32_TSC_AUX, 0n, 0xffffffff00000000n)],
  [Extra.IA32_PLATFORM_ID, readOnly(0n)],
  [Extra.IA32_BIOS_SIGN_ID, stored(Extra.IA32_BIOS_SIGN_ID, 0n)],
  [Extra.IA32_MTRRCAP, readOnly(0x500n)], // WC supported, fixed ranges, no variable ranges
  [Extra.IA32_MTRR_DEF_TYPE, stored(Extra.IA32_MTRR_DEF_TYPE, 0xc06n, BigInt.asUintN(64, ~0xcffn))],
  [Extra.IA32_MCG_CAP, readOnly(0n)],
  [Extra.IA32_MCG_STATUS, stored(Extra.IA32_MCG_STATUS, 0n, BigInt.asUintN(64, ~0x7n))],
  [Extra.IA32_MISC_ENABLE, stored(Extra.IA32_MISC_ENABLE, 0x1n)], // fast strings enabled
];
for (const [index, handler] of builtIn) registerMsr(index, handler);
