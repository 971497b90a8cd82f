import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';

// Every sample runs through the CLI (assembled in memory by the project's assembler) and
// ends the way its comment says.
before(() => {
  execFileSync(process.execPath, ['esbuild.mjs']);
});

interface Expected {
  mode: 'bare' | 'guest';
  reason: string;
  exitCode: number | null;
  console?: RegExp;
  exits?: string[];
  /** Extra CLI flags. */
  flags?: string[];
}

const samples: Record<string, Expected> = {
  'hello.hvasm': { mode: 'bare', reason: 'exit', exitCode: 0, console: /^Hello from the bare machine!\n$/ },
  'rings.hvasm': { mode: 'bare', reason: 'exit', exitCode: 13, console: /user: hello through syscall\n.*#GP from ring 3/s },
  'own-hypervisor.hvasm': { mode: 'bare', reason: 'exit', exitCode: 42, console: /Hello from the guest/, exits: ['30 I/O instruction', '10 CPUID', '18 VMCALL'] },
  'guest-cpuid.hvasm': { mode: 'guest', reason: 'exit', exitCode: 1, console: /HyperscopeHV/, exits: ['10 CPUID'] },
  'guest-port-io.hvasm': { mode: 'guest', reason: 'exit', exitCode: 1, console: /port I\/O from the guest/, exits: ['30 I/O instruction'] },
  'guest-hlt.hvasm': { mode: 'guest', reason: 'halt', exitCode: null, exits: ['12 HLT'] },
  'guest-vmcall.hvasm': { mode: 'guest', reason: 'exit', exitCode: 1, console: /hello through a hypercall/, exits: ['18 VMCALL'] },
  'guest-ept-violation.hvasm': { mode: 'guest', reason: 'vm-exit', exitCode: null, exits: ['48 EPT violation'] },
  'apic-timer.hvasm': { mode: 'bare', reason: 'exit', exitCode: 5, console: /^timer armed: \.{5} 5 ticks\n$/ },
  'guest-apic-timer.hvasm': { mode: 'guest', reason: 'exit', exitCode: 5, console: /^timer armed: \.{5} 5 ticks\n$/, exits: ['32 WRMSR', '12 HLT'] },
  'xen-console.hvasm': { mode: 'guest', reason: 'exit', exitCode: 0, console: /^hello from a Xen PV console\n$/, exits: ['18 VMCALL'], flags: ['--paravirt', 'xen'] },
  'xen-multicall.hvasm': { mode: 'guest', reason: 'exit', exitCode: 0, console: /multicall: .*\nballoon: page 0x400 given back and populated again\n$/, exits: ['18 VMCALL'], flags: ['--paravirt', 'xen'] },
  'virtio-console.hvasm': { mode: 'guest', reason: 'exit', exitCode: 0, console: /^hello from virtio-console\n$/, exits: ['48 EPT violation'], flags: ['--virtio-console'] },
  'virtio-balloon.hvasm': { mode: 'guest', reason: 'vm-exit', exitCode: null, console: /^balloon inflated; touching a page that was given back\n$/, exits: ['48 EPT violation'], flags: ['--balloon-target', '16'] },
  'virtio-block.hvasm': { mode: 'guest', reason: 'exit', exitCode: 0, console: /^sector 0: sector 0 of the sample disk\nsector 1 read back: written by the guest through virtio-blk\n$/, exits: ['48 EPT violation'], flags: ['--virtio-console', '--disk', 'samples/disk.img'] },
};

for (const [file, expected] of Object.entries(samples)) {
  test(`samples/${file} (${expected.mode} mode) stops with ${expected.reason}`, () => {
    const result = spawnSync(process.execPath, ['dist/cli.js', 'run', `samples/${file}`, '--mode', expected.mode, ...(expected.flags ?? []), '--json'], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(result.status, 0, result.stderr);
    const report = JSON.parse(result.stdout) as { stop: { reason: string; detail: string }; exitCode: number | null; console: string; exitStats?: Record<string, unknown> };
    assert.equal(report.stop.reason, expected.reason, report.stop.detail);
    assert.equal(report.exitCode, expected.exitCode);
    if (expected.console) assert.match(report.console, expected.console);
    for (const exit of expected.exits ?? []) assert.ok(report.exitStats?.[exit], `exit statistics name ${exit}: ${JSON.stringify(report.exitStats)}`);
  });
}
