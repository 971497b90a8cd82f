// Differential test: the same generated sources through nasm -f bin and our assembler
// must give identical bytes. Skipped with a visible message when nasm is not installed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assembleSource } from '../../src/asm/index';
import { benchSource } from './benchSource';
import { dataCorpus, integerCorpus, jumpCorpus, macroCorpus, modesCorpus, symbolCorpus, systemCorpus } from './corpus';

const nasm = spawnSync('nasm', ['-v'], { encoding: 'utf8' });
const nasmMissing = nasm.error !== undefined || nasm.status !== 0 ? `nasm not installed: ${nasm.error?.message ?? nasm.stderr}` : undefined;
const dir = mkdtempSync(join(tmpdir(), 'hyperscope-asm-'));

function nasmBytes(name: string, source: string): Buffer {
  const input = join(dir, `${name}.asm`);
  const output = join(dir, `${name}.bin`);
  writeFileSync(input, source);
  const run = spawnSync('nasm', ['-f', 'bin', '-w-all', '-o', output, input], { encoding: 'utf8' });
  assert.equal(run.status, 0, `nasm failed on ${name}: ${run.stderr}`);
  return readFileSync(output);
}

/** Compares line by line through our line map so a mismatch names the source line. */
function compare(name: string, source: string): void {
  const expected = nasmBytes(name, source);
  const result = assembleSource(source, `${name}.asm`);
  const errors = result.diagnostics.filter((d) => d.severity === 'error');
  assert.deepEqual(errors.map((d) => `${d.range.start.line + 1}: ${d.message}`), [], `${name}: unexpected errors`);
  const actual = Buffer.from(result.bytes);
  if (actual.equals(expected)) return;
  const lines = source.split('\n');
  for (const entry of result.lineMap) {
    const offset = entry.address - result.origin;
    const ours = actual.subarray(offset, offset + entry.length).toString('hex');
    const theirs = expected.subarray(offset, offset + entry.length).toString('hex');
    if (ours !== theirs) assert.fail(`${name}:${entry.line + 1}: '${lines[entry.line]?.trim()}' → ours ${ours}, nasm ${theirs}`);
  }
  assert.equal(actual.toString('hex'), expected.toString('hex'), `${name}: images differ (length ${actual.length} vs ${expected.length})`);
}

const corpora: [string, () => string][] = [
  ['integer', integerCorpus],
  ['system-vmx', systemCorpus],
  ['data-expressions-sections', dataCorpus],
  ['jumps', jumpCorpus],
  ['modes-16-32-rel', modesCorpus],
  ['symbol-values', symbolCorpus],
  ['macros-rep', macroCorpus],
  ['benchmark-source', () => benchSource(3000)],
];

for (const [name, make] of corpora) {
  test(`nasm differential: ${name}`, (t) => {
    if (nasmMissing !== undefined) {
      t.skip(nasmMissing);
      return;
    }
    compare(name, make());
  });
}
