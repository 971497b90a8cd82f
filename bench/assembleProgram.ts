/**
 * Assembles a benchmark program with the project's assembler (the `equ`-style defines
 * are prepended as `%define`s); falls back to nasm if the project's assembler reports
 * errors, and says so.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { assembleSource } from '../src/asm/index';

export function assembleProgram(file: string, defines: Record<string, string>): Uint8Array {
  const path = resolve('bench', 'programs', file); // npm runs scripts from the project root
  const prelude = Object.entries(defines)
    .map(([name, value]) => `%define ${name} ${value}\n`)
    .join('');
  const source = prelude + readFileSync(path, 'utf8');
  const result = assembleSource(source, path);
  if (result.ok && result.bytes.length > 0) return result.bytes;
  const dir = mkdtempSync(join(tmpdir(), 'hyperscope-bench-'));
  writeFileSync(join(dir, 'in.asm'), source);
  execFileSync('nasm', ['-f', 'bin', '-o', join(dir, 'out.bin'), join(dir, 'in.asm')]);
  console.log(`  (note: ${file} assembled with nasm; the project's assembler reported: ${result.diagnostics.map((d) => d.message).join('; ') || 'no output'})`);
  return new Uint8Array(readFileSync(join(dir, 'out.bin')));
}
