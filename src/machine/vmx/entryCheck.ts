/**
 * The vocabulary of VM-entry checks: a check names the VMCS fields it reads, the rule it
 * enforces and the SDM section; a failed check becomes an `EntryFailure`, the typed value
 * the VMX unit keeps for the debugger (`lastEntryFailure`).
 */
import { Efer } from '../paging/walker';
import type { Cpu } from '../cpu/cpu';
import type { Controls } from './controls';
import type { VmcsReader } from './vmcs';
import { instructionErrorText } from './instructionErrors';
import { exitReasonName } from './exitReasons';

export interface EntryContext {
  readonly cpu: Cpu;
  /** The current VMCS (during the checks: the check cache's recording view of it). */
  readonly vmcs: VmcsReader;
  readonly controls: Controls;
  /** Guest segment fields, decoded once per entry attempt by the segment checks. */
  guestSegments?: readonly GuestSegment[];
  /**
   * IA32_EFER.LMA of the processor doing the VM entry, when the CPU does not hold its state: a
   * VMRESUME straight after an exit (vmEntry.ts `resumeAfterExit`) still has the guest's.
   */
  readonly processorLma?: boolean;
}

/** IA32_EFER.LMA of the processor doing the VM entry (the host's). */
export function processorLma(c: EntryContext): boolean {
  return c.processorLma ?? (c.cpu.efer & Efer.LMA) !== 0;
}

/** A guest segment register as the guest-state checks read it from the VMCS. */
export interface GuestSegment {
  readonly selector: number;
  readonly base: bigint;
  readonly limit: number;
  readonly ar: number;
  readonly usable: boolean;
  readonly type: number;
  readonly dpl: number;
  readonly rpl: number;
}

export interface EntryCheck {
  /** Stable identifier (fact sheet §10 numbering: C1…, H1…, G1…, M1). */
  readonly id: string;
  readonly fields: readonly string[];
  readonly rule: string;
  readonly sdm: string;
  /** Exit qualification for guest-state failures (fact sheet §4.6: 2 PDPTE, 4 link pointer). */
  readonly qualification?: number;
  violated(c: EntryContext): boolean;
}

export type EntryStep = 'basic' | 'controls' | 'host-state' | 'guest-state' | 'msr-load';

export class EntryFailure {
  constructor(
    readonly step: EntryStep,
    readonly check: string,
    readonly fields: readonly string[],
    readonly rule: string,
    readonly sdm: string,
    /** VM-instruction error (steps basic, controls, host-state). */
    readonly error: number | undefined,
    /** Exit reason with bit 31 set (steps guest-state, msr-load). */
    readonly exitReason: number | undefined,
    readonly qualification = 0,
  ) {}

  describe(): string {
    const what = this.error !== undefined ? `VM-instruction error ${this.error}` : `exit reason ${(this.exitReason ?? 0) & 0xffff} (${exitReasonName(this.exitReason ?? 0)}), qualification ${this.qualification}`;
    return `VM entry failed: ${what} — ${this.rule} (SDM ${this.sdm})`;
  }

  /** The VM-instruction error's meaning, for the failure's details view. */
  get errorText(): string | undefined {
    return this.error !== undefined ? instructionErrorText(this.error) : undefined;
  }

  toJSON(): Record<string, unknown> {
    return { step: this.step, check: this.check, error: this.error, exitReason: this.exitReason, qualification: this.qualification, fields: this.fields, rule: this.rule, sdm: this.sdm, message: this.describe() };
  }
}

/** The first check in `checks` that `c` violates. */
export function firstViolation(checks: readonly EntryCheck[], c: EntryContext): EntryCheck | undefined {
  for (const check of checks) if (check.violated(c)) return check;
  return undefined;
}

// ---- small predicates shared by the check tables ----------------------------------------

export const MAX_PHYS = 46;

/** Address is below 2^MAXPHYADDR. */
export function physicalOk(value: bigint): boolean {
  return value >> BigInt(MAX_PHYS) === 0n;
}

export function aligned(value: bigint, bytes: number): boolean {
  return (value & BigInt(bytes - 1)) === 0n;
}

/** A 64-bit value is canonical for 48-bit linear addresses. */
export function canonical(value: bigint): boolean {
  const signed = BigInt.asIntN(64, value);
  return signed >= -(1n << 47n) && signed < 1n << 47n;
}

/** Memory types valid in PAT entries: 0, 1, 4, 5, 6, 7. */
export function validPat(value: bigint): boolean {
  for (let i = 0n; i < 8n; i++) {
    const type = Number((value >> (8n * i)) & 0xffn);
    if (type === 2 || type === 3 || type > 7) return false;
  }
  return true;
}
