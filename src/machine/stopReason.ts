/** Why `Machine.run` returned. Stable names: the CLI's JSON and the debug adapter use them. */

export type StopKind =
  | 'halt'
  | 'exit'
  | 'triple-fault'
  | 'budget'
  | 'unimplemented'
  | 'breakpoint'
  | 'pause'
  | 'step'
  | 'vm-exit'
  | 'vm-entry-failure'
  | 'exception'
  | 'shutdown'
  /** A data watchpoint (debug/watchpoints.ts) saw an access: stops after the instruction. */
  | 'watchpoint';

export interface StopReason {
  readonly reason: StopKind;
  readonly detail: string;
  /** Exit code for `exit` (debug-exit port). */
  readonly exitCode?: number;
  /** RIP where the machine stopped (signed canonical number). */
  readonly rip: number;
}
