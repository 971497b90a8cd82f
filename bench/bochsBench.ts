/**
 * The reference run: the same benchmark loop in Bochs 2.7 (where it is installed), timed
 * as the difference of a short and a long run so start-up cost cancels out. The ROM
 * (bochs/rom.asm) brings Bochs from reset to long mode and ends with its shutdown port.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

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

/** Guest instructions per second of a payload whose loop retires `perIteration` instructions. */
export function measureBochs(payload: string, perIteration: number, iterations: number): number {
  const short = runOnce(payload, 1000);
  const long = runOnce(payload, iterations);
  return (perIteration * (iterations - 1000)) / Math.max(long - short, 1e-3);
}
