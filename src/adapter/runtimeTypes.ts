// The vocabulary between the runtime and the modules that judge its stops (breakpoints,
// data breakpoints, exception filters, reverse execution), with no DAP types.
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

export type OutputCategory = 'stdout' | 'console' | 'stderr';
