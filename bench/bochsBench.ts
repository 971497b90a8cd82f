/**
 * The reference run: the same benchmark loop in Bochs 2.7 (where it is installed), timed
 * as the difference of a short and a long run so start-up cost cancels out. The ROM
 * (bochs/rom.asm) brings Bochs from reset to long mode and ends with its shutdown port.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Machine } from '../src/machine/machine';

const DIR = resolve('bench', 'bochs');

export function bochsMissing(): string | undefined {
  for (const tool of ['bochs', 'nasm', 'script']) {
    if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) return `${tool} is not installed`;
  }
  return undefined;
}

/** Wall-clock seconds of one Bochs run of `payload` with ITERATIONS = `iterations`. */
function runOnce(payload: string, iterations: number): number {
  const dir = mkdtempSync(join(tmpdir(), 'hyperscope-bochs-'));
  copyFileSync(join(DIR, 'rom.asm'), join(dir, 'rom.asm'));
  copyFileSync(join(DIR, payload), join(dir, 'payload.asm'));
  copyFileSync(join(DIR, 'bochsrc.txt'), join(dir, 'bochsrc.txt'));
  copyFileSync(join(DIR, 'debugger.rc'), join(dir, 'debugger.rc'));
  execFileSync('nasm', ['-w-all', '-f', 'bin', `-DITERATIONS=${iterations}`, '-o', join(dir, 'rom.bin'), join(dir, 'rom.asm')], { cwd: dir });
  const start = process.hrtime.bigint();
  spawnSync('timeout', ['-s', 'KILL', '300', 'script', '-qec', 'bochs -q -f bochsrc.txt -rc debugger.rc', '/dev/null'], { cwd: dir, stdio: 'ignore' });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const log = readFileSync(join(dir, 'bochs.log'), 'utf8');
  if (!log.includes('Shutdown port: shutdown requested')) {
    writeFileSync(join(dir, 'failed'), '');
    throw new Error(`the Bochs reference run did not reach its shutdown port (log in ${dir}/bochs.log)`);
  }
  return seconds;
}

/**
 * VM exits per second of an exit-loop payload (one exit per iteration, e.g.
 * cpuid-exit-payload.asm: a minimal hypervisor in the guest's own assembly), in Bochs.
 */
export function measureBochsExits(payload: string, iterations: number): number {
  return measureBochs(payload, 1, iterations);
}

/**
 * The same exit-loop payload in our bare mode (the program's own hypervisor handles the
 * exits, as in Bochs): VM exits per second, timed as a long minus a short run.
 */
export function measureOursBareExits(payload: string, iterations: number): number {
  const time = (count: number): number => {
    const dir = mkdtempSync(join(tmpdir(), 'hyperscope-exits-'));
    copyFileSync(join(DIR, payload), join(dir, 'payload.asm'));
    const wrapper = 'bits 64\norg 0x100000\n  call payload\n  mov al, 0\n  out 0xf4, al\npayload:\n%include "payload.asm"\n  ret\n';
    writeFileSync(join(dir, 'main.asm'), wrapper);
    execFileSync('nasm', ['-w-all', '-f', 'bin', `-DITERATIONS=${count}`, '-o', join(dir, 'main.bin'), join(dir, 'main.asm')], { cwd: dir });
    const machine = new Machine({ memoryMB: 32 });
    machine.loadBare(new Uint8Array(readFileSync(join(dir, 'main.bin'))));
    const start = process.hrtime.bigint();
    const stop = machine.run(count * 20 + 100_000);
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    if (stop.reason !== 'exit') throw new Error(`the exit loop did not finish in our bare mode: ${stop.reason} ${stop.detail ?? ''}`);
    return seconds;
  };
  const short = time(1000);
  const long = time(iterations);
  return (iterations - 1000) / Math.max(long - short, 1e-3);
}

/** Guest instructions per second of a payload whose loop retires `perIteration` instructions. */
export function measureBochs(payload: string, perIteration: number, iterations: number): number {
  const short = runOnce(payload, 1000);
  const long = runOnce(payload, iterations);
  return (perIteration * (iterations - 1000)) / Math.max(long - short, 1e-3);
}

/**
 * The bench line for the exit workload: CPUID exits handled by an assembly hypervisor
 * (cpuid-exit-payload.asm) in Bochs and in our bare mode, and ratios against both our
 * bare-mode figure and `oursGuestMode` (the built-in hypervisor's CPUID loop).
 */
export function printBochsExits(oursGuestMode: number): void {
  const kilo = (value: number): string => `${(value / 1000).toFixed(0)} k/s`;
  const bochs = measureBochsExits('cpuid-exit-payload.asm', 100_000);
  const bare = measureOursBareExits('cpuid-exit-payload.asm', 200_000);
  console.log(`  VM exits/s Bochs 2.7 (CPUID loop, hypervisor in assembly): ${kilo(bochs)}; the same program in our bare mode: ${kilo(bare)}; ratio ours/Bochs = ${(bare / bochs).toFixed(1)} (bare mode), ${(oursGuestMode / bochs).toFixed(1)} (guest mode)`);
}
