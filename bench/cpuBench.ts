/** CPU throughput: guest instructions per second on the benchmark programs. */
import { Machine } from '../src/machine/machine';
import { assembleProgram } from './assembleProgram';

export interface ThroughputResult {
  readonly name: string;
  readonly instructions: number;
  readonly seconds: number;
  readonly instructionsPerSecond: number;
  readonly stop: string;
}

export function measureProgram(name: string, file: string, iterations: number, memoryMB = 128): ThroughputResult {
  const image = assembleProgram(file, { ITERATIONS: String(iterations) });
  const machine = new Machine({ memoryMB });
  machine.loadBare(image);
  // warm up the decode cache and the JIT on a short run, then measure a fresh machine
  const warm = new Machine({ memoryMB });
  warm.loadBare(image);
  warm.run(2_000_000);
  const start = process.hrtime.bigint();
  let stop = machine.run(50_000_000);
  while (stop.reason === 'budget') stop = machine.run(50_000_000);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const instructions = machine.cpu.instret;
  return { name, instructions, seconds, instructionsPerSecond: instructions / seconds, stop: stop.reason };
}
