// The machine-side half of stepping: executes one instruction or one chunk, maps what the
// machine reports to runtime stops, and keeps the breakpoint addresses the run loop
// stops at (the user's, plus temporary ones at the return of a call being stepped over).
import type { Machine } from '../machine/machine';
import type { StopReason } from '../machine/stopReason';
import { Attention } from '../machine/cpu/cpu';
import type { DebugMemory } from './memory';
import { isCall, isReturn } from './instructionKinds';
import { StopClassifier } from './stopClassification';
import type { BreakpointJudge, DataWatcher, HitCounts, OutputCategory, RuntimeStop } from './runtimeTypes';

/** Bound on instructions single-stepped to leave hidden code. */
const MAX_HIDDEN_STEPS = 100_000;
/** Instructions per `Machine.run` call while running free (the runtime checks its slice time between calls). */
export const RUN_CHUNK = 20_000;

/** A step over a call waiting for the callee to return to `target` with RSP back at `rsp`. */
export interface PendingReturn {
  readonly target: number;
  readonly rsp: number;
}

/** The runtime's hooks, read at each use (the session and the debuggee set them after construction). */
export interface StepperHooks {
  readonly judge: BreakpointJudge;
  readonly watcher: (DataWatcher & HitCounts) | undefined;
  readonly hidden: () => boolean;
  readonly trap: () => { stop: RuntimeStop; ownStop: boolean } | undefined;
}

export type StepOutcome = RuntimeStop | 'exited' | undefined;

export class InstructionStepper {
  private readonly userBreakpoints = new Set<number>();
  private readonly temporary = new Set<number>();
  /** The RIP whose breakpoint the next instruction ignores (mirrors the run loop's resume). */
  private readonly classifier: StopClassifier;

  constructor(
    readonly machine: Machine,
    private readonly memory: DebugMemory,
    private readonly maxInstructions: number | undefined,
    private readonly hooks: StepperHooks,
    private readonly output: (text: string, category: OutputCategory) => void,
    exit: (code: number, description: string) => void,
  ) {
    this.classifier = new StopClassifier({
      trap: () => this.hooks.trap(),
      hidden: () => this.hooks.hidden(),
      leaveHidden: () => this.leaveHidden(),
      get watcher() {
        return hooks.watcher;
      },
      exit,
      instret: () => this.machine.cpu.instret,
    });
  }

  // ---- breakpoint addresses -------------------------------------------------------------

  setUserBreakpoints(addresses: Iterable<number>): void {
    this.userBreakpoints.clear();
    for (const address of addresses) this.userBreakpoints.add(address);
    this.syncBreakpoints();
  }

  isUserBreakpoint(rip: number): boolean {
    return this.userBreakpoints.has(rip);
  }

  private syncBreakpoints(): void {
    const set = this.machine.loop.breakpoints;
    set.clear();
    for (const address of this.userBreakpoints) set.add(address);
    for (const address of this.temporary) set.add(address);
  }

  clearTemporary(): void {
    if (this.temporary.size === 0) return;
    this.temporary.clear();
    this.syncBreakpoints();
  }

  // ---- executing ----------------------------------------------------------------------

  /** RSP as a signed-canonical number (stack addresses compare correctly as numbers). */
  rsp(): number {
    return this.machine.cpu.gprAsAddress(4);
  }

  /** Single-steps out of hidden code (a VM entry); a stop if the machine stops on the way. */
  leaveHidden(): StepOutcome {
    for (let i = 0; i < MAX_HIDDEN_STEPS && this.hooks.hidden(); i++) {
      const stop = this.afterOne(this.stepOne());
      if (stop !== undefined) return stop;
    }
    return undefined;
  }

  /** Up to 15 bytes at RIP: straight from RAM through a TLB hit (no side effects), else via a trace-mode walk. */
  private codeAtRip(): Uint8Array {
    const cpu = this.machine.cpu;
    const rip = cpu.rip;
    const page = Math.floor(rip / 4096);
    const offset = rip - page * 4096;
    if (offset <= 4096 - 15) {
      const index = cpu.tlb.find(page, cpu.tlbContext);
      const ram = this.machine.mem.ram;
      if (index >= 0) {
        const physical = cpu.tlb.physical[index]! + offset;
        if (physical + 15 <= ram.length) return ram.subarray(physical, physical + 15);
      }
    }
    return this.memory.read({ space: 'gva', address: rip }, 15).bytes;
  }

  atCall(): boolean {
    return isCall(this.codeAtRip());
  }

  atReturn(): boolean {
    return isReturn(this.codeAtRip());
  }

  /** Executes exactly one instruction (a breakpoint at the current RIP does not stop it). */
  stepOne(): StopReason {
    this.resume();
    return this.run(1);
  }

  /** The breakpoint at the current RIP is not hit again when execution resumes from it. */
  resume(): void {
    this.machine.loop.resumeFromBreakpoint();
  }

  /**
   * `Machine.run`, plus the stop a device or HLT requested in the budget's last
   * instruction (the machine reports those on its next call).
   */
  run(budget: number): StopReason {
    this.hooks.watcher?.refresh();
    const stop = this.machine.run(budget);
    return this.settle(stop);
  }

  private settle(stop: StopReason): StopReason {
    const cpu = this.machine.cpu;
    if (stop.reason === 'budget' && ((cpu.attention & Attention.Stop) !== 0 || cpu.halted)) return this.machine.run(0);
    return stop;
  }

  // ---- what a stop means --------------------------------------------------------------

  /** Maps a machine stop after a single step: undefined when execution can go on. */
  afterOne(stop: StopReason): StepOutcome {
    if (stop.reason === 'budget' || stop.reason === 'breakpoint') return this.limitStop();
    return this.machineStop(stop);
  }

  /** Stops the machine reports by itself (see StopClassifier). */
  machineStop(stop: StopReason): StepOutcome {
    return this.classifier.classify(stop);
  }

  /** At a user breakpoint address after a step: stop if its conditions say so. */
  userBreakpointStop(): RuntimeStop | undefined {
    const rip = this.machine.cpu.rip;
    if (!this.userBreakpoints.has(rip) || this.hooks.hidden()) return undefined;
    const decision = this.hooks.judge.judge(rip);
    for (const message of decision.messages) this.output(message + '\n', 'console');
    return decision.stop ? { reason: decision.reason, description: `paused on ${decision.reason}`, hitBreakpointIds: decision.ids } : undefined;
  }

  limitStop(): RuntimeStop | undefined {
    if (this.maxInstructions !== undefined && this.machine.cpu.instret >= this.maxInstructions) {
      return { reason: 'pause', description: `instruction limit reached (maxInstructions = ${this.maxInstructions})` };
    }
    return undefined;
  }

  /** Instructions the next free-running chunk may execute (bounded by maxInstructions). */
  chunkBudget(): number {
    return this.maxInstructions === undefined ? RUN_CHUNK : Math.min(RUN_CHUNK, this.maxInstructions - this.machine.cpu.instret);
  }

  // ---- calls --------------------------------------------------------------------------

  /**
   * Executes a CALL; returns where it will return to (installed as a temporary breakpoint),
   * a stop, or undefined when the instruction did not push a return address after all.
   */
  enterCall(): PendingReturn | StepOutcome {
    const rspBefore = this.rsp();
    const first = this.afterOne(this.stepOne());
    if (first !== undefined) return first;
    if (this.rsp() !== rspBefore - 8) return undefined;
    const returnAddress = this.memory.readValue(this.machine.cpu.gprAsAddress(4), 8);
    if (returnAddress === undefined) return undefined;
    const pending = { target: Number(BigInt.asIntN(64, returnAddress)), rsp: rspBefore };
    this.temporary.add(pending.target);
    this.syncBreakpoints();
    return pending;
  }

  /** Runs one chunk toward a pending return: 'returned' when back in the caller's frame, a stop, or undefined to go on. */
  runToReturn(pending: PendingReturn): 'returned' | StepOutcome {
    const stop = this.run(RUN_CHUNK);
    if (stop.reason === 'budget') return this.limitStop();
    if (stop.reason !== 'breakpoint') return this.machineStop(stop);
    if (this.machine.cpu.rip === pending.target && this.rsp() >= pending.rsp && !this.hooks.hidden()) {
      this.clearTemporary();
      return 'returned';
    }
    const user = this.userBreakpointStop();
    if (user !== undefined) return user;
    this.resume();
    return undefined;
  }
}
