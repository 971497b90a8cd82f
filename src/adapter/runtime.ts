// The debuggee as an event emitter over `Machine`, with no DAP types. Execution runs in
// slices of at most ~20 ms and yields with setImmediate between them, so `pause`,
// `terminate` and inspection requests always get through. Events:
//   stopped({reason, description})   output({text, category})   exited(code)
import { EventEmitter } from 'node:events';
import { Machine } from '../machine/machine';
import type { StopReason } from '../machine/stopReason';
import { Attention } from '../machine/cpu/cpu';
import type { DebugMemory } from './memory';
import { isCall, isReturn } from './instructionKinds';
import { stepBackOnce } from './reverse';
import { reverseContinueScan } from './reverseContinue';

/** Why the debuggee stopped, in DAP's vocabulary (the session passes it through). */
export type StopCause = 'entry' | 'step' | 'breakpoint' | 'function breakpoint' | 'instruction breakpoint' | 'data breakpoint' | 'pause' | 'exception' | 'goto';

export interface RuntimeStop {
  reason: StopCause;
  description: string;
  hitBreakpointIds?: number[];
  /** What `exceptionInfo` reports for an exception stop (VM-exit filters). */
  exception?: { id: string; description: string; typeName: string; details: string };
}

/** The breakpoint manager's answer at a user breakpoint address. */
export interface BreakpointDecision {
  stop: boolean;
  reason: StopCause;
  ids: number[];
  /** Logpoint messages and condition errors to print. */
  messages: string[];
}

/** Reverse execution: one breakpoint (code or data) that a replayed stop passed, its condition already holding. */
export interface ReverseCandidate {
  readonly id: number;
  readonly reason: StopCause;
  /** Whether passing it counts a hit (false after a condition error, which always stops). */
  readonly counts: boolean;
  /** Whether its hit condition accepts the hit count it had at that point. */
  readonly matches: (hits: number) => boolean;
  /** A logpoint's message (evaluated at that point); logpoints never stop. */
  readonly log?: string;
  /** Data breakpoints: what the stop says. */
  readonly description?: string;
}

/** Hit counts of breakpoints by id (reverse execution winds them back). */
export interface HitCounts {
  hitCount(id: number): number;
  setHitCount(id: number, hits: number): void;
}

export interface BreakpointJudge extends HitCounts {
  judge(rip: number): BreakpointDecision;
  /** Whether a breakpoint here would stop, by its conditions only (reverse execution: no hit counts, no logs). */
  wouldStop(rip: number): boolean;
  /** Reverse execution: the breakpoints at `rip` whose conditions hold now, hits not counted. */
  observe(rip: number): ReverseCandidate[];
}

/** Data breakpoints on the machine's watch seam (the machine stops with 'watchpoint'). */
export interface DataWatcher {
  /** Before running: re-translates watched addresses whose translation may have changed. */
  refresh(): void;
  /** After a 'watchpoint' stop: the stop to report (conditions and hit counts applied), or undefined to run on. */
  onWatchpoint(): RuntimeStop | undefined;
  /** Drops the hits of a 'watchpoint' stop in hidden code. */
  discard(): void;
  /** Reverse execution: after a replayed 'watchpoint' stop, the data breakpoints whose conditions hold, hits not counted. */
  observe(): ReverseCandidate[];
}

/** A step over a call waiting for the callee to return to `target` with RSP back at `rsp`. */
interface PendingReturn {
  readonly target: number;
  readonly rsp: number;
}

type RunStop = StopReason;

export type OutputCategory = 'stdout' | 'console' | 'stderr';

/** Bound on instructions single-stepped to leave hidden code. */
const MAX_HIDDEN_STEPS = 100_000;
/** Milliseconds of execution before yielding to the event loop. */
const SLICE_MS = 20;
/** Instructions per `Machine.run` call while running free (checked against SLICE_MS between calls). */
const RUN_CHUNK = 20_000;

/** One unit of stepping: returns a stop when the goal is reached, or undefined to keep going. */
type StepGoal = () => RuntimeStop | 'exited' | undefined;

export class HyperscopeRuntime extends EventEmitter {
  private console = '';
  private running = false;
  private pauseRequested = false;
  /** Bumped by terminate: a drive loop that sees a newer epoch quits silently. */
  private epoch = 0;
  private finished = false;
  private readonly userBreakpoints = new Set<number>();
  private readonly temporary = new Set<number>();
  judge: BreakpointJudge = { judge: () => ({ stop: true, reason: 'breakpoint', ids: [], messages: [] }), wouldStop: () => true, observe: () => [], hitCount: () => 0, setHitCount: () => undefined };
  /** Serial output is dropped while replaying history (it was shown the first time). */
  private replaying = false;
  /** The RIP whose breakpoint the next instruction ignores (mirrors the run loop's resume). */
  private skipAt = NaN;
  watcher: (DataWatcher & HitCounts) | undefined;
  /** True while the CPU runs code the user does not debug (the built-in hypervisor in guest mode): steps and stops pass through it. */
  hidden: () => boolean = () => false;
  /** Source line key of an address (`file:line`), for line stepping; undefined where there is no source. */
  lineOf: (rip: number) => string | undefined = () => undefined;
  /** The stop an exception filter requested ('vm-exit' / 'vm-entry-failure' machine stops), taken once. */
  trap: () => { stop: RuntimeStop; ownStop: boolean } | undefined = () => undefined;

  constructor(
    readonly machine: Machine,
    private readonly memory: DebugMemory,
    private readonly maxInstructions: number | undefined,
  ) {
    super();
  }

  /** Receives serial output (wire to `MachineOptions.onConsoleByte`). */
  consoleByte(byte: number): void {
    if (!this.replaying) this.console += String.fromCharCode(byte);
  }

  get isRunning(): boolean {
    return this.running;
  }

  /** True while history is replayed (exception filters must not stop the replay). */
  get isReplaying(): boolean {
    return this.replaying;
  }

  get hasExited(): boolean {
    return this.finished;
  }

  setUserBreakpoints(addresses: Iterable<number>): void {
    this.userBreakpoints.clear();
    for (const address of addresses) this.userBreakpoints.add(address);
    this.syncBreakpoints();
  }

  private syncBreakpoints(): void {
    const set = this.machine.loop.breakpoints;
    set.clear();
    for (const address of this.userBreakpoints) set.add(address);
    for (const address of this.temporary) set.add(address);
  }

  start(stopOnEntry: boolean): void {
    if (stopOnEntry && this.hidden()) this.drive(() => this.leaveHidden() ?? { reason: 'entry', description: 'stopped on entry' }, false);
    else if (stopOnEntry) this.emitStop({ reason: 'entry', description: 'stopped on entry' });
    else this.drive(this.runFree(), false); // a breakpoint on the first instruction hits
  }

  /** Single-steps out of hidden code (a VM entry); a stop if the machine stops on the way. */
  private leaveHidden(): RuntimeStop | 'exited' | undefined {
    for (let i = 0; i < MAX_HIDDEN_STEPS && this.hidden(); i++) {
      const stop = this.afterOne(this.stepOne());
      if (stop !== undefined) return stop;
    }
    return undefined;
  }

  continue(): void {
    this.drive(this.runFree());
  }

  /** One instruction. */
  stepInstruction(): void {
    this.drive(() => this.afterOne(this.stepOne()) ?? this.leaveHidden() ?? { reason: 'step', description: 'step' });
  }

  /**
   * Runs until the source line changes (`over`: calls run to their return). Without
   * source, or `byInstruction`: one instruction (a call and everything it runs, when `over`).
   */
  stepLine(over: boolean, byInstruction: boolean): void {
    const startLine = byInstruction ? undefined : this.lineOf(this.machine.cpu.rip);
    let pending: PendingReturn | undefined;
    const goal: StepGoal = () => {
      if (pending) {
        const outcome = this.runToReturn(pending);
        if (outcome !== 'returned') return outcome;
        pending = undefined;
      } else if (over && this.atCall()) {
        const entered = this.enterCall();
        if (entered !== undefined) {
          if (entered === 'exited' || !('target' in entered)) return entered;
          pending = entered;
          return undefined;
        }
      } else {
        const stop = this.afterOne(this.stepOne());
        if (stop !== undefined) return stop;
      }
      if (this.hidden()) return undefined;
      const line = this.lineOf(this.machine.cpu.rip);
      if (startLine === undefined || line !== startLine) return { reason: 'step', description: 'step' };
      return this.userBreakpointStop();
    };
    this.drive(goal);
  }

  /** Runs until a return leaves the current frame (RSP above where it started). */
  stepOut(): void {
    const startRsp = this.rsp();
    this.drive(() => {
      const returning = this.atReturn();
      const stop = this.afterOne(this.stepOne());
      if (stop !== undefined) return stop;
      if (this.hidden()) return undefined;
      if (returning && this.rsp() > startRsp) return { reason: 'step', description: 'step out' };
      return this.userBreakpointStop();
    });
  }

  /** Whether stepBack/reverseContinue can go anywhere (reverse execution enabled and history exists). */
  get canReverse(): boolean {
    const travel = this.machine.timeTravel;
    return travel !== undefined && this.machine.cpu.instret > travel.horizon;
  }

  /**
   * Steps back one instruction, or (`byLine`) to the first instruction of the previous
   * source line, by deterministic replay from the newest checkpoint before the target.
   */
  stepBack(byLine: boolean): void {
    this.travel((travel) => stepBackOnce(travel, byLine ? this.lineOf : undefined, () => this.machine.cpu, this.hidden), 'step back');
  }

  /**
   * Runs backwards to the previous point where a breakpoint or data breakpoint would have
   * stopped (conditions, hit counts; logpoints passed are printed), or the oldest checkpoint.
   */
  reverseContinue(): void {
    this.travel((travel) => {
      const watcher = this.watcher;
      const outcome = reverseContinueScan(travel, {
        judge: this.judge,
        watcher,
        isUserBreakpoint: (rip) => this.userBreakpoints.has(rip),
        hidden: this.hidden,
        instret: () => this.machine.cpu.instret,
      });
      for (const message of outcome.messages) this.emit('output', message + '\n', 'console');
      // the oldest checkpoint may be in hidden code (guest mode starts in the host stub)
      if (this.hidden()) this.leaveHidden();
      return outcome.stop ?? outcome.reachedStart;
    }, 'reverse continue');
  }

  /** Runs a reverse-execution operation synchronously with serial output muted, then reports the stop. */
  private travel(operation: (travel: NonNullable<Machine['timeTravel']>) => boolean | RuntimeStop, what: string): void {
    const travel = this.machine.timeTravel;
    if (this.running || this.finished || travel === undefined) return;
    this.running = true;
    const epoch = this.epoch;
    setImmediate(() => {
      if (epoch !== this.epoch) return;
      this.replaying = true;
      let reachedStart: boolean | RuntimeStop;
      try {
        reachedStart = operation(travel);
      } catch (e) {
        this.emit('output', `simulator error: ${(e as Error).stack ?? String(e)}\n`, 'stderr');
        this.emitStop({ reason: 'exception', description: `simulator error during ${what}: ${(e as Error).message}` });
        return;
      } finally {
        this.replaying = false;
        this.running = false;
      }
      if (typeof reachedStart === 'object') this.emitStop(reachedStart);
      else if (reachedStart) this.emitStop({ reason: 'step', description: `${what}: reached the oldest checkpoint (instruction ${this.machine.cpu.instret})` });
      else this.emitStop({ reason: 'step', description: what });
    });
  }

  pause(): void {
    if (this.running) this.pauseRequested = true;
  }

  terminate(): void {
    this.epoch++;
    this.running = false;
    this.finished = true;
    this.clearTemporary();
  }

  // ---- execution ------------------------------------------------------------------

  /** RSP as a signed-canonical number (stack addresses compare correctly as numbers). */
  private rsp(): number {
    return this.machine.cpu.gprAsAddress(4);
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

  private atCall(): boolean {
    return isCall(this.codeAtRip());
  }

  private atReturn(): boolean {
    return isReturn(this.codeAtRip());
  }

  /** Executes exactly one instruction (a breakpoint at the current RIP does not stop it). */
  private stepOne(): RunStop {
    this.resume();
    return this.run(1);
  }

  /** The breakpoint at the current RIP is not hit again when execution resumes from it. */
  private resume(): void {
    this.skipAt = this.machine.cpu.rip;
    this.machine.loop.resumeFromBreakpoint();
  }

  /**
   * `Machine.run`, plus the stop a device or HLT requested in the budget's last
   * instruction (the machine reports those on its next call).
   */
  private run(budget: number): RunStop {
    this.watcher?.refresh();
    const stop = this.machine.run(budget);
    this.skipAt = NaN;
    return this.settle(stop);
  }

  private settle(stop: StopReason): StopReason {
    const cpu = this.machine.cpu;
    if (stop.reason === 'budget' && ((cpu.attention & Attention.Stop) !== 0 || cpu.halted)) return this.machine.run(0);
    return stop;
  }

  /** Maps a machine stop after a single step: undefined when execution can go on. */
  private afterOne(stop: RunStop): RuntimeStop | 'exited' | undefined {
    if (stop.reason === 'budget' || stop.reason === 'breakpoint') return this.limitStop();
    return this.machineStop(stop);
  }

  /**
   * Executes a CALL; returns where it will return to (installed as a temporary breakpoint),
   * a stop, or undefined when the instruction did not push a return address after all.
   */
  private enterCall(): PendingReturn | RuntimeStop | 'exited' | undefined {
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
  private runToReturn(pending: PendingReturn): 'returned' | RuntimeStop | 'exited' | undefined {
    const stop = this.run(RUN_CHUNK);
    if (stop.reason === 'budget') return this.limitStop();
    if (stop.reason !== 'breakpoint') return this.machineStop(stop);
    if (this.machine.cpu.rip === pending.target && this.rsp() >= pending.rsp && !this.hidden()) {
      this.clearTemporary();
      return 'returned';
    }
    const user = this.userBreakpointStop();
    if (user !== undefined) return user;
    this.resume();
    return undefined;
  }

  private clearTemporary(): void {
    if (this.temporary.size === 0) return;
    this.temporary.clear();
    this.syncBreakpoints();
  }

  /** At a user breakpoint address after a step: stop if its conditions say so. */
  private userBreakpointStop(): RuntimeStop | undefined {
    const rip = this.machine.cpu.rip;
    if (!this.userBreakpoints.has(rip) || this.hidden()) return undefined;
    const decision = this.judge.judge(rip);
    for (const message of decision.messages) this.emit('output', message + '\n', 'console');
    return decision.stop ? { reason: decision.reason, description: `paused on ${decision.reason}`, hitBreakpointIds: decision.ids } : undefined;
  }

  private limitStop(): RuntimeStop | undefined {
    if (this.maxInstructions !== undefined && this.machine.cpu.instret >= this.maxInstructions) {
      return { reason: 'pause', description: `instruction limit reached (maxInstructions = ${this.maxInstructions})` };
    }
    return undefined;
  }

  /** The goal of `continue`: run until a breakpoint decides to stop or the machine stops. */
  private runFree(): StepGoal {
    return () => {
      const budget = this.maxInstructions === undefined ? RUN_CHUNK : Math.min(RUN_CHUNK, this.maxInstructions - this.machine.cpu.instret);
      if (budget <= 0) return this.limitStop();
      const stop = this.run(budget);
      if (stop.reason === 'budget') return this.limitStop();
      if (stop.reason !== 'breakpoint') return this.machineStop(stop);
      const decision = this.userBreakpointStop();
      if (decision !== undefined) return decision;
      this.resume();
      return undefined;
    };
  }

  /** Stops the machine reports by itself: program exit, halt, triple fault, unimplemented instruction. */
  private machineStop(stop: StopReason): RuntimeStop | 'exited' | undefined {
    const trap = this.trap();
    if (trap !== undefined && (stop.reason === 'vm-exit' || stop.reason === 'vm-entry-failure' || stop.reason === 'exception')) {
      // a stop the hypervisor requested keeps its words; exceptionInfo still describes the exit
      if (!trap.ownStop) return { ...trap.stop, description: stop.detail };
      // the exit left the guest: in guest mode run the hidden host stub back into the guest first
      if (stop.reason === 'vm-exit' && this.hidden()) return this.leaveHidden() ?? trap.stop;
      return trap.stop;
    }
    switch (stop.reason) {
      case 'exit':
        this.exit(stop.exitCode ?? 0, `exit code ${stop.exitCode ?? 0} (${stop.detail})`);
        return 'exited';
      case 'halt':
        this.exit(0, `the machine halted: ${stop.detail}`);
        return 'exited';
      case 'triple-fault':
      case 'shutdown':
        if (this.lastFinal === this.machine.cpu.instret) {
          this.exit(1, `the machine shut down: ${stop.detail}`);
          return 'exited';
        }
        this.lastFinal = this.machine.cpu.instret;
        return { reason: 'exception', description: `triple fault: ${stop.detail}` };
      case 'watchpoint':
        if (!this.hidden()) return this.watcher?.onWatchpoint();
        this.watcher?.discard();
        return undefined;
      case 'budget':
      case 'breakpoint':
      case 'pause':
      case 'step':
        return undefined;
      default:
        return { reason: 'exception', description: stop.detail };
    }
  }

  private lastFinal = -1;

  private exit(code: number, description: string): void {
    this.flushOutput();
    this.emit('output', `${description}\n`, 'console');
    this.finished = true;
    this.emit('exited', code);
  }

  /** Runs `goal` repeatedly in time slices until it yields a stop; yields to the event loop between slices. */
  private drive(goal: StepGoal, fromStop = true): void {
    if (this.running || this.finished) return;
    this.running = true;
    this.pauseRequested = false;
    // resuming from a stop: whatever breakpoint is at the current RIP was reported already
    if (fromStop) this.resume();
    const epoch = this.epoch;
    const slice = (): void => {
      if (epoch !== this.epoch) return;
      const end = performance.now() + SLICE_MS;
      let outcome: RuntimeStop | 'exited' | undefined;
      try {
        do outcome = this.pauseRequested ? (this.leaveHidden() ?? { reason: 'pause', description: 'paused' }) : goal();
        while (outcome === undefined && performance.now() < end);
      } catch (e) {
        outcome = { reason: 'exception', description: `simulator error: ${(e as Error).message}` };
        this.emit('output', `simulator error: ${(e as Error).stack ?? String(e)}\n`, 'stderr');
      }
      this.flushOutput();
      if (outcome === undefined) {
        setImmediate(slice);
        return;
      }
      this.running = false;
      this.pauseRequested = false;
      this.clearTemporary();
      if (outcome !== 'exited') this.emitStop(outcome);
    };
    setImmediate(slice);
  }

  private emitStop(stop: RuntimeStop): void {
    this.flushOutput();
    this.emit('stopped', stop);
  }

  private flushOutput(): void {
    if (this.console.length === 0) return;
    const text = this.console;
    this.console = '';
    this.emit('output', text, 'stdout');
  }
}
