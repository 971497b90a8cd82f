// mode "guest": the program runs as a VMX guest of the built-in hypervisor. The
// hypervisor's host stub is invisible to stepping and stops; guest memory is reachable as
// gva and gpa (through EPT), and differs from hpa.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withClient, fixture, markerLine } from './client';

const basic = fixture('basic.hvasm');
const line = (marker: string): number => markerLine(basic, marker);

test('guest mode: stop on entry in the guest, breakpoints, serial output and exit through VM exits', async () => {
  await withClient(async (client) => {
    const stop = await client.launchAndWaitForStop({ program: basic, mode: 'guest', stopOnEntry: true });
    assert.equal(stop.body.reason, 'entry');
    assert.equal((await client.topFrame()).line, line('ENTRY'));
    await client.setBreakpointsRequest({ source: { path: basic }, breakpoints: [{ line: line('AFTERCALL') }] });
    await client.stepAndWait(() => client.continueRequest({ threadId: 1 }));
    assert.equal((await client.topFrame()).line, line('AFTERCALL'));
    assert.equal(BigInt((await client.registers()).rax!.value), 4n);
    const exited = client.waitForEvent('exited');
    await client.continueRequest({ threadId: 1 });
    assert.equal((await exited).body.exitCode, 7);
    assert.equal(client.output.stdout, 'OK\n');
  });
});

test('guest mode: stepping over port I/O (a VM exit each) lands on the next guest line', async () => {
  await withClient(async (client) => {
    await client.launchAndWaitForStop({ program: basic, mode: 'guest' }, { lines: [{ path: basic, line: line('PRINT') }] });
    for (let i = 1; i <= 3; i++) {
      await client.stepAndWait(() => client.nextRequest({ threadId: 1 }));
      assert.equal((await client.topFrame()).line, line('PRINT') + i);
    }
    await client.stepAndWait(() => client.stepInRequest({ threadId: 1, granularity: 'instruction' }));
    assert.equal((await client.topFrame()).line, line('PRINT') + 4);
  });
});

test('guest mode: gpa goes through EPT, hpa is host memory', async () => {
  await withClient(async (client) => {
    await client.launchAndWaitForStop({ program: basic, mode: 'guest', stopOnEntry: true });
    const read = async (ref: string) => Buffer.from((await client.send('readMemory', { memoryReference: ref, count: 8 })).body.data, 'base64').toString('hex');
    assert.equal(await read('gva:0x100033'), '8877665544332211');
    assert.equal(await read('gpa:0x100033'), '8877665544332211');
    assert.notEqual(await read('hpa:0x100033'), '8877665544332211');
    assert.match(await client.evaluate('translate 0x100033'), /EPT/);
    const ept = await client.evaluate('translate gpa:0x100033');
    assert.match(ept, /^translate gpa 0x100033/);
    assert.match(ept, /EPT PML4\[0\]/);
    assert.match(ept, /gpa 0x100033 → hpa 0x1100033/);
  });
});

test('guest mode: an org other than 0x100000 is refused', async () => {
  await withClient(async (client) => {
    await client.initializeRequest();
    await assert.rejects(client.launchRequest({ program: fixture('org200.hvasm'), mode: 'guest' } as never), /guest mode loads flat images at guest-physical 0x100000/);
  });
});

test('guest mode: stepping back passes through the hypervisor to the previous guest instruction', async () => {
  await withClient(async (client) => {
    await client.launchAndWaitForStop({ program: basic, mode: 'guest' }, { lines: [{ path: basic, line: line('PRINT') + 3 }] });
    // the previous guest instruction is `out dx, al` (a VM exit, then the host's vmresume)
    await client.stepAndWait(() => client.stepBackRequest({ threadId: 1, granularity: 'instruction' }));
    assert.equal((await client.topFrame()).line, line('PRINT') + 2);
    await client.stepAndWait(() => client.stepBackRequest({ threadId: 1 }));
    assert.equal((await client.topFrame()).line, line('PRINT') + 1);
    const start = await client.stepAndWait(() => client.reverseContinueRequest({ threadId: 1 }));
    assert.match(start.body.description ?? '', /reached the oldest checkpoint/);
    assert.equal((await client.topFrame()).line, line('ENTRY'));
  });
});

test('guest mode: the hypervisor controls come from launch.json, validated', async () => {
  await withClient(async (client) => {
    const exited = client.waitForEvent('exited');
    await client.launchWith({ program: basic, mode: 'guest', guest: { guestMemoryMB: 4, preemptionTimer: 100, ioExitPorts: 'all' } });
    assert.equal((await exited).body.exitCode, 7);
  });
  const failures: [Record<string, unknown>, RegExp][] = [
    [{ mode: 'bare', guest: {} }, /'guest' applies only to mode "guest"/],
    [{ mode: 'guest', guest: { hltExits: true } }, /unknown field 'guest.hltExits'/],
    [{ mode: 'guest', guest: { guestMemoryMB: 3 } }, /must be a multiple of 2/],
    [{ mode: 'guest', guest: { ioExitPorts: [0x3f8, 70000] } }, /'guest.ioExitPorts' must be a list of integers/],
    [{ mode: 'guest', guest: { cr3Exiting: 'yes' } }, /'guest.cr3Exiting' must be true or false/],
  ];
  for (const [args, pattern] of failures) {
    await withClient(async (client) => {
      await client.initializeRequest();
      await assert.rejects(client.launchRequest({ program: basic, ...args } as never), pattern);
    });
  }
});
