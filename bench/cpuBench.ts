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

/** Boots `image` in bare mode or as a guest of the built-in hypervisor. */
function boot(image: Uint8Array, memoryMB: number, mode: 'bare' | 'guest'): Machine {
  const machine = new Machine({ memoryMB });
  if (mode === 'guest') machine.loadGuest(image);
  else machine.loadBare(image);
  return machine;
}

export function measureProgram(name: string, file: string, iterations: number, memoryMB = 128, mode: 'bare' | 'guest' = 'bare'): ThroughputResult & { vmExits: number; resumedAfterExit: number } {
  const image = assembleProgram(file, { ITERATIONS: String(iterations) });
  const machine = boot(image, memoryMB, mode);
  // warm up the decode cache and the JIT on a short run, then measure a fresh machine
  boot(image, memoryMB, mode).run(2_000_000);
  const start = process.hrtime.bigint();
  let stop = machine.run(50_000_000);
  while (stop.reason === 'budget') stop = machine.run(50_000_000);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const instructions = machine.cpu.instret;
  const vmExits = [...machine.vmx.exitCounts.values()].reduce((a, b) => a + b, 0);
  return { name, instructions, seconds, instructionsPerSecond: instructions / seconds, stop: stop.reason, vmExits, resumedAfterExit: machine.vmx.resumedAfterExit };
}
