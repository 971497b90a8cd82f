/**
 * VM entry (SDM 26), one function per step in the SDM's order: launch state (26.1),
 * control checks → VMfailValid(7), host-state checks → VMfailValid(8), guest-state
 * checks → exit 33, loading guest state, MSR loading → exit 34, then non-root operation,
 * event injection (26.6) and exits due before the first guest instruction.
 */
import { CpuFault, Vector } from '../cpu/fault';
import { EventKind, deliverEvent } from '../cpu/interrupts';
import { Flag } from '../cpu/flags';
import { Efer } from '../paging/walker';
import { CONTROL_CHECKS, injection } from './checkControls';
import { GUEST_CHECKS } from './checkGuestState';
import { HOST_CHECKS } from './checkHostState';
import { Controls } from './controls';
import { firstViolationCached } from './checkCache';
import { EntryFailure, type EntryCheck, type EntryContext } from './entryCheck';
import { EXIT_REASON_ENTRY_FAILURE, ExitReason } from './exitReasons';
import { F } from './fields';
import { Interruptibility, loadGuestState, loadedNotSaved, physicalToNumber } from './guestState';
import { loadHostStateKeptByEntry } from './hostState';
import { VmxError } from './instructionErrors';
import { loadMsrList } from './msrLoad';
import { InterruptionType, exceptionExit, interruptionInfo } from './exceptionExit';
import { performExit } from './vmExit';
import type { Vmcs } from './vmcs';
import type { VmxUnit } from './vmxUnit';

/** Decoded control words, memoized by value (a hypervisor re-enters with the same controls). */
const decodedControls = new Map<string, Controls>();

function controlsOf(vmcs: Vmcs): Controls {
  if (vmcs.decodedControls && vmcs.decodedControlsVersion === vmcs.controlVersion) return vmcs.decodedControls;
  const controls = decodeControls(vmcs);
  vmcs.decodedControls = controls;
  vmcs.decodedControlsVersion = vmcs.controlVersion;
  return controls;
}

function decodeControls(vmcs: Vmcs): Controls {
  const words = [F.PIN_BASED_VM_EXEC_CONTROL, F.CPU_BASED_VM_EXEC_CONTROL, F.SECONDARY_VM_EXEC_CONTROL, F.VM_EXIT_CONTROLS, F.VM_ENTRY_CONTROLS].map((f) => vmcs.get32(f));
  const key = words.join(',');
  let controls = decodedControls.get(key);
  if (!controls) {
    controls = new Controls(words[0]!, words[1]!, words[2]!, words[3]!, words[4]!);
    if (decodedControls.size > 256) decodedControls.clear();
    decodedControls.set(key, controls);
  }
  return controls;
}

/** The entry context outside the checks: the VMCS itself. */
type LiveContext = EntryContext & { readonly vmcs: Vmcs };

/** Control checks (VMfailValid 7), then host-state checks (VMfailValid 8). */
function checkControlsAndHost(c: LiveContext): EntryFailure | undefined {
  return checkControls(c) ?? checkHostState(c);
}

function failure(step: EntryFailure['step'], check: EntryCheck, error?: number, exitReason?: number): EntryFailure {
  return new EntryFailure(step, check.id, check.fields, check.rule, check.sdm, error, exitReason, check.qualification ?? 0);
}

/** P5: VMLAUNCH needs a clear VMCS, VMRESUME a launched one. */
function checkLaunchState(vmcs: Vmcs, launch: boolean, epoch: number): EntryFailure | undefined {
  if (launch && vmcs.launchState !== 'clear') return new EntryFailure('basic', 'P5', [], 'VMLAUNCH requires the launch state of the current VMCS to be clear (use VMRESUME, or VMCLEAR first)', '26.1', VmxError.VmlaunchNonClear, undefined);
  if (!launch && vmcs.launchState !== 'launched') return new EntryFailure('basic', 'P5', [], 'VMRESUME requires the launch state of the current VMCS to be launched (use VMLAUNCH first)', '26.1', VmxError.VmresumeNonLaunched, undefined);
  if (!launch && vmcs.launchedInEpoch !== epoch) return new EntryFailure('basic', 'P5', [], 'VMRESUME of a VMCS launched before VMXOFF (VMCLEAR and VMLAUNCH it again)', '26.1', VmxError.VmresumeAfterVmxoff, undefined);
  return undefined;
}

// The check lists run through the check cache (checkCache.ts): same order, same verdicts, unchanged passed checks skipped.
function checkControls(c: LiveContext): EntryFailure | undefined {
  const check = firstViolationCached(CONTROL_CHECKS, c.vmcs, c.cpu, c.controls, c.processorLma);
  return check && failure('controls', check, VmxError.EntryInvalidControls);
}

function checkHostState(c: LiveContext): EntryFailure | undefined {
  const check = firstViolationCached(HOST_CHECKS, c.vmcs, c.cpu, c.controls, c.processorLma);
  return check && failure('host-state', check, VmxError.EntryInvalidHostState);
}

function checkGuestState(c: LiveContext): EntryFailure | undefined {
  const check = firstViolationCached(GUEST_CHECKS, c.vmcs, c.cpu, c.controls, c.processorLma);
  return check && failure('guest-state', check, undefined, (EXIT_REASON_ENTRY_FAILURE | ExitReason.InvalidGuestState) >>> 0);
}

/** Loads the VM-entry MSR list; a failing entry i becomes exit 34 with qualification i. */
function loadEntryMsrs(c: EntryContext): EntryFailure | undefined {
  const count = c.vmcs.get32(F.VM_ENTRY_MSR_LOAD_COUNT);
  if (count === 0) return undefined;
  const failed = loadMsrList(c.cpu, physicalToNumber(c.vmcs.get(F.VM_ENTRY_MSR_LOAD_ADDR)), count);
  if (failed === 0) return undefined;
  return new EntryFailure('msr-load', 'M1', ['VM_ENTRY_MSR_LOAD_ADDR', 'VM_ENTRY_MSR_LOAD_COUNT'], `VM-entry MSR-load entry ${failed} could not be loaded (reserved bits, a forbidden MSR, or a value WRMSR would reject)`, '26.4', undefined, (EXIT_REASON_ENTRY_FAILURE | ExitReason.MsrLoading) >>> 0, failed);
}

/** Delivers the event in the VM-entry interruption-information field through the guest IDT (SDM 26.6.1). */
function injectEvent(unit: VmxUnit, c: EntryContext): void {
  const e = injection(c);
  if (!e.valid || e.type === InterruptionType.Other) return;
  const cpu = c.cpu;
  const guestRip = cpu.rip;
  const software = e.type >= InterruptionType.SoftwareInterrupt && e.type <= InterruptionType.SoftwareException;
  const length = software ? c.vmcs.get32(F.VM_ENTRY_INSTRUCTION_LEN) : 0;
  cpu.rip += length;
  const kind = e.type === InterruptionType.External || e.type === InterruptionType.Nmi ? EventKind.External : e.type === InterruptionType.HardwareException || e.type === InterruptionType.PrivilegedSoftwareException ? EventKind.Exception : EventKind.Software;
  const errorCode = e.deliverError ? c.vmcs.get32(F.VM_ENTRY_EXCEPTION_ERROR_CODE) : undefined;
  unit.noteDelivery(c.vmcs.get32(F.VM_ENTRY_INTR_INFO) & 0x80000fff, errorCode ?? 0, length);
  try {
    try {
      deliverEvent(cpu, e.vector, kind, errorCode);
    } catch (fault) {
      if (!(fault instanceof CpuFault)) throw fault;
      // An injected INT n / INT3 faulted during delivery (the exception bitmap did not make it
      // exit, SDM 27.2.4): the fault is delivered with the guest RIP, not RIP + length.
      cpu.rip = guestRip;
      deliverEvent(cpu, fault.vector, EventKind.Exception, fault.errorCode);
    }
  } catch (signal) {
    if (unit.onSignal(signal, guestRip) !== 'handled') throw signal;
  }
}

/** Pending debug exceptions that make a #DB pending: BS (bit 14) or "enabled breakpoint" (bit 12); DR6 receives B3–B0 and BS. */
const PENDING_DEBUG_TRIGGER = 0x5000;
const PENDING_DEBUG_DR6 = 0x400f;

/**
 * A #DB the pending-debug-exceptions field makes pending (SDM 26.7.3): with no event
 * injected and no blocking by MOV SS it is recognized before the first guest instruction —
 * an exit per the exception bitmap (qualification = the DR6 bits, DR6 unchanged) or a
 * delivery through the guest IDT with the bits in DR6.
 */
function pendingDebugException(unit: VmxUnit, c: LiveContext): void {
  const pending = c.vmcs.get32(F.GUEST_PENDING_DBG_EXCEPTIONS); // B3–B0, enabled breakpoint and BS are low bits
  if ((pending & PENDING_DEBUG_TRIGGER) === 0 || injection(c).valid) return;
  if (c.vmcs.get32(F.GUEST_INTERRUPTIBILITY_INFO) & Interruptibility.MovSs) return;
  const cpu = c.cpu;
  const bits = pending & PENDING_DEBUG_DR6;
  const exit = exceptionExit(c.vmcs, new CpuFault(Vector.DB), bits);
  if (exit) return performExit(unit, exit, cpu.rip);
  cpu.dr[6] = ((cpu.dr[6]! & ~PENDING_DEBUG_DR6) | bits) >>> 0;
  unit.noteDelivery(interruptionInfo(Vector.DB, undefined), 0);
  try {
    deliverEvent(cpu, Vector.DB, EventKind.Exception);
  } catch (signal) {
    if (unit.onSignal(signal, cpu.rip) !== 'handled') throw signal;
  }
}

/** Exits that happen right after entry, before the first guest instruction (SDM 26.7). */
function immediateExit(unit: VmxUnit, c: EntryContext, startInstret: number): void {
  const cpu = c.cpu;
  const timer = unit.immediateExit(startInstret);
  if (timer) return performExit(unit, timer, cpu.rip);
  const primary = c.controls.primary;
  if (!primary.interruptWindowExiting && !primary.nmiWindowExiting) return;
  const blocked = (c.vmcs.get32(F.GUEST_INTERRUPTIBILITY_INFO) & (Interruptibility.Sti | Interruptibility.MovSs)) !== 0;
  if (primary.interruptWindowExiting && cpu.flagBits & Flag.IF && !blocked) return performExit(unit, { reason: ExitReason.InterruptWindow }, cpu.rip);
  const nmiBlocked = cpu.virtualNmiBlocked; // loaded from bit 3, or set by an injected NMI
  if (primary.nmiWindowExiting && !nmiBlocked) {
    if (!blocked) return performExit(unit, { reason: ExitReason.NmiWindow }, cpu.rip);
    unit.watchNmiWindow(startInstret + 1); // after the instruction in the STI / MOV-SS shadow
  }
}

/** The last steps of every VM entry: non-root operation, event injection (SDM 26.6), then a pending #DB and the exits due before the first guest instruction (26.7). */
function enterGuest(unit: VmxUnit, c: LiveContext, startInstret: number): void {
  unit.enterNonRoot(c.vmcs, c.controls, startInstret);
  injectEvent(unit, c);
  if (unit.operation === 'non-root') pendingDebugException(unit, c);
  if (unit.operation === 'non-root') immediateExit(unit, c, startInstret);
}

/**
 * VMLAUNCH (`launch`) or VMRESUME after the instruction's own checks (P1–P3). On
 * success the CPU runs the guest; on failure the unit's `lastEntryFailure` says why and
 * either VMfailValid was signalled or a VM exit to the host happened.
 * `startInstret` is the instruction count at which the guest's first instruction runs.
 */
export function vmEntry(unit: VmxUnit, launch: boolean, startInstret: number): void {
  const cpu = unit.cpu;
  const vmcs = unit.current!;
  const controls = controlsOf(vmcs);
  const c: LiveContext = { cpu, vmcs, controls };
  unit.lastEntryFailure = undefined;

  const vmfail = checkLaunchState(vmcs, launch, unit.vmxonEpoch) ?? checkControlsAndHost(c);
  if (vmfail) {
    unit.lastEntryFailure = vmfail;
    unit.failValid(vmfail.error!);
    unit.onEntryFailure?.(vmfail);
    return;
  }
  unit.controls = controls;
  const guestFailure = checkGuestState(c);
  if (guestFailure) return failEntry(unit, guestFailure);
  const hostRip = cpu.rip;
  unit.leavingRoot();
  loadGuestState(cpu, vmcs, controls);
  const msrFailure = loadEntryMsrs(c);
  if (msrFailure) return failEntry(unit, msrFailure, hostRip);
  if (launch) {
    vmcs.launchState = 'launched';
    vmcs.launchedInEpoch = unit.vmxonEpoch;
  }
  enterGuest(unit, c, startInstret);
}

/**
 * The host's VMRESUME performed straight after a VM exit whose host state was not loaded
 * (vmxUnit.ts `resumeAfterExit`), with the VMCS's live guest state still in the CPU: the
 * steps of `vmEntry`, loading only the guest state the exit handler changed. When any check
 * fails or an MSR list is to be loaded, nothing is done (false): the host state is then
 * loaded and the host's own VMRESUME fails the same way. `exitControls`: the controls of the exit.
 */
export function resumeAfterExit(unit: VmxUnit, exitControls: Controls): boolean {
  const cpu = unit.cpu;
  const vmcs = unit.current!;
  const controls = controlsOf(vmcs);
  // The host's EFER.LMA, as loading the host state would have set it.
  const processorLma = exitControls.exit.loadEfer ? (vmcs.get32(F.HOST_IA32_EFER) & Efer.LMA) !== 0 : exitControls.exit.hostAddressSpaceSize;
  const c: LiveContext = { cpu, vmcs, controls, processorLma };
  if (checkLaunchState(vmcs, false, unit.vmxonEpoch) ?? checkControlsAndHost(c) ?? checkGuestState(c)) return false;
  if (vmcs.get32(F.VM_ENTRY_MSR_LOAD_COUNT) !== 0) return false;
  unit.lastEntryFailure = undefined;
  unit.controls = controls;
  loadHostStateKeptByEntry(cpu, vmcs, exitControls, controls);
  loadGuestState(cpu, vmcs, controls, vmcs.liveGroups & ~loadedNotSaved(exitControls, controls));
  const startInstret = cpu.instret + 1;
  enterGuest(unit, c, startInstret);
  return true;
}

/** VM-entry failure after the host-state checks: exit reason with bit 31 set, host state loaded, no guest state saved. */
function failEntry(unit: VmxUnit, failure: EntryFailure, rip = unit.cpu.rip): void {
  unit.lastEntryFailure = failure;
  performExit(unit, { reason: failure.exitReason!, qualification: failure.qualification }, rip, false);
  unit.onEntryFailure?.(failure);
}
