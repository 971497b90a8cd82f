// VM exits as exception breakpoints: filters per exit family with conditions over the
// exit's fields, in guest mode (the hidden hypervisor stays hidden) and bare mode (the
// user's own hypervisor).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { withClient } from './client';
import { launchWithFilters, sample } from './vmExitHelpers';

test('initialize offers the VM-exit filters, each with a condition', async () => {
  await withClient(async (client) => {
    const caps = (await client.initializeRequest()).body!;
    const ids = (caps.exceptionBreakpointFilters ?? []).map((f) => f.filter);
    for (const id of ['vm-exit-any', 'vm-exit-cpuid', 'vm-exit-hlt', 'vm-exit-io', 'vm-exit-msr', 'vm-exit-cr', 'vm-exit-ept', 'vm-exit-vmcall', 'vm-exit-exception', 'vm-exit-triple-fault', 'vm-exit-preemption-timer', 'vm-exit-vmx-instruction', 'vm-entry-failure']) assert.ok(ids.includes(id), id);
    assert.ok((caps.exceptionBreakpointFilters ?? []).every((f) => f.supportsCondition));
    assert.equal(caps.supportsExceptionFilterOptions, true);
  });
});

test('I/O filter with port == 0x3f8 stops after the first OUT, in the guest, with exceptionInfo naming exit 30', async () => {
  await withClient(async (client) => {
    const program = sample('guest-port-io.hvasm');
    const { stop, breakpoints } = await launchWithFilters(client, { program, mode: 'guest' }, [], [{ filterId: 'vm-exit-io', condition: 'port == 0x3f8' }]);
    assert.equal(breakpoints[0]?.verified, true);
    assert.equal(stop?.body.reason, 'exception');
    assert.match(stop?.body.description ?? '', /^VM exit 30 \(I\/O instruction\)/);
    const info = await client.exceptionInfoRequest({ threadId: 1 });
    assert.equal(info.body.exceptionId, 'vm-exit-30');
    assert.match(info.body.description ?? '', /VM exit 30 .*port 0x3f8/);
    assert.match(info.body.details?.message ?? '', /instruction length 1/);
    // the hidden host stub stays hidden: the stop is on the guest's next instruction (jmp .next)
    const frame = await client.topFrame();
    assert.equal(frame.source?.path, program);
    assert.equal(frame.line, 14);
    // the guest had printed nothing before the exit; the host forwarded the byte
    const again = await client.stepAndWait(() => client.continueRequest({ threadId: 1 }));
    assert.equal(again.body.reason, 'exception');
    assert.equal(client.output.stdout, 'po');
  });
});

test('CPUID filter stops; a condition over registers (rax) picks the exit', async () => {
  await withClient(async (client) => {
    const { stop } = await launchWithFilters(client, { program: sample('guest-cpuid.hvasm'), mode: 'guest' }, [], [{ filterId: 'vm-exit-cpuid', condition: 'rax == 1' }]);
    assert.equal(stop?.body.reason, 'exception');
    const info = await client.exceptionInfoRequest({ threadId: 1 });
    assert.equal(info.body.exceptionId, 'vm-exit-10');
    // the second CPUID (leaf 1): the signature was already printed
    assert.equal(client.output.stdout, 'HyperscopeHV');
  });
});

test('"any VM exit" stops at the first exit', async () => {
  await withClient(async (client) => {
    const { stop } = await launchWithFilters(client, { program: sample('guest-cpuid.hvasm'), mode: 'guest' }, ['vm-exit-any']);
    assert.equal(stop?.body.reason, 'exception');
    assert.match(stop?.body.description ?? '', /^VM exit 10 \(CPUID\)/);
  });
});

test('EPT violation filter with a condition over gpa', async () => {
  await withClient(async (client) => {
    const { stop } = await launchWithFilters(client, { program: sample('guest-ept-violation.hvasm'), mode: 'guest' }, [], [{ filterId: 'vm-exit-ept', condition: 'reason == 48 && gpa >= 0xfee00000' }]);
    assert.equal(stop?.body.reason, 'exception');
    const info = await client.exceptionInfoRequest({ threadId: 1 });
    assert.equal(info.body.exceptionId, 'vm-exit-48');
    assert.match(info.body.description ?? '', /GPA 0xfee00000/);
    assert.match(stop?.body.description ?? '', /EPT violation/);
  });
});

test('a condition that never holds never stops; a misspelt name is refused', async () => {
  await withClient(async (client) => {
    const { stop, exitCode, breakpoints } = await launchWithFilters(client, { program: sample('guest-port-io.hvasm'), mode: 'guest' }, [], [
      { filterId: 'vm-exit-io', condition: 'port == 0x80' },
      { filterId: 'vm-exit-any', condition: 'prot == 1' },
    ]);
    assert.equal(stop, undefined);
    assert.equal(exitCode, 1);
    assert.equal(breakpoints[0]?.verified, true);
    assert.equal(breakpoints[1]?.verified, false);
    assert.match(breakpoints[1]?.message ?? '', /unknown register or symbol 'prot'/);
  });
});

test('bare mode: the user\'s own hypervisor stops on its guest\'s VMCALL exit, at the host entry point', async () => {
  await withClient(async (client) => {
    const { stop } = await launchWithFilters(client, { program: sample('own-hypervisor.hvasm') }, ['vm-exit-vmcall']);
    assert.equal(stop?.body.reason, 'exception');
    assert.match(stop?.body.description ?? '', /^VM exit 18 \(VMCALL\)/);
    assert.equal((await client.topFrame()).source?.path, sample('own-hypervisor.hvasm'));
  });
});

const ENTRY_FAILURE = `bits 64
org 0x100000
  mov rax, cr4
  bts rax, 13
  mov cr4, rax
  mov ecx, 0x480
  rdmsr
  and eax, 0x7fffffff
  mov [0x200000], eax
  mov [0x201000], eax
  vmxon [rel vmxon_ptr]
  vmclear [rel vmcs_ptr]
  vmptrld [rel vmcs_ptr]
  vmlaunch
  mov al, 3
  out 0xf4, al
vmxon_ptr: dq 0x200000
vmcs_ptr: dq 0x201000
`;

test('VM-entry failure filter: VMLAUNCH of an empty VMCS stops with the rule and the SDM section', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hyperscope-entry-'));
  const program = join(dir, 'entry-failure.hvasm');
  writeFileSync(program, ENTRY_FAILURE);
  try {
    await withClient(async (client) => {
      const { stop } = await launchWithFilters(client, { program }, ['vm-entry-failure']);
      assert.equal(stop?.body.reason, 'exception');
      assert.match(stop?.body.description ?? '', /^VM entry failed/);
      const info = await client.exceptionInfoRequest({ threadId: 1 });
      assert.equal(info.body.exceptionId, 'vm-entry-failure');
      assert.match(info.body.details?.message ?? '', /rule: [\s\S]*SDM \d/);
      const exited = client.waitForEvent('exited');
      await client.continueRequest({ threadId: 1 });
      assert.equal(((await exited) as DebugProtocol.ExitedEvent).body.exitCode, 3);
    });
    await withClient(async (client) => {
      const { exitCode } = await launchWithFilters(client, { program }, ['vm-exit-any']);
      assert.equal(exitCode, 3);
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('stepping back after a VM-exit stop replays through the exits, and continuing stops at the next one', async () => {
  await withClient(async (client) => {
    await launchWithFilters(client, { program: sample('guest-port-io.hvasm'), mode: 'guest' }, ['vm-exit-io']);
    await client.stepAndWait(() => client.continueRequest({ threadId: 1 }));
    const back = await client.stepAndWait(() => client.stepBackRequest({ threadId: 1, granularity: 'instruction' }));
    assert.equal(back.body.reason, 'step');
    const again = await client.stepAndWait(() => client.continueRequest({ threadId: 1 }));
    assert.equal(again.body.reason, 'exception');
    assert.match(again.body.description ?? '', /^VM exit 30/);
  });
});
