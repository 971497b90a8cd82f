/**
 * The VMX unit of one CPU: VMX operation (off / root / non-root), the VMXON region and
 * current-VMCS pointers, VMCS storage, the controls of the running guest, the
 * VMsucceed/VMfail flag conventions, and the run-loop hooks through which VM exits
 * arrive (signals, exceptions, the preemption-timer / monitor-trap deadline).
 * Diagnostics for the debugger: `lastEntryFailure`, the exit log and per-reason counts.
 */
import { Attention, type Cpu } from '../cpu/cpu';
import { Vector, gp0, type CpuFault } from '../cpu/fault';
import { Flag } from '../cpu/flags';
import { Msr } from '../cpu/msrIndex';
import { TripleFault } from '../cpu/interrupts';
import { DeadlineSource, type LoopOutcome, type RunLoop } from '../cpu/runLoop';
import { EptFault, EptTranslator } from '../paging/ept';
import { Cr0 } from '../paging/walker';
import { Cr0Fixed, Cr4Fixed, MiscInfo, honoursFixed } from './capabilities';
import { Controls } from './controls';
import type { EntryFailure } from './entryCheck';
import { ExitReason } from './exitReasons';
import { F } from './fields';
import { DEBUG_QUALIFICATION_BITS, InterruptionType, exceptionExit, interruptionInfo } from './exceptionExit';
import { GuestIntercepts } from './nonRoot';
import { VmcsStore, type Vmcs } from './vmcs';
import { restoreVmx, saveVmx, type VmxSnapshot } from './vmxSnapshot';
import { VmExit, performExit, type ExitInfo, type ExitRecord } from './vmExit';
import { LinkContext, freshLinkContext } from './linkContext';
import { TlbTags } from './tlbTags';
import { CpuGuestState, LAZY_GUEST_GROUPS } from './guestState';
import { resumeAfterExit } from './vmEntry';
import './msrRegistration';

export type VmxOperation = 'off' | 'root' | 'non-root';

/** VmxUnit.derive: per-entry values of a VMCS's controls, valid for one controlVersion, Controls and tag epoch. */
interface EntryDerived {
  readonly vmcs: Vmcs;
  readonly version: number;
  readonly controls: Controls;
  readonly tagEpoch: number;
  readonly tscOffset: bigint;
  readonly ept: EptTranslator | undefined;
  readonly vpid: number;
  readonly tagEptp: bigint;
  readonly tag: number;
}


const RESULT_FLAGS = Flag.CF | Flag.PF | Flag.AF | Flag.ZF | Flag.SF | Flag.OF;
/** Exit records kept for the debugger and `run --json`; later exits are only counted. */
export const EXIT_LOG_LIMIT = 10000;

const units = new WeakMap<Cpu, VmxUnit>();

/** The VMX unit of `cpu` (created on first use). */
export function vmxUnitOf(cpu: Cpu): VmxUnit {
  let unit = units.get(cpu);
  if (!unit) {
    unit = new VmxUnit(cpu);
    units.set(cpu, unit);
  }
  return unit;
}

export class VmxUnit {
  operation: VmxOperation = 'off';
  /** Physical address of the VMXON region (valid in VMX operation). */
  vmxonPointer = -1;
  /** Counts VMXONs, to tell a VMCS launched before the last VMXOFF (VMRESUME error 6). */
  vmxonEpoch = 0;
  /** The current VMCS, or undefined when the current-VMCS pointer is all ones. */
  current: Vmcs | undefined = undefined;
  /** Controls of the VMCS last entered (decoded at VM entry). */
  controls: Controls | undefined = undefined;
  readonly store: VmcsStore;
  lastEntryFailure: EntryFailure | undefined = undefined;
  readonly exits: ExitRecord[] = [];
  omittedExits = 0;
  /** Exits so far by basic exit reason (counted in a number array; the Map is made when read). */
  private readonly exitTally = new Float64Array(128);
  /** When it returns true for an exit, the machine stops with reason 'vm-exit'. */
  breakOnExit: ((exit: ExitRecord) => boolean) | undefined = undefined;
  /** Called after every VM exit (host state loaded, or still to load: `hostResumesAfterExit`): the built-in hypervisor's exit handler. */
  onExit: ((exit: ExitRecord) => void) | undefined = undefined;
  /**
   * Set by a host whose code after every VM exit is a VMRESUME of the same VMCS at HOST_RIP
   * (the built-in hypervisor's stub) and whose exit handling (`onExit`) reads guest state
   * only through the VMCS. Then, when nothing could see the host run in between, the exit
   * handler runs and that VMRESUME is performed at once, without loading the host state it
   * would only leave again: it still retires as an instruction, so instruction counts, timers
   * and the state at every count a run can stop at are those of running the stub.
   */
  hostResumesAfterExit = false;
  /** VMRESUMEs performed straight after their exit so far (diagnostics: tests and the benchmark). */
  resumedAfterExit = 0;
  /** A VMRESUME straight after an exit is under way (its own immediate exits take the full path). */
  private resuming = false;
  /** The CPU as the holder of the current VMCS's live guest state (guestState.ts). */
  readonly guestState: CpuGuestState;
  /** Called when VMLAUNCH/VMRESUME fails (VMfail or an entry-failure exit). */
  onEntryFailure: ((failure: EntryFailure) => void) | undefined = undefined;
  /** Why the last triple fault in non-root operation happened (exit reason 2). */
  lastTripleFault: string | undefined = undefined;
  /** The EPT of the running guest. */
  ept: EptTranslator | undefined = undefined;
  readonly hooks: GuestIntercepts;
  /**
   * The event being delivered through the guest IDT (for IDT-vectoring information), while it
   * is; `length`: the instruction length of a software interrupt/exception (types 4–6), else 0.
   */
  private vectoring: { info: number; error: number; length: number; instret: number; events: number } | undefined;
  private loop: RunLoop | undefined;
  /** TLB context tags of the host and of every VPID/EPTP pair (tlbTags.ts). */
  readonly tags: TlbTags;
  /** Instruction-link contexts of the two sides, recorded when each was last left (linkContext.ts). */
  private readonly hostLinks = new LinkContext();
  private readonly guestLinks = new LinkContext();
  /** The last `derive` result. */
  private derived: EntryDerived | undefined = undefined;
  /** The EPT translator of the last entry with EPT (reused while the EPTP is the same; it keeps no translation state). */
  private lastEpt: EptTranslator | undefined = undefined;
  private readonly softwareExceptionHook = (vector: number, kind: 'software-exception' | 'privileged-software-exception', length: number): void => this.onSoftwareException(vector, kind, length);
  private readonly deliveryFaultHook = (fault: CpuFault): void => this.onDeliveryFault(fault);
  private readonly softwareInterruptHook = (vector: number, length: number): void => this.noteDelivery((0x80000000 | (InterruptionType.SoftwareInterrupt << 8) | vector) >>> 0, 0, length);
  /** Instruction counts at which the preemption timer fires, the monitor trap flag exits, the interrupt and NMI windows are checked. */
  readonly deadlines = { timer: Infinity, mtf: Infinity, window: Infinity, nmiWindow: Infinity };
  /** TSC_OFFSET currently folded into IA32_TSC_ADJUST (non-root with TSC offsetting). */
  tscOffsetApplied = 0n;

  constructor(readonly cpu: Cpu) {
    this.store = new VmcsStore(cpu.mem);
    this.hooks = new GuestIntercepts(this);
    this.guestState = new CpuGuestState(cpu);
    this.tags = new TlbTags(cpu.tlb);
  }

  /**
   * Connects the unit to the run loop's signal, exception and deadline hooks (hooks set
   * before are called for what VMX does not handle; set debugger hooks before attaching,
   * or wrap these).
   */
  attach(loop: RunLoop): void {
    this.loop = loop;
    this.cpu.controlRegisterFilter = (register, value) => this.filterControlRegister(register, value);
    // Chain to hooks installed before (debugger exception breakpoints): VMX handles what is its own.
    const signal = loop.signalHandler;
    const exception = loop.exceptionHook;
    const deadline = loop.deadlineHandler;
    loop.signalHandler = (s, rip) => this.onSignal(s, rip) ?? signal?.(s, rip);
    loop.exceptionHook = (fault, rip) => this.onException(fault, rip) ?? exception?.(fault, rip);
    loop.deadlineHandler = () => this.onDeadline() ?? deadline?.();
  }

  /** Back to "VMX off" with no VMCS known (a new program is loaded). */
  reset(): void {
    if (this.operation === 'non-root') this.leaveNonRoot();
    this.operation = 'off';
    this.vmxonPointer = -1;
    this.current = undefined;
    this.controls = undefined;
    this.store.restore([]);
    this.lastEntryFailure = undefined;
    this.exits.length = 0;
    this.omittedExits = 0;
    this.exitTally.fill(0);
    this.onExit = undefined;
    this.hostResumesAfterExit = false;
    this.onEntryFailure = undefined;
    this.vectoring = undefined;
  }

  // ---- VMsucceed / VMfail (fact sheet §5) ------------------------------------------------

  succeed(): void {
    this.setResultFlags(0);
  }

  failInvalid(): void {
    this.setResultFlags(Flag.CF);
  }

  failValid(error: number): void {
    this.current?.set(F.VM_INSTRUCTION_ERROR, BigInt(error));
    this.setResultFlags(Flag.ZF);
  }

  /** VMfail(error): VMfailValid with a current VMCS, VMfailInvalid without. */
  fail(error: number): void {
    if (this.current) this.failValid(error);
    else this.failInvalid();
  }

  private setResultFlags(set: number): void {
    const cpu = this.cpu;
    cpu.materializeFlags();
    cpu.flagBits = ((cpu.flagBits & ~RESULT_FLAGS) | set) >>> 0;
  }

  // ---- non-root operation ----------------------------------------------------------------

  /** Switches to non-root operation after the guest state was loaded: from now on the VMCS's lazily saved guest state is the CPU's. */
  enterNonRoot(vmcs: Vmcs, controls: Controls, startInstret: number): void {
    const cpu = this.cpu;
    this.guestState.controls = controls;
    vmcs.goLive(this.guestState, LAZY_GUEST_GROUPS);
    this.operation = 'non-root';
    this.controls = controls;
    this.setCpuHooks(true);
    let derived = this.derived;
    if (derived?.vmcs !== vmcs || derived.version !== vmcs.controlVersion || derived.controls !== controls || derived.tagEpoch !== this.tags.epoch) derived = this.derive(vmcs, controls);
    if (derived.tscOffset !== 0n || this.tscOffsetApplied !== 0n) this.applyTscOffset(derived.tscOffset);
    this.ept = derived.ept;
    cpu.guestPhysical = this.ept;
    // Without VPIDs every VM entry invalidates the guest's linear and combined mappings (SDM 29.4.3.1):
    // a fresh TLB tag leaves every entry of the previous one unreachable (O(1), no scan of the TLB).
    this.tags.host = cpu.tlbContext;
    cpu.tlbContext = derived.vpid === 0 ? this.tags.freshForVpid0(derived.tagEptp) : derived.tag;
    this.guestLinks.enter(cpu);
    this.armDeadlines(vmcs, controls, startInstret);
  }

  /** What VM entry takes from the controls of a VMCS (TSC offset, EPT translator, VPID and TLB tag), while they are unchanged. */
  private derive(vmcs: Vmcs, controls: Controls): EntryDerived {
    const eptp = vmcs.get(F.EPT_POINTER);
    const vpid = controls.secondary.enableVpid ? vmcs.get32(F.VPID) : 0;
    const tagEptp = controls.secondary.enableEpt ? eptp : -1n;
    const derived: EntryDerived = {
      vmcs,
      version: vmcs.controlVersion,
      controls,
      tagEpoch: this.tags.epoch,
      tscOffset: controls.primary.useTscOffsetting ? vmcs.get(F.TSC_OFFSET) : 0n,
      ept: controls.secondary.enableEpt ? this.eptFor(eptp) : undefined,
      vpid,
      tagEptp,
      tag: vpid === 0 ? 0 : this.tags.forPair(vpid, tagEptp),
    };
    this.derived = derived;
    return derived;
  }

  /** VMLAUNCH/VMRESUME is about to load the guest state: remembers the host side's instruction-link context. */
  leavingRoot(): void {
    this.hostLinks.leave(this.cpu);
  }

  /** The host state was loaded by a VM exit: the host's instruction links stay valid if nothing they depend on changed. */
  enteredRoot(): void {
    this.hostLinks.enter(this.cpu);
  }

  leaveNonRoot(): void {
    const cpu = this.cpu;
    if (this.operation === 'non-root') this.guestLinks.leave(cpu);
    else this.guestLinks.forget();
    this.operation = 'root';
    this.setCpuHooks(false);
    this.applyTscOffset(0n);
    cpu.guestPhysical = undefined;
    // Without VPIDs VM exits also invalidate the mappings of VPID 0000H, the host's (SDM 29.4.3.3): a fresh host tag.
    if (this.controls?.secondary.enableVpid !== true) this.tags.host = this.tags.fresh();
    cpu.tlbContext = this.tags.host;
    cpu.linkContext = freshLinkContext(); // until the host state is loaded (enteredRoot)
    this.ept = undefined;
    this.deadlines.timer = Infinity;
    this.deadlines.mtf = Infinity;
    this.deadlines.window = Infinity;
    this.deadlines.nmiWindow = Infinity;
    this.loop?.setDeadline(DeadlineSource.Vmx, Infinity);
  }

  /**
   * "Use TSC offsetting": the guest's RDTSC/RDTSCP/RDMSR(TSC) return TSC + TSC_OFFSET. The
   * time-stamp counter is instret + IA32_TSC_ADJUST, so the offset is added to TSC_ADJUST
   * while the guest runs (and removed on exit); a guest that reads TSC_ADJUST itself sees
   * the offset included.
   */
  applyTscOffset(offset: bigint): void {
    if (offset === this.tscOffsetApplied) return;
    const msrs = this.cpu.msrs;
    const delta = offset - this.tscOffsetApplied;
    if (delta === 0n) return;
    msrs.set(Msr.IA32_TSC_ADJUST, BigInt.asUintN(64, (msrs.get(Msr.IA32_TSC_ADJUST) ?? 0n) + delta));
    this.tscOffsetApplied = offset;
  }

  /** Performs a VM exit now (guest RIP `rip`). */
  exit(info: ExitInfo, rip: number): void {
    performExit(this, info, rip);
  }

  /**
   * Performs, without a throw, the VM exit the instruction being executed causes (its
   * handler has changed nothing and returns at once; `cpu.rip` is already past it): the
   * instruction does not retire, and the run loop ends its step (Attention.VmExit).
   */
  exitInstruction(info: ExitInfo, length: number): void {
    const cpu = this.cpu;
    this.exit(info, cpu.rip - length);
    cpu.instret--; // the run loop counts every handler that returns as retired
    cpu.attention |= Attention.VmExit;
  }

  /** Exits so far per basic exit reason (reasons with none left out). */
  get exitCounts(): ReadonlyMap<number, number> {
    const counts = new Map<number, number>();
    this.exitTally.forEach((count, reason) => count > 0 && counts.set(reason, count));
    return counts;
  }

  /** Replaces the per-reason exit counts (reverse execution). */
  restoreExitCounts(counts: readonly (readonly [number, number])[]): void {
    this.exitTally.fill(0);
    for (const [reason, count] of counts) this.exitTally[reason & 0x7f] = count;
  }

  /** Whether the exit being performed may leave the host state unloaded until its handler ran (`hostResumesAfterExit`). */
  mayResumeAfterExit(vmcs: Vmcs): boolean {
    return this.hostResumesAfterExit && !this.resuming && vmcs.get32(F.VM_EXIT_MSR_LOAD_COUNT) === 0;
  }

  /**
   * After the exit handler: performs the host's VMRESUME now, unless a stop, a pending event
   * or the run's budget or deadline means the run loop has to see the host at HOST_RIP, or
   * the entry would fail (false: the host state is loaded and the host runs its VMRESUME).
   */
  resumeAfterExit(vmcs: Vmcs, exitControls: Controls): boolean {
    const cpu = this.cpu;
    const loop = this.loop;
    if (!loop || this.current !== vmcs || cpu.attention !== 0) return false;
    // The exit ends its instruction (one budget unit); the VMRESUME takes the next, before any deadline is due.
    if (cpu.instret + 2 > loop.budgetEnd || cpu.instret >= loop.deadline) return false;
    this.resuming = true;
    try {
      if (!resumeAfterExit(this, exitControls)) return false;
    } finally {
      this.resuming = false;
    }
    cpu.instret++; // the VMRESUME retired
    this.resumedAfterExit++;
    return true;
  }

  /** VMX abort (SDM 27.7): the abort indicator is written and the processor shuts down. */
  abort(code: number, detail: string): void {
    if (this.current) this.cpu.mem.write32(this.current.address + 4, code);
    this.cpu.requestStop('shutdown', `VMX abort ${code}: ${detail}`);
  }

  recordExit(record: ExitRecord): void {
    if (this.exits.length < EXIT_LOG_LIMIT) this.exits.push(record);
    else this.omittedExits++;
    this.exitTally[record.reason & 0x7f]!++; // basic exit reasons are < 128 (exitReasons.ts)
    if (this.breakOnExit?.(record)) this.cpu.requestStop('vm-exit', `VM exit ${record.reason & 0xffff} (${record.name}) at guest RIP 0x${BigInt.asUintN(64, BigInt(record.guestRip)).toString(16)}`);
    this.onExit?.(record);
  }

  /**
   * MOV to CR0/CR4, CLTS and LMSW that did not exit: in non-root operation host-owned bits
   * (guest/host mask) keep their current value; in VMX operation the result must honour
   * the FIXED0/FIXED1 MSRs (PE and PG may be 0 under unrestricted guest), else #GP(0).
   */
  private filterControlRegister(register: 0 | 4, value: number): number {
    if (this.operation === 'off') return value;
    const cpu = this.cpu;
    let result = value >>> 0;
    if (this.operation === 'non-root' && this.current) {
      const mask = this.current.get32(register === 0 ? F.CR0_GUEST_HOST_MASK : F.CR4_GUEST_HOST_MASK);
      const current = register === 0 ? cpu.cr0 : cpu.cr4;
      result = ((result & ~mask) | (current & mask)) >>> 0;
    }
    const relax = register === 0 && this.operation === 'non-root' && this.controls?.secondary.unrestrictedGuest ? Cr0.PE | Cr0.PG : 0;
    const fixed = register === 0 ? { fixed0: (Cr0Fixed.fixed0 & ~relax) >>> 0, fixed1: Cr0Fixed.fixed1 } : Cr4Fixed;
    if (!honoursFixed(BigInt(result), fixed)) throw gp0();
    return result;
  }

  // ---- time-based exits ------------------------------------------------------------------

  /** `instret` is the instruction count at which the guest starts (after VMLAUNCH/VMRESUME retires). */
  private armDeadlines(vmcs: Vmcs, controls: Controls, instret: number): void {
    this.deadlines.timer = controls.pin.activatePreemptionTimer ? instret + vmcs.get32(F.VMX_PREEMPTION_TIMER_VALUE) * 2 ** MiscInfo.preemptionTimerRate : Infinity;
    this.deadlines.mtf = controls.primary.monitorTrapFlag ? instret + 1 : Infinity;
    this.deadlines.window = controls.primary.interruptWindowExiting ? instret + 1 : Infinity;
    this.deadlines.nmiWindow = Infinity;
    this.rearm();
  }

  /** Sets the run loop's deadline to the earliest pending one. */
  rearm(): void {
    const d = this.deadlines;
    this.loop?.setDeadline(DeadlineSource.Vmx, Math.min(d.timer, d.mtf, d.window, d.nmiWindow));
  }

  /** Remaining preemption-timer value (saved on exit when "save VMX-preemption-timer value" is set). */
  preemptionTimerValue(): number {
    if (this.deadlines.timer === Infinity) return 0;
    return Math.max(0, Math.ceil((this.deadlines.timer - this.cpu.instret) / 2 ** MiscInfo.preemptionTimerRate));
  }

  /** Whether a halted guest (activity state HLT) has a preemption timer that will wake it. */
  canWakeHaltedGuest(): boolean {
    return this.operation === 'non-root' && this.deadlines.timer !== Infinity;
  }

  /** Time passes while the guest is halted: jump to the timer's expiry and exit (reason 52, activity state HLT saved). */
  wakeHaltedGuest(): boolean {
    if (!this.canWakeHaltedGuest()) return false;
    const cpu = this.cpu;
    cpu.instret = Math.max(cpu.instret, this.deadlines.timer);
    this.exit({ reason: ExitReason.PreemptionTimer }, cpu.rip);
    return true;
  }

  /** NMI-window exiting with the window blocked only by the STI / MOV-SS shadow at VM entry: the exit comes once the shadow is over. */
  watchNmiWindow(from: number): void {
    this.deadlines.nmiWindow = from;
    this.rearm();
  }

  /** Exits that are due before the guest's first instruction (timer value 0). */
  immediateExit(startInstret: number): ExitInfo | undefined {
    if (this.deadlines.timer <= startInstret) return { reason: ExitReason.PreemptionTimer };
    return undefined;
  }

  private onDeadline(): LoopOutcome | undefined {
    if (this.operation !== 'non-root') return undefined;
    const instret = this.cpu.instret;
    const cpu = this.cpu;
    const d = this.deadlines;
    const shadow = cpu.interruptShadowRip === cpu.rip;
    // An NMI window that virtual-NMI blocking closed stays unwatched until the IRET that opens it (nmiWindowOpened).
    if (instret >= d.nmiWindow && cpu.virtualNmiBlocked) d.nmiWindow = Infinity;
    // Priority (SDM 26.7): monitor trap flag, preemption timer, the NMI window, then the interrupt window.
    if (instret >= d.mtf) this.exit({ reason: ExitReason.MonitorTrapFlag }, cpu.rip);
    else if (instret >= d.timer) this.exit({ reason: ExitReason.PreemptionTimer }, cpu.rip);
    else if (instret >= d.nmiWindow && !shadow) this.exit({ reason: ExitReason.NmiWindow }, cpu.rip);
    else if (instret >= d.window && cpu.flagBits & Flag.IF && !shadow) this.exit({ reason: ExitReason.InterruptWindow }, cpu.rip);
    else {
      // Window exiting: look again after the next instruction (RFLAGS.IF and the STI / MOV-SS shadow change with it).
      if (instret >= d.window) d.window = instret + 1;
      if (instret >= d.nmiWindow) d.nmiWindow = instret + 1;
      this.rearm();
    }
    return undefined;
  }

  // ---- reverse execution (vmxSnapshot.ts) ------------------------------------------------

  saveState(): VmxSnapshot {
    return saveVmx(this);
  }

  restoreState(state: VmxSnapshot): void {
    restoreVmx(this, state);
  }

  /** Points the CPU's VMX seams at this unit (non-root) or clears them. */
  setCpuHooks(nonRoot: boolean): void {
    const cpu = this.cpu;
    cpu.nonRoot = nonRoot ? this.hooks : undefined;
    cpu.softwareExceptionHook = nonRoot ? this.softwareExceptionHook : undefined;
    cpu.deliveryFaultHook = nonRoot ? this.deliveryFaultHook : undefined;
    cpu.softwareInterruptHook = nonRoot ? this.softwareInterruptHook : undefined;
  }

  private eptFor(eptp: bigint): EptTranslator {
    if (this.lastEpt?.eptp !== eptp) this.lastEpt = new EptTranslator(this.cpu.mem, eptp);
    return this.lastEpt;
  }

  // ---- run-loop hooks ----------------------------------------------------------------------

  /** Turns a VM-exit signal (VmExit, EptFault, TripleFault) raised in non-root operation into the exit; 'handled' when it did. */
  onSignal(signal: unknown, rip: number): 'handled' | undefined {
    if (this.operation !== 'non-root') return undefined;
    if (signal instanceof VmExit) this.exit(signal.info, rip);
    else if (signal instanceof EptFault) {
      const reason = signal.kind === 'violation' ? ExitReason.EptViolation : ExitReason.EptMisconfiguration;
      this.exit({ reason, qualification: signal.qualification, guestPhysical: signal.guestPhysical, guestLinear: signal.linear }, rip);
    } else if (signal instanceof TripleFault) {
      this.lastTripleFault = signal.cause;
      this.vectoring = undefined; // a triple-fault exit reports no event being delivered
      this.exit({ reason: ExitReason.TripleFault }, rip);
    }
    else return undefined;
    return 'handled';
  }

  private onException(fault: CpuFault, rip: number): 'handled' | undefined {
    if (this.operation !== 'non-root' || !this.current) return undefined;
    const info = exceptionExit(this.current, fault, this.cpu.dr[6]);
    if (!info) {
      this.noteDelivery(interruptionInfo(fault.vector, fault.errorCode), fault.errorCode ?? 0);
      return undefined;
    }
    // A #DB that exits leaves DR6 alone (SDM 27.1): take back the bits the run loop set for it.
    if (fault.vector === Vector.DB) this.cpu.dr[6] = (this.cpu.dr[6]! & ~DEBUG_QUALIFICATION_BITS) >>> 0;
    this.exit(info, rip);
    return 'handled';
  }

  /** INT3 / INTO (type 6) and INT1 (type 5) exit per the exception bitmap, reporting the instruction length. */
  private onSoftwareException(vector: number, kind: 'software-exception' | 'privileged-software-exception', length: number): void {
    const vmcs = this.current;
    if (!vmcs) return;
    const type = kind === 'software-exception' ? InterruptionType.SoftwareException : InterruptionType.PrivilegedSoftwareException;
    const info = (0x80000000 | (type << 8) | vector) >>> 0;
    if ((vmcs.get32(F.EXCEPTION_BITMAP) >>> vector) & 1) throw new VmExit({ reason: ExitReason.ExceptionOrNmi, interruptionInfo: info, instructionLength: length });
    this.noteDelivery(info, 0, length);
  }

  /**
   * An exception while delivering an event exits per the exception bitmap; IDT-vectoring
   * reports the event, and for a software interrupt/exception the exit reports its
   * instruction length (SDM 27.2.4, 27.2.5). A #DF formed from a nested fault replaces the
   * event (SDM 6.15): it exits without IDT-vectoring information, or is delivered as a new event.
   */
  private onDeliveryFault(fault: CpuFault): void {
    const vmcs = this.current;
    if (!vmcs) return;
    const info = exceptionExit(vmcs, fault);
    if (fault.vector === Vector.DF) {
      if (!info) return this.noteDelivery(interruptionInfo(Vector.DF, 0), 0);
      this.vectoring = undefined;
      throw new VmExit(info);
    }
    if (!info) return;
    const v = this.vectoring;
    const length = v && v.instret === this.cpu.instret && v.events === this.cpu.eventsDelivered ? v.length : 0;
    throw new VmExit(length > 0 ? { ...info, instructionLength: length } : info);
  }

  /**
   * An event is about to be delivered through the guest IDT: an exit before it completes
   * reports it (SDM 27.2.4). `length`: a software interrupt/exception's instruction length.
   */
  noteDelivery(info: number, error: number, length = 0): void {
    this.vectoring = { info, error, length, instret: this.cpu.instret, events: this.cpu.eventsDelivered };
  }

  /** IDT-vectoring information for an exit happening now: the event still being delivered, if any. */
  takeVectoring(): { info: number; error: number } | undefined {
    const v = this.vectoring;
    this.vectoring = undefined;
    return v && v.instret === this.cpu.instret && v.events === this.cpu.eventsDelivered ? v : undefined;
  }
}
