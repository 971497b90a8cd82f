/**
 * VMCS storage. A VMCS is a 4 KiB region of physical memory identified by its address.
 * The revision identifier lives in memory at offset 0 (software writes it, VMXON and
 * VMPTRLD read it from there); the launch state and the field values are kept here, per
 * region address (a Map of regions, each with its field values) — the SDM leaves the
 * in-memory format implementation-specific and software must use VMREAD/VMWRITE.
 * Values are unsigned 64-bit, truncated to the field's width.
 */
import type { PhysicalMemory } from '../memory/physicalMemory';
import type { Controls } from './controls';
import { VMCS_REVISION_ID, fieldExists } from './capabilities';
import { VMCS_FIELDS, resolveEncoding, widthOf, type FieldWidth } from './fields';
import { VmxError } from './instructionErrors';
import { SLOT_GROUPS, changedGroups } from './fieldGroups';
import { SLOTS, slotOf } from './vmcsSlots';
import type { SegmentRegister } from '../cpu/segment';
import { GUEST_SEGMENTS } from './segmentFields';
import type { EntryCheckState } from './checkCache';

export type LaunchState = 'clear' | 'launched';

/** A VMCS region as reverse-execution snapshots keep it. */
export interface VmcsRegionState {
  readonly address: number;
  readonly launchState: LaunchState;
  readonly launchedInEpoch: number;
  readonly values: readonly [number, bigint][];
}

/** The read side of a VMCS, as the VM-entry checks see it (a `Vmcs`, or the check cache's recording view of one). */
export interface VmcsReader {
  readonly address: number;
  get(encoding: number): bigint;
  get32(encoding: number): number;
  getLinear(encoding: number): number;
  getNumber(encoding: number): number;
  getHigh32(encoding: number): number;
  bits(encoding: number, mask: number): number;
}

/**
 * Guest state a VM exit left in the CPU instead of saving it (guestState.ts `CpuGuestState`):
 * it writes the fields of `groups` (fieldGroups.ts bits) from the CPU into the VMCS.
 */
export interface LiveGuestState {
  saveGroups(vmcs: Vmcs, groups: number): void;
}

const TWO32 = 4294967296;
/** Slot bits 6:5 are the field type (vmcsSlots.ts); 2 is guest state, the only type with live groups. */
const SLOT_TYPE = 0x60;
const GUEST_STATE_SLOT = 0x40;
/** Slots of the guest segment fields: selector, base, limit, access rights per GUEST_SEGMENTS entry. */
const SEGMENT_SLOTS = Int16Array.from(GUEST_SEGMENTS.flatMap((s) => [s.selector, s.base, s.limit, s.accessRights].map(slotOf)));

export class Vmcs implements VmcsReader {
  launchState: LaunchState = 'clear';
  /** The VMXON epoch (VmxUnit.vmxonEpoch) of the VMLAUNCH that launched it: VMRESUME after VMXOFF/VMXON is error 6. */
  launchedInEpoch = 0;
  /** Field values as 32-bit halves by slot (no BigInt on the hot paths). */
  private readonly lo = new Uint32Array(SLOTS);
  private readonly hi = new Uint32Array(SLOTS);
  /** `get` results by slot, dropped when the value changes (MSR loads on entry/exit read the same BigInts every time). */
  private readonly big = new Array<bigint | undefined>(SLOTS).fill(undefined);
  /** Bumped on every change of a control or host-state field (lets VM entry skip re-checking unchanged ones). */
  controlVersion = 0;
  /** The control words decoded at `decodedControlsVersion` (VM entry reuses them while no control changed). */
  decodedControls: Controls | undefined = undefined;
  decodedControlsVersion = -1;
  /** Field groups (fieldGroups.ts) whose values changed since VM entry last collected them. */
  dirty = -1;
  /** The VM-entry check cache of this VMCS (checkCache.ts), created by the first entry. */
  entryChecks: EntryCheckState | undefined = undefined;
  /**
   * Guest-state field groups whose current values are the CPU's, not yet written here (a VM
   * exit saves them lazily while the CPU still holds the guest's state). Any read or write of
   * one of their fields first saves the group from the CPU, so every access sees exactly what
   * an eager save would have stored; `settle` saves them all before the CPU's state changes.
   */
  liveGroups = 0;
  private live: LiveGuestState | undefined = undefined;

  constructor(readonly address: number) {}

  /** The guest-state `groups` are the CPU's (`source`) from now on, until read, written or settled. */
  goLive(source: LiveGuestState, groups: number): void {
    this.live = source;
    this.liveGroups = groups;
  }

  /** Saves every group still live (before the CPU stops holding the guest's state). */
  settle(): void {
    if (this.liveGroups !== 0) this.materialize(this.liveGroups);
  }

  private materialize(groups: number): void {
    this.liveGroups &= ~groups;
    this.live!.saveGroups(this, groups);
  }

  /** Saves the live group of `slot` before it is accessed. */
  private sync(slot: number): void {
    const groups = SLOT_GROUPS[slot]! & this.liveGroups;
    if (groups !== 0) this.materialize(groups);
  }

  /** A field's value by full encoding (0 when never written). */
  get(encoding: number): bigint {
    const slot = slotOf(encoding);
    if (this.liveGroups !== 0 && (slot & SLOT_TYPE) === GUEST_STATE_SLOT) this.sync(slot);
    const cached = this.big[slot];
    if (cached !== undefined) return cached;
    const hi = this.hi[slot]!;
    const value = hi === 0 ? BigInt(this.lo[slot]!) : (BigInt(hi) << 32n) | BigInt(this.lo[slot]!);
    this.big[slot] = value;
    return value;
  }

  /** Low 32 bits of a field as an unsigned number. */
  get32(encoding: number): number {
    const slot = slotOf(encoding);
    if (this.liveGroups !== 0 && (slot & SLOT_TYPE) === GUEST_STATE_SLOT) this.sync(slot);
    return this.lo[slot]!;
  }

  /** A natural-width field as a signed-canonical number (bits 63:48 ignored), without BigInt. */
  getLinear(encoding: number): number {
    const slot = slotOf(encoding);
    if (this.liveGroups !== 0 && (slot & SLOT_TYPE) === GUEST_STATE_SLOT) this.sync(slot);
    const hi = this.hi[slot]!;
    return hi === 0 ? this.lo[slot]! : ((hi << 16) >> 16) * TWO32 + this.lo[slot]!;
  }

  /** Bits 51:0 of a field as a number (physical addresses: CR3 on entry and exit). */
  getPhysical(encoding: number): number {
    const slot = slotOf(encoding);
    if (this.liveGroups !== 0 && (slot & SLOT_TYPE) === GUEST_STATE_SLOT) this.sync(slot);
    return (this.hi[slot]! & 0xfffff) * TWO32 + this.lo[slot]!;
  }

  /** A field as an unsigned number (exact below 2^53: physical addresses). */
  getNumber(encoding: number): number {
    const slot = slotOf(encoding);
    if (this.liveGroups !== 0 && (slot & SLOT_TYPE) === GUEST_STATE_SLOT) this.sync(slot);
    return this.hi[slot]! * TWO32 + this.lo[slot]!;
  }

  /** Stores a field value (processor-side: read-only fields too), truncated to the field's width. */
  set(encoding: number, value: bigint): void {
    if (this.liveGroups !== 0 && (slotOf(encoding) & SLOT_TYPE) === GUEST_STATE_SLOT) this.sync(slotOf(encoding));
    if (this.big[slotOf(encoding)] === value) return; // already stored (MSR values saved on exit are the BigInts loaded on entry)
    if (value >= 0n && value <= 0xffffffffn) {
      const lo = Number(value);
      this.store(encoding, widthOf(encoding) === 16 ? lo & 0xffff : lo, 0);
      return;
    }
    const stored = truncate(widthOf(encoding), value);
    this.store(encoding, Number(stored & 0xffffffffn), Number(stored >> 32n));
  }

  /** Stores a number: unsigned (< 2^53) or a signed-canonical linear address (as 64-bit two's complement). */
  setNumber(encoding: number, value: number): void {
    const width = (encoding >>> 13) & 3; // encoding bits 14:13: 0 = 16-bit, 1 = 64-bit, 2 = 32-bit, 3 = natural
    if (width === 0) this.store(encoding, value & 0xffff, 0);
    else if (width === 2) this.store(encoding, value >>> 0, 0);
    else this.store(encoding, value >>> 0, value >= 0 && value < TWO32 ? 0 : Math.floor(value / TWO32) >>> 0);
  }

  /** Stores an unsigned 32-bit number into a 32-bit or natural-width field (bits 63:32 become 0); no width lookup. */
  setU32(encoding: number, value: number): void {
    this.store(encoding, value >>> 0, 0);
  }

  /**
   * Stores an unsigned 32-bit value by slot (vmcsSlots.ts) into a 32-bit field that is never
   * live guest state: the VM-exit information fields every exit writes, and the VM-entry
   * interruption information whose valid bit it clears (vmExit.ts).
   */
  putU32(slot: number, value: number): void {
    const lo = value >>> 0;
    const oldLo = this.lo[slot]!;
    const oldHi = this.hi[slot]!;
    if (oldLo === lo && oldHi === 0) return;
    this.changed(slot, oldLo ^ lo, oldHi);
    this.lo[slot] = lo;
    this.hi[slot] = 0;
  }

  /** Saves guest segment register `i` (GUEST_SEGMENTS order: ES…GS, LDTR, TR) into its four fields (VM exit). */
  saveGuestSegment(i: number, seg: SegmentRegister): void {
    const at = i * 4;
    const base = seg.base;
    this.put(SEGMENT_SLOTS[at]!, seg.selector & 0xffff, 0);
    this.put(SEGMENT_SLOTS[at + 1]!, base >>> 0, base >= 0 && base < TWO32 ? 0 : Math.floor(base / TWO32) >>> 0);
    this.put(SEGMENT_SLOTS[at + 2]!, seg.limit >>> 0, 0);
    this.put(SEGMENT_SLOTS[at + 3]!, seg.accessRights >>> 0, 0);
  }

  /** Loads guest segment register `i` from its four fields (VM entry). */
  loadGuestSegment(i: number, seg: SegmentRegister): void {
    const at = i * 4;
    const baseSlot = SEGMENT_SLOTS[at + 1]!;
    const hi = this.hi[baseSlot]!;
    const base = hi === 0 ? this.lo[baseSlot]! : ((hi << 16) >> 16) * TWO32 + this.lo[baseSlot]!;
    seg.load(this.lo[SEGMENT_SLOTS[at]!]!, base, this.lo[SEGMENT_SLOTS[at + 2]!]!, this.lo[SEGMENT_SLOTS[at + 3]!]!);
  }

  /** Stores a 64-bit value given as unsigned 32-bit halves (GPR-style). */
  setHalves(encoding: number, lo: number, hi: number): void {
    const width = widthOf(encoding);
    this.store(encoding, width === 16 ? lo & 0xffff : lo >>> 0, width === 16 || width === 32 ? 0 : hi >>> 0);
  }

  /** Bits `mask` of a field's low 32 bits (lets the entry-check cache track RFLAGS by bit group). */
  bits(encoding: number, mask: number): number {
    const slot = slotOf(encoding);
    if (this.liveGroups !== 0 && (slot & SLOT_TYPE) === GUEST_STATE_SLOT) this.sync(slot);
    return (this.lo[slot]! & mask) >>> 0;
  }

  /** Bits 63:32 of a field. */
  getHigh32(encoding: number): number {
    const slot = slotOf(encoding);
    if (this.liveGroups !== 0 && (slot & SLOT_TYPE) === GUEST_STATE_SLOT) this.sync(slot);
    return this.hi[slot]!;
  }

  private store(encoding: number, lo: number, hi: number): void {
    this.put(slotOf(encoding), lo, hi);
  }

  private put(slot: number, lo: number, hi: number): void {
    if (this.liveGroups !== 0 && (slot & SLOT_TYPE) === GUEST_STATE_SLOT) this.sync(slot); // the group's other fields are saved first; the VMCS holds the group from now on
    const oldLo = this.lo[slot]!;
    const oldHi = this.hi[slot]!;
    if (oldLo === lo && oldHi === hi) return;
    this.changed(slot, oldLo ^ lo, oldHi ^ hi);
    this.lo[slot] = lo;
    this.hi[slot] = hi;
  }

  /** Bookkeeping of a value change: dirty groups, control/host version, the BigInt cache. */
  private changed(slot: number, loChanged: number, hiChanged: number): void {
    this.dirty |= changedGroups(slot, loChanged, hiChanged);
    const type = (slot >>> 5) & 3;
    if (type === 0 || type === 3) this.controlVersion++;
    this.big[slot] = undefined;
  }

  /** Every supported field with a nonzero value (snapshots, debugger). */
  entries(): [number, bigint][] {
    this.settle();
    const out: [number, bigint][] = [];
    for (const encoding of VMCS_FIELDS.keys()) if (this.lo[slotOf(encoding)] !== 0 || this.hi[slotOf(encoding)] !== 0) out.push([encoding, this.get(encoding)]);
    return out;
  }
}

function truncate(width: FieldWidth, value: bigint): bigint {
  return BigInt.asUintN(width === 'natural' ? 64 : width, value);
}

export type VmcsAccess = { ok: true; value: bigint } | { ok: false; error: number };

/** VMREAD of `encoding`: the value, or VMfailValid 12 for unsupported components (incl. fields of features we lack, fieldSupport.ts). */
export function vmread(vmcs: Vmcs, encoding: bigint): VmcsAccess {
  if (encoding >> 32n !== 0n) return { ok: false, error: VmxError.UnsupportedComponent };
  const resolved = resolveEncoding(Number(encoding));
  if (!resolved || !fieldExists(resolved.field.encoding)) return { ok: false, error: VmxError.UnsupportedComponent };
  const value = vmcs.get(resolved.field.encoding);
  return { ok: true, value: resolved.high ? value >> 32n : value };
}

/** VMWRITE: 12 for unsupported components, 13 for read-only ones (IA32_VMX_MISC bit 29 is 0). */
export function vmwrite(vmcs: Vmcs, encoding: bigint, value: bigint): VmcsAccess {
  if (encoding >> 32n !== 0n) return { ok: false, error: VmxError.UnsupportedComponent };
  const resolved = resolveEncoding(Number(encoding));
  if (!resolved || !fieldExists(resolved.field.encoding)) return { ok: false, error: VmxError.UnsupportedComponent };
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
      vmcs.launchedInEpoch = state.launchedInEpoch;
      for (const [encoding, value] of state.values) vmcs.set(encoding, value);
      this.regions.set(state.address, vmcs);
    }
  }
}

export { VMCS_REVISION_ID, VMCS_FIELDS };
