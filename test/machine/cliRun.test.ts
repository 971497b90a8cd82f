/**
 * `hyperscope run FILE --json` end to end on the built CLI (dist/cli.js): the JSON object
 * of issue 2 for every basic stop reason, and bad input → one line on stderr, exit 2.
 */
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hasNasm, nasm } from './cpuRunner';

const REGISTERS = ['rax', 'rcx', 'rdx', 'rbx', 'rbp', 'rsi', 'rdi', 'r8', 'r9', 'r10', 'r11', 'r12', 'r13', 'r14', 'r15', 'rsp', 'rip', 'rflags', 'cr0', 'cr2', 'cr3', 'cr4', 'efer', 'cs', 'ss'];
const HEX = /^0x[0-9a-f]+$/;

interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

function cli(...args: string[]): CliResult {
  const result = spawnSync(process.execPath, ['dist/cli.js', ...args], { encoding: 'utf8', timeout: 60_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

let dir = '';

function program(name: string, source: string): string {
  const path = join(dir, `${name}.bin`);
  writeFileSync(path, nasm(source));
  return path;
}

interface Report {
  stop: { reason: string; detail: string };
  exitCode: number | null;
  instructions: number;
  console: string;
  registers: Record<string, string>;
}

/** Runs with --json and checks the issue-2 shape: exactly one JSON object on stdout. */
function runJson(path: string, ...flags: string[]): Report {
  const result = cli('run', path, '--json', ...flags);
  assert.equal(result.status, 0, result.stderr);
  assert.equal(result.stdout.trim().split('\n').length, 1, 'one line of JSON');
  const report = JSON.parse(result.stdout) as Report;
  assert.deepEqual(Object.keys(report.stop).sort(), ['detail', 'reason']);
  assert.equal(typeof report.stop.reason, 'string');
  assert.equal(typeof report.stop.detail, 'string');
  assert.ok(report.exitCode === null || typeof report.exitCode === 'number');
  assert.ok(Number.isInteger(report.instructions));
  assert.equal(typeof report.console, 'string');
  for (const name of REGISTERS) assert.match(report.registers[name] ?? '', HEX, `registers.${name}`);
  return report;
}

describe('hyperscope run --json', { skip: hasNasm() ? false : 'nasm is not installed' }, () => {
  before(() => {
    const build = spawnSync(process.execPath, ['esbuild.mjs'], { encoding: 'utf8', timeout: 120_000 });
    assert.equal(build.status, 0, build.stderr);
    dir = mkdtempSync(join(tmpdir(), 'hyperscope-cli-'));
  });

  test('halt: hlt with interrupts disabled; registers and boot state in the report', () => {
    const report = runJson(program('halt', 'mov eax, 0x1234\nhlt'));
    assert.equal(report.stop.reason, 'halt');
    assert.match(report.stop.detail, /interrupts disabled/);
    assert.equal(report.exitCode, null);
    assert.equal(report.instructions, 2);
    assert.equal(report.registers.rax, '0x1234');
    assert.equal(report.registers.rip, '0x100006');
    assert.equal(report.registers.cs, '0x8');
    assert.equal(report.registers.cr3, '0x5000');
    assert.equal(report.registers.efer, '0xd01');
  });

  test('exit: the debug-exit port value becomes exitCode; serial output is the console', () => {
    const report = runJson(program('exit', "mov dx, 0x3f8\nmov al, 'h'\nout dx, al\nmov al, 'i'\nout dx, al\nmov al, 3\nout 0xf4, al\nhlt"));
    assert.equal(report.stop.reason, 'exit');
    assert.equal(report.exitCode, 3);
    assert.equal(report.console, 'hi');
  });

  test('triple-fault: an exception with the empty boot IDT; the detail gives the cause', () => {
    const report = runJson(program('triple', 'ud2'));
    assert.equal(report.stop.reason, 'triple-fault');
    assert.match(report.stop.detail, /#UD/);
    assert.equal(report.exitCode, null);
  });

  test('budget: --max-instructions stops an endless loop after exactly N instructions', () => {
    const report = runJson(program('loop', 'jmp $'), '--max-instructions', '1000');
    assert.equal(report.stop.reason, 'budget');
    assert.equal(report.instructions, 1000);
  });

  test('unimplemented: the stop names the instruction', () => {
    const report = runJson(program('fpu', 'nop\nfsqrt'));
    assert.equal(report.stop.reason, 'unimplemented');
    assert.match(report.stop.detail, /not implemented by the simulator: fsqrt/);
    assert.equal(report.registers.rip, '0x100001');
  });

  for (const [name, args] of [
    ['a missing file', ['run', '/nonexistent/prog.bin', '--json']],
    ['an unknown flag', ['run', 'x.bin', '--bogus']],
    ['a flag without its value', ['run', 'x.bin', '--max-instructions']],
    ['a bad number', ['run', 'x.bin', '--max-instructions', 'lots']],
  ] as const) {
    test(`bad input (${name}): one line on stderr, exit code 2`, () => {
      const result = cli(...args);
      assert.equal(result.status, 2);
      assert.equal(result.stdout, '');
      assert.equal(result.stderr.trim().split('\n').length, 1, result.stderr);
      assert.match(result.stderr, /^hyperscope: /);
    });
  }

  test('bad input (an empty image): one line on stderr, exit code 2', () => {
    const path = join(dir, 'empty.bin');
    writeFileSync(path, new Uint8Array(0));
    const result = cli('run', path, '--json');
    assert.equal(result.status, 2);
    assert.equal(result.stderr.trim().split('\n').length, 1, result.stderr);
  });
});
