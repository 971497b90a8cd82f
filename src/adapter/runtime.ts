// The debuggee as an event emitter over `Machine`, with no DAP types. Execution runs in
// slices of at most ~20 ms and yields with setImmediate between them, so `pause`,
// `terminate` and inspection requests always get through. Events:
//   stopped({reason, description})   output({text, category})   exited(code)
// What one slice does is a goal (stepGoals.ts) over the instruction stepper; what a
// machine stop means is stopClassification.ts.
import { EventEmitter } from 'node:events';
import { Machine } from '../machine/machine';
import type { DebugMemory } from './memory';
import { stepBackOnce } from './reverse';
import { reverseContinueScan } from './reverseContinue';
import { InstructionStepper } from './instructionStepper';
import { runFreeGoal, stepInstructionGoal, stepLineGoal, stepOutGoal, type StepGoal } from './stepGoals';
import type { BreakpointJudge, DataWatcher, HitCounts, OutputCategory, RuntimeStop } from './runtimeTypes';


/** Milliseconds of execution before yielding to the event loop. */
const SLICE_MS = 20;

export class HyperscopeRuntime extends EventEmitter {
  private console = '';
  private running = false;
  private pauseRequested = false;
  /** Bumped by terminate: a drive loop that sees a newer epoch quits silently. */
  private epoch = 0;
  private finished = false;
  judge: BreakpointJudge = { judge: () => ({ stop: true, reason: 'breakpoint', ids: [], messages: [] }), wouldStop: () => true, observe: () => [], hitCount: () => 0, setHitCount: () => undefined };
  /** Serial output is dropped while replaying history (it was shown the first time). */
  private replaying = false;
  watcher: (DataWatcher & HitCounts) | undefined;
  /** True while the CPU runs code the user does not debug (the built-in hypervisor in guest mode): steps and stops pass through it. */
  hidden: () => boolean = () => false;
  /** Source line key of an address (`file:line`), for line stepping; undefined where there is no source. */
  lineOf: (rip: number) => string | undefined = () => undefined;
  /** The stop an exception filter requested ('vm-exit' / 'vm-entry-failure' machine stops), taken once. */
  trap: () => { stop: RuntimeStop; ownStop: boolean } | undefined = () => undefined;
  private readonly stepper: InstructionStepper;

  constructor(
    readonly machine: Machine,
    memory: DebugMemory,
    maxInstructions: number | undefined,
  ) {
    super();
    const output = (text: string, category: OutputCategory): void => void this.emit('output', text, category);
    this.stepper = new InstructionStepper(machine, memory, maxInstructions, this, output, (code, description) => this.exit(code, description));
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
    this.stepper.setUserBreakpoints(addresses);
  }

  start(stopOnEntry: boolean): void {
    if (stopOnEntry && this.hidden()) this.drive(() => this.stepper.leaveHidden() ?? { reason: 'entry', description: 'stopped on entry' }, false);
    else if (stopOnEntry) this.emitStop({ reason: 'entry', description: 'stopped on entry' });
    else this.drive(runFreeGoal(this.stepper), false); // a breakpoint on the first instruction hits
  }

  continue(): void {
    this.drive(runFreeGoal(this.stepper));
  }

  /** One instruction. */
  stepInstruction(): void {
    this.drive(stepInstructionGoal(this.stepper));
  }

  /**
   * Runs until the source line changes (`over`: calls run to their return). Without
   * source, or `byInstruction`: one instruction (a call and everything it runs, when `over`).
   */
  stepLine(over: boolean, byInstruction: boolean): void {
    const startLine = byInstruction ? undefined : this.lineOf(this.machine.cpu.rip);
    this.drive(stepLineGoal(this.stepper, over, startLine, this.lineOf, () => this.hidden()));
  }

  /** Runs until a return leaves the current frame (RSP above where it started). */
  stepOut(): void {
    this.drive(stepOutGoal(this.stepper, () => this.hidden()));
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
        isUserBreakpoint: (rip) => this.stepper.isUserBreakpoint(rip),
        hidden: this.hidden,
        instret: () => this.machine.cpu.instret,
      });
      for (const message of outcome.messages) this.emit('output', message + '\n', 'console');
      // the oldest checkpoint may be in hidden code (guest mode starts in the host stub)
      if (this.hidden()) this.stepper.leaveHidden();
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
    this.stepper.clearTemporary();
  }

  // ---- the slice loop ---------------------------------------------------------------

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
    if (fromStop) this.stepper.resume();
    const epoch = this.epoch;
    const slice = (): void => {
      if (epoch !== this.epoch) return;
      const end = performance.now() + SLICE_MS;
      let outcome: RuntimeStop | 'exited' | undefined;
      try {
        do outcome = this.pauseRequested ? (this.stepper.leaveHidden() ?? { reason: 'pause', description: 'paused' }) : goal();
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
      this.stepper.clearTemporary();
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
