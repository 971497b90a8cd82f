/** Reverse execution: the cost of stepBack after a long forward run (target <= 50 ms). */
import { Machine } from '../src/machine/machine';
import { assembleProgram } from './assembleProgram';

export interface ReverseResult {
  readonly forwardInstructions: number;
  readonly stepBackMs: number;
  readonly checkpointInterval: number;
  readonly journalMiB: number;
}

export function measureStepBack(forward = 10_000_000, interval = 1_000_000): ReverseResult {
  const machine = new Machine({ memoryMB: 128 });
  machine.loadBare(assembleProgram('memory-loop.asm', { ITERATIONS: '1000000' }));
  const travel = machine.enableReverseExecution(interval);
  machine.run(forward);
  const start = process.hrtime.bigint();
  travel.stepBack();
  const stepBackMs = Number(process.hrtime.bigint() - start) / 1e6;
  return { forwardInstructions: forward, stepBackMs, checkpointInterval: interval, journalMiB: machine.mem.journal!.bytes / 1048576 };
}
