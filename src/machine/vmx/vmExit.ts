/**
 * VM exits (SDM 27): a VM exit is thrown as a `VmExit` signal by the instruction, EPT or
 * exception path that causes it, and performed by `performExit`: record the exit
 * information, save guest state, store/load the MSR lists, load host state, leave VMX
 * non-root operation. When the host resumes the guest at once (the built-in hypervisor),
 * its exit handler runs first and the host state is loaded only if the resume cannot
 * follow straight away (vmxUnit.ts `resumeAfterExit`).
 */
import { F } from './fields';
import { saveGuestState } from './guestState';
import { loadHostState } from './hostState';
import { loadMsrList, storeMsrList } from './msrLoad';
import { physicalToNumber } from './guestState';
import { EXIT_REASON_ENTRY_FAILURE, ExitReason, exitReasonName } from './exitReasons';
import type { Controls } from './controls';
import type { Vmcs } from './vmcs';
import { slotOf } from './vmcsSlots';
import type { VmxUnit } from './vmxUnit';
import { takeIretNmiUnblocking } from '../cpu/nmiBlocking';

/** Exit information carried by the signal (fields not given are left as they are). */
export interface ExitInfo {
  readonly reason: number;
  readonly qualification?: bigint | number;
  /** VM-exit instruction length (instruction-caused exits). */
  readonly instructionLength?: number;
  readonly instructionInfo?: number;
  readonly guestLinear?: number;
  readonly guestPhysical?: number;
  /** VM-exit interruption information and error code (exception and interrupt exits). */
  readonly interruptionInfo?: number;
  readonly interruptionError?: number;
}

/** Thrown to abort the current instruction and exit to the host. */
export class VmExit {
  constructor(readonly info: ExitInfo) {}
}

/** One VM exit as the debugger and `run --json` report it. */
export interface ExitRecord {
  readonly reason: number;
  readonly name: string;
  readonly qualification: bigint;
  readonly guestRip: number;
  readonly guestPhysical: number | null;
  readonly instructionLength: number;
  readonly entryFailure: boolean;
  /** VM-exit interruption information (exception exits), else 0. */
  readonly interruptionInfo: number;
  /** Instruction count when the exit happened. */
  readonly instret: number;
}

/** An `ExitRecord` whose name and BigInt qualification are made only when read (most exits are only counted). */
class ExitEvent implements ExitRecord {
  constructor(
    readonly reason: number,
    private readonly rawQualification: bigint | number,
    readonly guestRip: number,
    readonly guestPhysical: number | null,
    readonly instructionLength: number,
    readonly entryFailure: boolean,
    readonly interruptionInfo: number,
    readonly instret: number,
  ) {}

  get name(): string {
    return exitReasonName(this.reason);
  }

  get qualification(): bigint {
    const q = this.rawQualification;
    return typeof q === 'bigint' ? q : BigInt(q);
  }
}

/** Slots of the 32-bit fields every exit writes. */
const EXIT_SLOTS = {
  reason: slotOf(F.VM_EXIT_REASON),
  instructionLength: slotOf(F.VM_EXIT_INSTRUCTION_LEN),
  instructionInfo: slotOf(F.VMX_INSTRUCTION_INFO),
  interruptionInfo: slotOf(F.VM_EXIT_INTR_INFO),
  interruptionError: slotOf(F.VM_EXIT_INTR_ERROR_CODE),
  vectoringInfo: slotOf(F.IDT_VECTORING_INFO),
  vectoringError: slotOf(F.IDT_VECTORING_ERROR_CODE),
  /** VM-entry interruption information (a control field: never live guest state either). */
  entryInterruption: slotOf(F.VM_ENTRY_INTR_INFO),
} as const;

const NMI_UNBLOCKING_DUE_TO_IRET = 0x1000;
const NO_IRET_BIT = { interruption: 0, qualification: 0 } as const;

/**
 * Bit 12 "NMI unblocking due to IRET" (SDM 27.2.2, 27.2.1 EPT violations): set on an exception
 * exit (not #DF) or EPT violation caused by an IRET that removed (virtual-)NMI blocking,
 * unless the exit also reports IDT vectoring (then undefined: we write 0).
 */
function iretNmiBit(info: ExitInfo, vectoring: boolean, unblocked: boolean): { readonly interruption: number; readonly qualification: number } {
  if (!unblocked || vectoring) return NO_IRET_BIT;
  const exception = info.reason === ExitReason.ExceptionOrNmi && (info.interruptionInfo ?? 0) >>> 31 === 1 && ((info.interruptionInfo ?? 0) & 0xff) !== 8;
  // (an EPT-violation qualification never has bit 12 set otherwise: adding it is an OR)
  return { interruption: exception ? NMI_UNBLOCKING_DUE_TO_IRET : 0, qualification: info.reason === ExitReason.EptViolation ? NMI_UNBLOCKING_DUE_TO_IRET : 0 };
}

/** Performs a VM exit from non-root operation (or an entry failure, `guestSaved` = false). `rip` is the guest RIP to save. */
export function performExit(unit: VmxUnit, info: ExitInfo, rip: number, guestSaved = true): void {
  const cpu = unit.cpu;
  const vmcs = unit.current;
  const controls = unit.controls;
  if (!vmcs || !controls) throw new Error('VM exit without a current VMCS');
  const entryFailure = (info.reason & EXIT_REASON_ENTRY_FAILURE) !== 0;

  const vectoring = unit.takeVectoring();
  const iret = iretNmiBit(info, vectoring !== undefined, takeIretNmiUnblocking(cpu));
  vmcs.putU32(EXIT_SLOTS.reason, info.reason);
  if (typeof info.qualification === 'bigint') vmcs.set(F.EXIT_QUALIFICATION, info.qualification | BigInt(iret.qualification));
  else vmcs.setNumber(F.EXIT_QUALIFICATION, (info.qualification ?? 0) + iret.qualification);
  vmcs.putU32(EXIT_SLOTS.instructionLength, info.instructionLength ?? 0);
  vmcs.putU32(EXIT_SLOTS.instructionInfo, info.instructionInfo ?? 0);
  vmcs.putU32(EXIT_SLOTS.interruptionInfo, (info.interruptionInfo ?? 0) | iret.interruption);
  vmcs.putU32(EXIT_SLOTS.interruptionError, info.interruptionError ?? 0);
  vmcs.putU32(EXIT_SLOTS.vectoringInfo, vectoring?.info ?? 0);
  vmcs.putU32(EXIT_SLOTS.vectoringError, vectoring?.error ?? 0);
  if (info.guestLinear !== undefined) vmcs.setNumber(F.GUEST_LINEAR_ADDRESS, info.guestLinear);
  if (info.guestPhysical !== undefined) vmcs.setNumber(F.GUEST_PHYSICAL_ADDRESS, info.guestPhysical);
  // VM exits clear the valid bit of the VM-entry interruption information (SDM 27.2.5).
  vmcs.putU32(EXIT_SLOTS.entryInterruption, vmcs.get32(F.VM_ENTRY_INTR_INFO) & 0x7fffffff);

  if (guestSaved) {
    saveGuestState(cpu, vmcs, controls, rip, unit.guestState);
    // An expired timer saves 0 (SDM 27.3.4); the deadline arithmetic alone reads 1 at an exit before the first guest instruction.
    if (controls.exit.savePreemptionTimer) vmcs.setU32(F.VMX_PREEMPTION_TIMER_VALUE, info.reason === ExitReason.PreemptionTimer ? 0 : unit.preemptionTimerValue());
    if (vmcs.get32(F.VM_EXIT_MSR_STORE_COUNT) !== 0) storeMsrList(cpu, physicalToNumber(vmcs.get(F.VM_EXIT_MSR_STORE_ADDR)), vmcs.get32(F.VM_EXIT_MSR_STORE_COUNT));
  }
  unit.leaveNonRoot();
  // A host that resumes at once gets its exit handler run with the guest's state still in the CPU.
  const deferHost = guestSaved && unit.mayResumeAfterExit(vmcs);
  if (!deferHost) loadHost(unit, vmcs, controls);
  unit.recordExit(new ExitEvent(info.reason >>> 0, info.qualification ?? 0, rip, info.guestPhysical ?? null, info.instructionLength ?? 0, entryFailure, info.interruptionInfo ?? 0, cpu.instret));
  if (deferHost && !unit.resumeAfterExit(vmcs, controls)) loadHost(unit, vmcs, controls);
}

/** The host side of a VM exit: the guest state saved in full, host state and the VM-exit MSR-load list loaded (SDM 27.5, 27.6). */
function loadHost(unit: VmxUnit, vmcs: Vmcs, controls: Controls): void {
  const cpu = unit.cpu;
  vmcs.settle();
  loadHostState(cpu, vmcs, controls);
  unit.enteredRoot();
  const loadCount = vmcs.get32(F.VM_EXIT_MSR_LOAD_COUNT);
  const failed = loadCount === 0 ? 0 : loadMsrList(cpu, physicalToNumber(vmcs.get(F.VM_EXIT_MSR_LOAD_ADDR)), loadCount);
  if (failed !== 0) unit.abort(4, `loading host MSR-list entry ${failed} failed`);
}

/** Exit reason of a VMX instruction executed in non-root operation, by iced mnemonic name. */
export const VMX_INSTRUCTION_EXITS: Readonly<Record<string, number>> = {
  vmcall: ExitReason.Vmcall,
  vmclear: ExitReason.Vmclear,
  vmlaunch: ExitReason.Vmlaunch,
  vmptrld: ExitReason.Vmptrld,
  vmptrst: ExitReason.Vmptrst,
  vmread: ExitReason.Vmread,
  vmresume: ExitReason.Vmresume,
  vmwrite: ExitReason.Vmwrite,
  vmxoff: ExitReason.Vmxoff,
  vmxon: ExitReason.Vmxon,
  invept: ExitReason.Invept,
  invvpid: ExitReason.Invvpid,
  vmfunc: ExitReason.Vmfunc,
};
