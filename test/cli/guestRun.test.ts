import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';

// `hyperscope run --mode guest`: the sample runs under the built-in hypervisor; the JSON
// report adds the VM exits, their statistics and the guest's registers.
before(() => {
  execFileSync(process.execPath, ['esbuild.mjs']);
});

function run(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, ['dist/cli.js', 'run', ...args], { encoding: 'utf8', timeout: 60_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

test('guest mode runs hello.hvasm and reports every serial OUT as an I/O exit', () => {
  const { status, stdout } = run(['samples/hello.hvasm', '--mode', 'guest', '--json']);
  assert.equal(status, 0);
  const report = JSON.parse(stdout) as {
    stop: { reason: string };
    exitCode: number;
    console: string;
    registers: Record<string, string>;
    vmExits: { reason: number; name: string; qualification: string; guestRip: string; guestPhysical: string | null; instructionLength: number }[];
    omittedVmExits: number;
    exitStats: Record<string, { count: number; percent: number }>;
  };
  assert.equal(report.stop.reason, 'exit');
  assert.equal(report.exitCode, 0);
  assert.equal(report.console, 'Hello from the bare machine!\n');
  const message = 'Hello from the bare machine!\n'.length;
  assert.equal(report.vmExits.length, message + 1); // one OUT per byte, then the debug-exit OUT
  const first = report.vmExits[0]!;
  assert.deepEqual(first, { reason: 30, name: 'I/O instruction', qualification: '0x3f80000', guestRip: '0x100011', guestPhysical: null, instructionLength: 1 });
  assert.deepEqual(report.exitStats['30 I/O instruction'], { count: message + 1, percent: 100 });
  assert.equal(report.omittedVmExits, 0);
  // the guest's view: RIP after its last instruction, its own stack and page tables
  assert.equal(report.registers.rip, '0x100018');
  assert.equal(report.registers.rsp, '0xff000');
  assert.equal(report.registers.rsi, '0x100035');
});

test('--trace exits prints one line per exit on stderr', () => {
  const { status, stderr } = run(['samples/hello.hvasm', '--mode', 'guest', '--trace', 'exits']);
  assert.equal(status, 0);
  const lines = stderr.trim().split('\n');
  assert.equal(lines.length, 30);
  assert.match(lines[0]!, /^VM exit 30 I\/O instruction at guest RIP 0x100011: OUT 1 byte to port 0x3f8/);
});

test('bad --trace and --mode values are usage errors (exit code 2, one line)', () => {
  for (const args of [['--trace', 'everything'], ['--mode', 'nested']]) {
    const { status, stderr } = run(['samples/hello.hvasm', ...args]);
    assert.equal(status, 2);
    assert.equal(stderr.trim().split('\n').length, 1);
  }
});
