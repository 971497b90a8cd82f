/**
 * Reverse execution by deterministic replay: checkpoints (CPU and device state plus an
 * undo journal of RAM pages) are taken every `interval` instructions; going back to
 * instruction count N restores the newest checkpoint at or before N and re-executes
 * forward. Because the machine has no wall clock, the replay is exact.
 */
import type { PhysicalMemory } from '../memory/physicalMemory';
import type { UndoJournal } from '../memory/undoJournal';
import type { StopReason } from '../stopReason';
import type { Snapshotable } from './snapshotable';

export interface TimeTravelHost {
  readonly mem: PhysicalMemory;
  readonly snapshotables: readonly Snapshotable[];
  /** Retired instructions so far. */
  instructionCount(): number;
  /** Runs forward at most `budget` instructions; breakpoints apply only when `withBreakpoints`. */
  runForward(budget: number, withBreakpoints: boolean): StopReason;
  /** Skips a breakpoint at the current RIP on the next run. */
  resumeFromBreakpoint(): void;
}

interface Checkpoint {
  readonly instret: number;
  readonly epoch: number;
  readonly states: unknown[];
}

export interface TravelResult {
  /** Where execution now stands. */
  readonly instret: number;
  /** True when the search ran into the oldest checkpoint without finding a stop. */
  readonly reachedStart: boolean;
}

export class TimeTravel {
  private readonly checkpoints: Checkpoint[] = [];
  private readonly journal: UndoJournal;

  constructor(
    private readonly host: TimeTravelHost,
    readonly interval = 1_000_000,
    private readonly maxCheckpoints = 256,
    /** Upper bound on saved RAM pages (the host process stays near guest RAM + 64 MiB). */
    private readonly maxJournalBytes = 48 * 1024 * 1024,
  ) {
    this.journal = host.mem.enableJournal();
    this.checkpoint();
  }

  /** Instruction count of the oldest point reverse execution can reach. */
  get horizon(): number {
    return this.checkpoints[0]!.instret;
  }

  /** Instructions until the next checkpoint is due. */
  untilNextCheckpoint(): number {
    const last = this.checkpoints[this.checkpoints.length - 1]!;
    return Math.max(1, last.instret + this.interval - this.host.instructionCount());
  }

  /** Takes a checkpoint now if one is due (call between run slices). */
  maybeCheckpoint(): void {
    const last = this.checkpoints[this.checkpoints.length - 1]!;
    if (this.host.instructionCount() >= last.instret + this.interval) this.checkpoint();
  }

  private checkpoint(): void {
    const epoch = this.journal.checkpoint();
    this.checkpoints.push({ instret: this.host.instructionCount(), epoch, states: this.host.snapshotables.map((s) => s.saveState()) });
    while (this.checkpoints.length > 1 && (this.checkpoints.length > this.maxCheckpoints || this.journal.bytes > this.maxJournalBytes)) {
      // the oldest checkpoint goes with the oldest journal epoch (they were created together)
      if (!this.journal.dropOldest()) break;
      this.checkpoints.shift();
    }
  }

  /** Restores checkpoint `index`, discarding everything newer. */
  private restore(index: number): void {
    const checkpoint = this.checkpoints[index]!;
    this.journal.rewindTo(checkpoint.epoch);
    this.checkpoints.length = index;
    this.host.snapshotables.forEach((s, i) => s.restoreState(checkpoint.states[i]));
    this.checkpoint(); // a fresh epoch starting at the restored point
  }

  private indexAtOrBefore(instret: number): number {
    for (let i = this.checkpoints.length - 1; i >= 0; i--) if (this.checkpoints[i]!.instret <= instret) return i;
    return 0;
  }

  /** Re-executes forward (no breakpoints) until the instruction count reaches `target`. */
  private replayTo(target: number): void {
    while (this.host.instructionCount() < target) {
      const stop = this.host.runForward(Math.min(target - this.host.instructionCount(), this.untilNextCheckpoint()), false);
      this.maybeCheckpoint();
      if (stop.reason !== 'budget') break; // the program stopped (it cannot pass this point)
    }
  }

  /** Moves execution to instruction count `target` (clamped to the horizon). */
  goTo(target: number): TravelResult {
    const clamped = Math.max(target, this.horizon);
    this.restore(this.indexAtOrBefore(clamped));
    this.replayTo(clamped);
    return { instret: this.host.instructionCount(), reachedStart: target < this.horizon };
  }

  stepBack(): TravelResult {
    return this.goTo(this.host.instructionCount() - 1);
  }

  /**
   * Runs backwards to the most recent point before now where `isStop` accepts the stop the
   * forward run would have made (breakpoints and other debugger stops).
   */
  reverseContinue(isStop: (stop: StopReason) => boolean): TravelResult {
    let last = -1;
    return this.reverseSearch(
      (stop) => {
        if (isStop(stop)) last = this.host.instructionCount();
      },
      () => {
        const target = last;
        last = -1;
        return target >= 0 ? target : undefined;
      },
    );
  }

  /** True while `reverseSearch` re-executes history with breakpoints on (watchpoints report then, unlike plain replay). */
  get scanning(): boolean {
    return this.scanningWindow;
  }

  private scanningWindow = false;

  /**
   * Runs backwards window by window (checkpoint to checkpoint, newest first): each window
   * is re-executed with breakpoints on and every resumable stop before now ('breakpoint',
   * 'watchpoint') goes to `observe`, in execution order, with the machine in that state;
   * then `choose` may name an instruction count inside the window to land on. Without a
   * choice, execution ends at the oldest checkpoint (`reachedStart`).
   */
  reverseSearch(observe: (stop: StopReason) => void, choose: () => number | undefined): TravelResult {
    let end = this.host.instructionCount();
    while (end > this.horizon) {
      const index = this.indexAtOrBefore(end - 1);
      const start = this.checkpoints[index]!.instret;
      this.restore(index);
      this.scanningWindow = true;
      try {
        while (this.host.instructionCount() < end) {
          const stop = this.host.runForward(Math.min(end - this.host.instructionCount(), this.untilNextCheckpoint()), true);
          this.maybeCheckpoint();
          if (stop.reason === 'budget') continue;
          if (this.host.instructionCount() < end) observe(stop);
          if (stop.reason === 'breakpoint') this.host.resumeFromBreakpoint();
          else if (stop.reason !== 'watchpoint') break;
        }
      } finally {
        this.scanningWindow = false;
      }
      const target = choose();
      if (target !== undefined) return this.goTo(target);
      end = start;
    }
    return { ...this.goTo(this.horizon), reachedStart: true };
  }
}
