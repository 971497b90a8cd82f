/**
 * The one x86-64 4-level page walker (SDM Vol. 3 4.5), which also walks PAE paging (CR4.PAE
 * without IA32_EFER.LMA, SDM 4.4: the same PD/PT levels below four PDPTEs at CR3 bits 31:5).
 * Used for TLB refills (with side effects: A/D bits, faults) and by debuggers in trace mode
 * (no side effects, every access recorded). Under EPT every paging-structure address is a
 * guest-physical address translated through `guestPhysical` — the two-dimensional walk.
 *
 *   linear:  63..48 sign | 47..39 PML4 | 38..30 PDPT | 29..21 PD | 20..12 PT | 11..0 offset
 *   PAE:                                  31..30 PDPTE | 29..21 PD | 20..12 PT | 11..0 offset
 *   32-bit (CR4.PAE = 0, 4-byte entries):               31..22 PD | 21..12 PT | 11..0 offset
 *
 * 32-bit paging (SDM 4.3) takes 4-byte entries, 4 MiB pages with CR4.PSE (PSE-36: PDE bits
 * 20:13 are physical-address bits 39:32, bit 21 reserved) and has no execute-disable bit.
 *
 * PAE simplification: the PDPTEs are read at each walk, not kept in registers from the
 * last CR3 load (they differ only if software changes them without reloading CR3).
 */
import type { PhysicalMemory } from '../memory/physicalMemory';
import { Access, type AccessRequest, type WalkStep, type WalkTrace } from './types';

export const Pte = {
  P: 1,
  RW: 2,
  US: 4,
  PWT: 8,
  PCD: 16,
  A: 32,
  D: 64,
  PS: 128,
  G: 256,
} as const;

/** #PF error-code bits (SDM Vol. 3 4.7). */
export const PfError = { P: 1, W: 2, U: 4, RSVD: 8, I: 16 } as const;

export const MAX_PHYS_BITS = 46;
const TWO32 = 4294967296;
/** Bits 51..MAXPHYADDR of the high dword of an entry: reserved (must be 0). */
const HIGH_RESERVED = (((1 << (52 - 32)) - 1) & ~((1 << (MAX_PHYS_BITS - 32)) - 1)) >>> 0;

export interface EptRequest {
  readonly access: Access;
  readonly linear: number | undefined;
  /** The access reads a guest paging-structure entry (EPT qualification bit 8 clear). */
  readonly pagingStructure: boolean;
  readonly sideEffects: boolean;
  readonly trace: WalkStep[] | undefined;
  /** Guest level being served (4..1), 0 for the final data access. */
  readonly forGuestLevel: number;
  readonly user: boolean;
}

/** Second-level translation (EPT). Returns the host-physical address, or -1 on failure in trace mode. */
export interface GuestPhysicalTranslator {
  translate(guestPhysical: number, request: EptRequest): number;
}

export interface PagingRegisters {
  readonly cr0: number;
  readonly cr3: number;
  readonly cr4: number;
  readonly efer: number;
}

export const Cr0 = { PE: 1, MP: 2, EM: 4, TS: 8, ET: 16, NE: 32, WP: 1 << 16, AM: 1 << 18, NW: 1 << 29, CD: 1 << 30, PG: 2 ** 31 } as const;
export const Cr4 = { VME: 1, PVI: 2, TSD: 4, DE: 8, PSE: 16, PAE: 32, MCE: 64, PGE: 128, PCE: 256, OSFXSR: 512, OSXMMEXCPT: 1024, UMIP: 2048, LA57: 4096, VMXE: 8192, SMXE: 16384, FSGSBASE: 1 << 16, PCIDE: 1 << 17, OSXSAVE: 1 << 18, SMEP: 1 << 20, SMAP: 1 << 21 } as const;
export const Efer = { SCE: 1, LME: 1 << 8, LMA: 1 << 10, NXE: 1 << 11 } as const;

export interface WalkSuccess {
  readonly ok: true;
  readonly physical: number;
  readonly pageSize: number;
  readonly guestPhysical: number;
  readonly writable: boolean;
  readonly user: boolean;
  readonly executable: boolean;
  readonly global: boolean;
  readonly dirty: boolean;
}

export interface WalkFailure {
  readonly ok: false;
  /** #PF error code. */
  readonly errorCode: number;
  readonly reason: string;
}

export type WalkResult = WalkSuccess | WalkFailure;

const LEVEL_NAMES = ['', 'PT', 'PD', 'PDPT', 'PML4'];

function entryFlags(lo: number, hi: number, level: number): string[] {
  const flags: string[] = [];
  if (lo & Pte.P) flags.push('P');
  flags.push(lo & Pte.RW ? 'RW' : 'RO');
  flags.push(lo & Pte.US ? 'U' : 'S');
  if (lo & Pte.PWT) flags.push('PWT');
  if (lo & Pte.PCD) flags.push('PCD');
  if (lo & Pte.A) flags.push('A');
  if (level === 1 || lo & Pte.PS) {
    if (lo & Pte.D) flags.push('D');
    if (lo & Pte.G) flags.push('G');
  }
  if (level > 1 && lo & Pte.PS) flags.push('PS');
  if (hi >>> 31) flags.push('NX');
  return flags;
}

/** Index of the entry for `level` (4..1) in a linear address given as a signed number. */
export function tableIndex(linear: number, level: number): number {
  return Math.floor(linear / 2 ** (12 + 9 * (level - 1))) & 0x1ff;
}

/** A 32-bit-paging 4 MiB PDE: bit 21 is reserved (bits 20:13 are address bits 39:32 with PSE-36). */
const LEGACY_4M_RESERVED = 0x200000;

/** PAE PDPTE bits 2:1 and 8:5 (no R/W, U/S, accessed flag or page size; SDM 4.4.1 Table 4-8). */
const PAE_PDPTE_RESERVED = 0x1e6;

/** Bits of a non-leaf/leaf entry that must be zero at `level` (low dword mask). */
function reservedLow(level: number, lo: number, pae: boolean): number {
  if (pae && level === 3) return lo & PAE_PDPTE_RESERVED;
  if (level === 4) return lo & Pte.PS; // PS is reserved in a PML4E
  if (lo & Pte.PS) {
    if (level === 3) return lo & 0x3fffe000; // 1 GiB page: bits 29:13
    if (level === 2) return lo & 0x001fe000; // 2 MiB page: bits 20:13
  }
  return 0;
}

/**
 * Translates `linear` for `request`. With `sideEffects`, sets accessed/dirty bits;
 * without, nothing in memory changes. `trace`, when given, receives every access.
 */
export function walk(
  mem: PhysicalMemory,
  regs: PagingRegisters,
  linear: number,
  request: AccessRequest,
  sideEffects: boolean,
  guestPhysical: GuestPhysicalTranslator | undefined,
  trace?: WalkTrace,
): WalkResult {
  const nxe = (regs.efer & Efer.NXE) !== 0;
  const wp = (regs.cr0 & Cr0.WP) !== 0;
  const write = request.kind === Access.Write;
  const fetch = request.kind === Access.Execute;
  const baseError = (write ? PfError.W : 0) | (request.user ? PfError.U : 0) | (fetch && nxe ? PfError.I : 0);
  const steps = trace?.steps;

  // PAE paging: no PML4; the PDPT is 32-byte aligned at CR3 bits 31:5.
  const pae = (regs.efer & Efer.LMA) === 0 && (regs.cr4 & Cr4.PAE) !== 0;
  const legacy = (regs.efer & Efer.LMA) === 0 && !pae; // 32-bit paging
  const pse = (regs.cr4 & Cr4.PSE) !== 0;
  let tableGpa = pae ? (regs.cr3 & 0xffffffe0) >>> 0 : legacy ? (regs.cr3 & 0xfffff000) >>> 0 : Math.floor(regs.cr3 / 4096) * 4096 % 2 ** MAX_PHYS_BITS;
  let writable = true;
  let user = true;
  let executable = true;
  const entryAddresses: number[] = [];
  const entryGpas: number[] = [];
  const entryLevels: number[] = [];

  for (let level = pae ? 3 : legacy ? 2 : 4; level >= 1; level--) {
    const pdpte = pae && level === 3; // no permissions, no accessed flag, bit 63 reserved
    const index = legacy ? (linear >>> (level === 2 ? 22 : 12)) & 0x3ff : tableIndex(linear, level);
    const entryGpa = tableGpa + index * (legacy ? 4 : 8);
    const entryHpa = guestPhysical
      ? guestPhysical.translate(entryGpa, { access: Access.Read, linear, pagingStructure: true, sideEffects, trace: steps, forGuestLevel: level, user: request.user })
      : entryGpa;
    if (entryHpa < 0) {
      if (trace) trace.fault = `EPT could not translate the ${LEVEL_NAMES[level]} table at guest-physical ${hexNumber(tableGpa)}`;
      return { ok: false, errorCode: 0, reason: trace?.fault ?? 'EPT' };
    }
    const lo = mem.read32(entryHpa);
    const hi = legacy ? 0 : mem.read32(entryHpa + 4);
    const value = BigInt(lo) | (BigInt(hi) << 32n);
    const present = (lo & Pte.P) !== 0;
    const large = (lo & Pte.PS) !== 0 && (legacy ? level === 2 && pse : level < 4);
    const reserved = present && (legacy ? large && (lo & LEGACY_4M_RESERVED) !== 0 : (hi & HIGH_RESERVED) !== 0 || ((!nxe || pdpte) && hi >>> 31 !== 0) || reservedLow(level, lo, pae) !== 0);
    const leaf = present && !reserved && (level === 1 || large);
    const step = (outcome: WalkStep['outcome'], pageSize?: number): void => {
      steps?.push({ table: 'guest', level, entryAddress: entryGpa, entryHostAddress: entryHpa, index, value, flags: entryFlags(lo, hi, level), outcome, pageSize });
    };

    if (!present) {
      step('not-present');
      if (trace) trace.fault = `${LEVEL_NAMES[level]} entry ${index} is not present`;
      return { ok: false, errorCode: baseError, reason: `${LEVEL_NAMES[level]} entry not present` };
    }
    if (reserved) {
      step('reserved');
      if (trace) trace.fault = `${LEVEL_NAMES[level]} entry ${index} has reserved bits set`;
      return { ok: false, errorCode: baseError | PfError.P | PfError.RSVD, reason: `reserved bit set in ${LEVEL_NAMES[level]} entry` };
    }
    if (!pdpte) {
      writable &&= (lo & Pte.RW) !== 0;
      user &&= (lo & Pte.US) !== 0;
      executable &&= !(nxe && hi >>> 31 !== 0);
      entryAddresses.push(entryHpa);
      entryGpas.push(entryGpa);
      entryLevels.push(level);
    }

    if (!leaf) {
      step('next');
      tableGpa = ((lo & 0xfffff000) >>> 0) + (hi & 0xfffff) * TWO32;
      continue;
    }

    const pageSize = legacy ? (level === 2 ? 0x400000 : 0x1000) : 2 ** (12 + 9 * (level - 1));
    const frame = legacy && level === 2 ? ((lo & 0xffc00000) >>> 0) + ((lo >>> 13) & 0xff) * TWO32 : ((lo & 0xfffff000) >>> 0) + (hi & 0xfffff) * TWO32;
    const pageBase = frame - (frame % pageSize);
    const offset = ((linear % pageSize) + pageSize) % pageSize;
    const denied =
      (request.user && !user) || (write && !writable && (request.user || wp)) || (fetch && !executable);
    if (denied) {
      step('permission', pageSize);
      const why = request.user && !user ? 'user access to a supervisor page' : fetch ? 'instruction fetch from a no-execute page' : 'write to a read-only page';
      if (trace) trace.fault = why;
      return { ok: false, errorCode: baseError | PfError.P, reason: why };
    }
    step('leaf', pageSize);
    const leafGpa = pageBase + offset;
    if (sideEffects) setAccessedDirty(mem, entryAddresses, entryGpas, entryLevels, write, guestPhysical, linear, request.user);
    const dirty = write || (lo & Pte.D) !== 0;
    const physical = guestPhysical
      ? guestPhysical.translate(leafGpa, { access: request.kind, linear, pagingStructure: false, sideEffects, trace: steps, forGuestLevel: 0, user: request.user })
      : leafGpa;
    if (physical < 0) {
      if (trace) trace.fault = `EPT could not translate guest-physical ${hexNumber(leafGpa)}`;
      return { ok: false, errorCode: 0, reason: trace?.fault ?? 'EPT' };
    }
    if (trace) {
      trace.physical = physical;
      trace.guestPhysical = leafGpa;
      trace.pageSize = pageSize;
    }
    return { ok: true, physical, guestPhysical: leafGpa, pageSize, writable, user, executable, global: (lo & Pte.G) !== 0, dirty };
  }
  return { ok: false, errorCode: baseError, reason: 'unreachable' };
}

/**
 * Sets A in every entry used, and D in the leaf on a write (SDM 4.8), top level first.
 * Under EPT each update is a write to the entry's guest-physical address (SDM 28.3.3.2):
 * a table in a page EPT maps read-only takes an EPT violation (data write, linear address
 * valid, bit 8 clear: a paging-structure access) — only when a bit actually changes.
 */
function setAccessedDirty(
  mem: PhysicalMemory,
  entries: number[],
  gpas: number[],
  levels: number[],
  write: boolean,
  guestPhysical: GuestPhysicalTranslator | undefined,
  linear: number,
  user: boolean,
): void {
  for (let i = 0; i < entries.length; i++) {
    let address = entries[i]!;
    const lo = mem.read32(address);
    let updated = lo | Pte.A;
    if (write && i === entries.length - 1) updated |= Pte.D;
    if (updated === lo) continue;
    if (guestPhysical) {
      address = guestPhysical.translate(gpas[i]!, { access: Access.Write, linear, pagingStructure: true, sideEffects: true, trace: undefined, forGuestLevel: levels[i]!, user });
      if (address < 0) return; // (a translator only returns -1 without side effects)
    }
    mem.write32(address, updated >>> 0);
  }
}

function hexNumber(value: number): string {
  return '0x' + value.toString(16);
}
