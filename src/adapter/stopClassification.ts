// What a machine stop means to the debugger: a stop to report, the program's end, or
// nothing (run on). One entry per `StopKind`, so a new kind cannot go unclassified.
import type { StopKind, StopReason } from '../machine/stopReason';
import type { DataWatcher, RuntimeStop } from './runtimeTypes';

/** What classifying a stop needs from the runtime. */
export interface StopContext {
  /** The stop an exception filter requested, taken once. */
  trap(): { stop: RuntimeStop; ownStop: boolean } | undefined;
  /** True while the CPU runs code the user does not debug. */
  hidden(): boolean;
  /** Single-steps out of hidden code; a stop if the machine stops on the way. */
  leaveHidden(): RuntimeStop | 'exited' | undefined;
  readonly watcher: DataWatcher | undefined;
  /** Ends the program: prints `description` and emits `exited`. */
  exit(code: number, description: string): void;
  instret(): number;
}

type Outcome = RuntimeStop | 'exited' | undefined;

export class StopClassifier {
  /** instret of the last triple fault reported: a second one there shuts the machine down. */
  private lastFinal = -1;

  private readonly byKind: Record<StopKind, (stop: StopReason) => Outcome> = {
    exit: (stop) => this.end(stop.exitCode ?? 0, `exit code ${stop.exitCode ?? 0} (${stop.detail})`),
    halt: (stop) => this.end(0, `the machine halted: ${stop.detail}`),
    'triple-fault': (stop) => this.final(stop),
    shutdown: (stop) => this.final(stop),
    watchpoint: () => this.watchpoint(),
    budget: () => undefined,
    breakpoint: () => undefined,
    pause: () => undefined,
    step: () => undefined,
    unimplemented: (stop) => ({ reason: 'exception', description: stop.detail }),
    'vm-exit': (stop) => ({ reason: 'exception', description: stop.detail }),
    'vm-entry-failure': (stop) => ({ reason: 'exception', description: stop.detail }),
    exception: (stop) => ({ reason: 'exception', description: stop.detail }),
  };

  constructor(private readonly context: StopContext) {}

  /** Stops the machine reports by itself: program exit, halt, triple fault, unimplemented instruction, filter traps. */
  classify(stop: StopReason): Outcome {
    const trap = this.context.trap();
    if (trap !== undefined && (stop.reason === 'vm-exit' || stop.reason === 'vm-entry-failure' || stop.reason === 'exception')) {
      // a stop the hypervisor requested keeps its words; exceptionInfo still describes the exit
      if (!trap.ownStop) return { ...trap.stop, description: stop.detail };
      // the exit left the guest: in guest mode run the hidden host stub back into the guest first
      if (stop.reason === 'vm-exit' && this.context.hidden()) return this.context.leaveHidden() ?? trap.stop;
      return trap.stop;
    }
    return this.byKind[stop.reason](stop);
  }

  private end(code: number, description: string): 'exited' {
    this.context.exit(code, description);
    return 'exited';
  }

  /** A triple fault stops once; running on from the same instruction shuts the machine down. */
  private final(stop: StopReason): Outcome {
    const instret = this.context.instret();
    if (this.lastFinal === instret) return this.end(1, `the machine shut down: ${stop.detail}`);
    this.lastFinal = instret;
    return { reason: 'exception', description: `triple fault: ${stop.detail}` };
  }

  /** Data breakpoints stop in the user's code; hits in hidden code are dropped. */
  private watchpoint(): Outcome {
    if (!this.context.hidden()) return this.context.watcher?.onWatchpoint();
    this.context.watcher?.discard();
    return undefined;
  }
}
