/**
 * VMX state in reverse-execution snapshots: VMX operation, every VMCS region, the
 * controls of the running guest, the time-based exit deadlines and the exit log's length.
 */
import { EptTranslator } from '../paging/ept';
import { Controls } from './controls';
import type { EntryFailure } from './entryCheck';
import { F } from './fields';
import { LAZY_GUEST_GROUPS } from './guestState';
import type { VmcsRegionState } from './vmcs';
import type { VmxOperation, VmxUnit } from './vmxUnit';

export interface VmxSnapshot {
  readonly operation: VmxOperation;
  readonly vmxonPointer: number;
  readonly vmxonEpoch: number;
  readonly current: number | undefined;
  readonly controls: [number, number, number, number, number] | undefined;
  readonly regions: readonly VmcsRegionState[];
  readonly lastEntryFailure: EntryFailure | undefined;
  readonly exits: number;
  readonly omittedExits: number;
  readonly exitCounts: readonly [number, number][];
  readonly deadlines: { timer: number; mtf: number; window: number; nmiWindow: number };
  readonly tscOffsetApplied: bigint;
}

export function saveVmx(unit: VmxUnit): VmxSnapshot {
  const c = unit.controls;
  return {
    operation: unit.operation,
    vmxonPointer: unit.vmxonPointer,
    vmxonEpoch: unit.vmxonEpoch,
    current: unit.current?.address,
    controls: c && [c.pinValue, c.primaryValue, c.secondaryRaw, c.exitValue, c.entryValue],
    regions: unit.store.all().map((v) => ({ address: v.address, launchState: v.launchState, launchedInEpoch: v.launchedInEpoch, values: v.entries() })),
    lastEntryFailure: unit.lastEntryFailure,
    exits: unit.exits.length,
    omittedExits: unit.omittedExits,
    exitCounts: [...unit.exitCounts],
    deadlines: { ...unit.deadlines },
    tscOffsetApplied: unit.tscOffsetApplied,
  };
}

export function restoreVmx(unit: VmxUnit, state: VmxSnapshot): void {
  unit.operation = state.operation;
  unit.vmxonPointer = state.vmxonPointer;
  unit.vmxonEpoch = state.vmxonEpoch;
  unit.store.restore(state.regions);
  unit.current = state.current === undefined ? undefined : unit.store.at(state.current);
  unit.controls = state.controls && new Controls(...state.controls);
  unit.lastEntryFailure = state.lastEntryFailure;
  unit.exits.length = Math.min(unit.exits.length, state.exits);
  unit.omittedExits = state.omittedExits;
  unit.restoreExitCounts(state.exitCounts);
  Object.assign(unit.deadlines, state.deadlines);
  unit.tscOffsetApplied = state.tscOffsetApplied; // IA32_TSC_ADJUST itself is restored with the CPU's MSRs
  const cpu = unit.cpu;
  const nonRoot = unit.operation === 'non-root' && unit.current !== undefined && unit.controls !== undefined;
  unit.ept = nonRoot && unit.controls!.secondary.enableEpt ? new EptTranslator(cpu.mem, unit.current!.get(F.EPT_POINTER)) : undefined;
  unit.setCpuHooks(nonRoot);
  if (nonRoot) {
    // the CPU holds the guest state again (restored with it): the lazily saved groups are its
    unit.guestState.controls = unit.controls!;
    unit.current!.goLive(unit.guestState, LAZY_GUEST_GROUPS);
  }
  cpu.guestPhysical = unit.ept;
  if (!nonRoot) Object.assign(unit.deadlines, { timer: Infinity, mtf: Infinity, window: Infinity, nmiWindow: Infinity });
  unit.rearm();
  cpu.codeGeneration++;
}
