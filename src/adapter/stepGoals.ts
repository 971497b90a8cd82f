// Goals for the runtime's slice loop: each call advances the machine a little and returns
// a stop when the goal is reached ('exited' when the program ended), undefined to go on.
import { InstructionStepper, type PendingReturn, type StepOutcome } from './instructionStepper';

export type StepGoal = () => StepOutcome;

/** `continue`: run until a breakpoint decides to stop or the machine stops. */
export function runFreeGoal(stepper: InstructionStepper): StepGoal {
  return () => {
    const budget = stepper.chunkBudget();
    if (budget <= 0) return stepper.limitStop();
    const stop = stepper.run(budget);
    if (stop.reason === 'budget') return stepper.limitStop();
    if (stop.reason !== 'breakpoint') return stepper.machineStop(stop);
    const decision = stepper.userBreakpointStop();
    if (decision !== undefined) return decision;
    stepper.resume();
    return undefined;
  };
}

/** One instruction, then out of hidden code. */
export function stepInstructionGoal(stepper: InstructionStepper): StepGoal {
  return () => stepper.afterOne(stepper.stepOne()) ?? stepper.leaveHidden() ?? { reason: 'step', description: 'step' };
}

/**
 * Until the source line differs from `startLine` (`over`: calls run to their return).
 * Without a start line: one instruction (a call and everything it runs, when `over`).
 */
export function stepLineGoal(stepper: InstructionStepper, over: boolean, startLine: string | undefined, lineOf: (rip: number) => string | undefined, hidden: () => boolean): StepGoal {
  let pending: PendingReturn | undefined;
  return () => {
    if (pending) {
      const outcome = stepper.runToReturn(pending);
      if (outcome !== 'returned') return outcome;
      pending = undefined;
    } else if (over && stepper.atCall()) {
      const entered = stepper.enterCall();
      if (entered !== undefined) {
        if (entered === 'exited' || !('target' in entered)) return entered;
        pending = entered;
        return undefined;
      }
    } else {
      const stop = stepper.afterOne(stepper.stepOne());
      if (stop !== undefined) return stop;
    }
    if (hidden()) return undefined;
    const line = lineOf(stepper.machine.cpu.rip);
    if (startLine === undefined || line !== startLine) return { reason: 'step', description: 'step' };
    return stepper.userBreakpointStop();
  };
}

/** Until a return leaves the current frame (RSP above where it started). */
export function stepOutGoal(stepper: InstructionStepper, hidden: () => boolean): StepGoal {
  const startRsp = stepper.rsp();
  return () => {
    const returning = stepper.atReturn();
    const stop = stepper.afterOne(stepper.stepOne());
    if (stop !== undefined) return stop;
    if (hidden()) return undefined;
    if (returning && stepper.rsp() > startRsp) return { reason: 'step', description: 'step out' };
    return stepper.userBreakpointStop();
  };
}
