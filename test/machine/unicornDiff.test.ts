/**
 * Differential test against Unicorn: thousands of random 1-8 instruction sequences over
 * the integer instruction set (every template in diff/generator.ts, all operand sizes),
 * run here and in Unicorn from the same state; GPRs, defined flags and the data region
 * must match, and so must the CPU exception (#DE) a sequence may end with. Seed and count: HYPERSCOPE_DIFF_SEED, HYPERSCOPE_DIFF_COUNT.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hasNasm } from './cpuRunner';
import { DATA_SIZE, generateSequence, Random, TEMPLATES } from './diff/generator';
import { assembleAll, compare, describe, hasUnicorn, randomState, runOurs, runUnicorn, type Case } from './diff/unicornHarness';

const SEED = Number(process.env.HYPERSCOPE_DIFF_SEED ?? 20261124);
const COUNT = Number(process.env.HYPERSCOPE_DIFF_COUNT ?? 3000);

const skip = !hasNasm() ? 'nasm not installed' : !hasUnicorn() ? 'python3-unicorn not installed (/usr/bin/python3 cannot import unicorn)' : false;

test(`random integer sequences match Unicorn (seed ${SEED}, ${COUNT} sequences)`, { skip }, () => {
  const rng = new Random(SEED);
  const data = new Uint8Array(DATA_SIZE);
  for (let i = 0; i < DATA_SIZE; i++) data[i] = rng.int(256);
  const sequences = Array.from({ length: COUNT }, () => generateSequence(rng));
  const codes = assembleAll(sequences);
  const cases: Case[] = sequences.map((sequence, i) => ({ sequence, code: codes[i]!, ...randomState(rng) }));
  const theirs = runUnicorn(cases, data);
  const failures: string[] = [];
  const used = new Map<string, number>();
  let faulted = 0;
  cases.forEach((c, i) => {
    for (const t of c.sequence.templates) used.set(t, (used.get(t) ?? 0) + 1);
    const ours = runOurs(c, data);
    if (ours.error?.startsWith('exception')) faulted++;
    const problems = compare(c, ours, theirs[i]!);
    if (problems.length > 0) failures.push(describe(c, problems));
  });
  console.log(`sequences compared with Unicorn: ${cases.length} (seed ${SEED}; ${faulted} end in the same CPU exception); mismatches: ${failures.length}`);
  console.log(`templates used: ${[...used].map(([t, n]) => `${t} ${n}`).join(', ')}`);
  assert.deepEqual(Object.keys(TEMPLATES).filter((t) => !used.has(t)), [], 'every template was exercised');
  assert.equal(failures.length, 0, `${failures.length} of ${cases.length} sequences differ from Unicorn; first ones:\n${failures.slice(0, 8).join('\n\n')}`);
});
