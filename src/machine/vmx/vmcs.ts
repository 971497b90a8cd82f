/**
 * VMCS storage. A VMCS is a 4 KiB region of physical memory identified by its address.
 * The revision identifier lives in memory at offset 0 (software writes it, VMXON and
 * VMPTRLD read it from there); the launch state and the field values are kept here, in
 * a Map per region address — the SDM leaves the in-memory format implementation-specific, and software
 * must use VMREAD/VMWRITE. Values are unsigned 64-bit BigInts already truncated to the
 * field's width.
 */
import type { PhysicalMemory } from '../memory/physicalMemory';
import { VMCS_REVISION_ID } from './capabilities';
import { VMCS_FIELDS, resolveEncoding, widthOf, type FieldWidth } from './fields';
import { VmxError } from './instructionErrors';

export type LaunchState = 'clear' | 'launched';

/** A VMCS region as reverse-execution snapshots keep it. */
export interface VmcsRegionState {
  readonly address: number;
  readonly launchState: LaunchState;
  readonly values: readonly [number, bigint][];
}

export class Vmcs {
  launchState: LaunchState = 'clear';
  readonly values = new Map<number, bigint>();

  constructor(readonly address: number) {}

  /** A field's value by full encoding (0 when never written). */
  get(encoding: number): bigint {
    return this.values.get(encoding) ?? 0n;
  }

  /** Low 32 bits of a field as an unsigned number. */
  get32(encoding: number): number {
    return Number((this.values.get(encoding) ?? 0n) & 0xffffffffn);
  }

  /** Bumped on every write to a control or host-state field (lets VM entry skip re-checking unchanged ones). */
  controlVersion = 0;
  /** `controlVersion` (and host EFER.LMA) at which the control and host-state checks last passed. */
  checkedVersion = '';

  /** Stores a field value (processor-side: read-only fields too), truncated to the field's width. */
  set(encoding: number, value: bigint): void {
    const stored = truncate(widthOf(encoding), value);
    const type = (encoding >>> 10) & 3;
    if ((type === 0 || type === 3) && this.values.get(encoding) !== stored) this.controlVersion++;
    this.values.set(encoding, stored);
  }
}

function truncate(width: FieldWidth, value: bigint): bigint {
  return BigInt.asUintN(width === 'natural' ? 64 : width, value);
}

export type VmcsAccess = { ok: true; value: bigint } | { ok: false; error: number };

/** VMREAD of `encoding`: the value, or VMfailValid 12 for unsupported components. */
export function vmread(vmcs: Vmcs, encoding: bigint): VmcsAccess {
  if (encoding >> 32n !== 0n) return { ok: false, error: VmxError.UnsupportedComponent };
  const resolved = resolveEncoding(Number(encoding));
  if (!resolved) return { ok: false, error: VmxError.UnsupportedComponent };
  const value = vmcs.get(resolved.field.encoding);
  return { ok: true, value: resolved.high ? value >> 32n : value };
}

/** VMWRITE: 12 for unsupported components, 13 for read-only ones (IA32_VMX_MISC bit 29 is 0). */
export function vmwrite(vmcs: Vmcs, encoding: bigint, value: bigint): VmcsAccess {
  if (encoding >> 32n !== 0n) return { ok: false, error: VmxError.UnsupportedComponent };
  const resolved = resolveEncoding(Number(encoding));
  if (!resolved) return { ok: false, error: VmxError.UnsupportedComponent };
  const field = resolved.field;
  if (field.type === 'read-only') return { ok: false, error: VmxError.WriteReadOnlyComponent };
  if (resolved.high) {
    const low = vmcs.get(field.encoding) & 0xffffffffn;
    vmcs.set(field.encoding, ((value & 0xffffffffn) << 32n) | low);
  } else vmcs.set(field.encoding, value);
  return { ok: true, value };
}

/** Every VMCS region the processor has seen, by physical address. */
export class VmcsStore {
  private readonly regions = new Map<number, Vmcs>();

  constructor(private readonly mem: PhysicalMemory) {}

  /** The VMCS at `address`, created (all fields 0 — like uninitialised hardware, so a forgotten VMCS link pointer fails check G25 — launch state clear) on first use. */
  at(address: number): Vmcs {
    let vmcs = this.regions.get(address);
    if (!vmcs) {
      vmcs = new Vmcs(address);
      this.regions.set(address, vmcs);
    }
    return vmcs;
  }

  /** Revision identifier (bits 30:0) and shadow indicator (bit 31) from the region's first dword in memory. */
  revisionAt(address: number): { revision: number; shadow: boolean } {
    const dword = this.mem.read32(address);
    return { revision: dword & 0x7fffffff, shadow: dword >>> 31 === 1 };
  }

  /** VMCLEAR: the launch state becomes clear; the data is "written back" (it already lives here). */
  clear(address: number): void {
    this.at(address).launchState = 'clear';
  }

  /** All known regions, for the debugger. */
  all(): Vmcs[] {
    return [...this.regions.values()];
  }

  /** Replaces every region (reverse execution). */
  restore(states: readonly VmcsRegionState[]): void {
    this.regions.clear();
    for (const state of states) {
      const vmcs = new Vmcs(state.address);
      vmcs.launchState = state.launchState;
      for (const [encoding, value] of state.values) vmcs.values.set(encoding, value);
      this.regions.set(state.address, vmcs);
    }
  }
}

export { VMCS_REVISION_ID, VMCS_FIELDS };
