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

export function measureProgram(name: string, file: string, iterations: number, memoryMB = 128, mode: 'bare' | 'guest' = 'bare'): ThroughputResult & { vmExits: number } {
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
  return { name, instructions, seconds, instructionsPerSecond: instructions / seconds, stop: stop.reason, vmExits };
}

/** Exits so far, all reasons. */
function exitsOf(machine: Machine): number {
  let total = 0;
  for (const count of machine.vmx.exitCounts.values()) total += count;
  return total;
}

/**
 * VM exits per second of a guest-mode program in its steady state: one machine runs the first
 * `warmup` exits (the JIT settles on the exit path), then the next `measured` are timed — a
 * long-running guest, as in a debug session. (A fresh machine right after others runs its
 * first million exits slower while V8 re-tunes the call sites the new machine's closures reach.)
 */
export function measureExits(file: string, warmup: number, measured: number): { exits: number; seconds: number; cpuSeconds: number; resumedAfterExit: number } {
  const image = assembleProgram(file, { ITERATIONS: String(warmup + measured) });
  const machine = boot(image, 128, 'guest');
  while (exitsOf(machine) < warmup && machine.run(100_000).reason === 'budget');
  (globalThis as { gc?: () => void }).gc?.(); // npm run bench passes --expose-gc: no collection of earlier machines inside the timed part
  const exits = exitsOf(machine);
  const resumed = machine.vmx.resumedAfterExit;
  const start = process.hrtime.bigint();
  const cpuStart = process.cpuUsage();
  while (machine.run(50_000_000).reason === 'budget');
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const cpu = process.cpuUsage(cpuStart);
  return { exits: exitsOf(machine) - exits, seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6, resumedAfterExit: machine.vmx.resumedAfterExit - resumed };
}
