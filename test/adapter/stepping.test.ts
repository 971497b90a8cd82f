import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withClient, fixture, markerLine, type HyperscopeClient } from './client';

const basic = fixture('basic.hvasm');
const line = (marker: string): number => markerLine(basic, marker);

async function stopAt(client: HyperscopeClient, marker: string): Promise<void> {
  await client.launchAndWaitForStop({ program: basic }, { lines: [{ path: basic, line: line(marker) }] });
}

test('stepIn moves one source line', async () => {
  await withClient(async (client) => {
    await client.launchAndWaitForStop({ program: basic, stopOnEntry: true });
    const stop = await client.stepAndWait(() => client.stepInRequest({ threadId: 1 }));
    assert.equal(stop.body.reason, 'step');
    assert.equal((await client.topFrame()).line, line('ENTRY') + 1);
  });
});

test('stepIn at a call enters the callee', async () => {
  await withClient(async (client) => {
    await stopAt(client, 'CALL');
    await client.stepAndWait(() => client.stepInRequest({ threadId: 1 }));
    const frame = await client.topFrame();
    assert.equal(frame.name, 'double');
    assert.equal(frame.line, line('DOUBLE'));
    // the caller's frame comes from the return address on the stack, shown at its call
    const frames = (await client.stackTraceRequest({ threadId: 1 })).body.stackFrames;
    assert.equal(frames.length, 2);
    assert.equal(frames[1]!.name, 'start+0x12 (return address at [rsp+0x0])');
    assert.equal(frames[1]!.line, line('CALL'));
    assert.equal(frames[1]!.instructionPointerReference, '0x100012');
  });
});

test('next steps over a call', async () => {
  await withClient(async (client) => {
    await stopAt(client, 'CALL');
    await client.stepAndWait(() => client.nextRequest({ threadId: 1 }));
    assert.equal((await client.topFrame()).line, line('AFTERCALL'));
    assert.equal(BigInt((await client.registers()).rax!.value), 4n);
  });
});

test('next over a call stops at a breakpoint inside it', async () => {
  await withClient(async (client) => {
    await client.launchAndWaitForStop({ program: basic }, { lines: [{ path: basic, line: line('CALL') }, { path: basic, line: line('RET') }] });
    const stop = await client.stepAndWait(() => client.nextRequest({ threadId: 1 }));
    assert.equal(stop.body.reason, 'breakpoint');
    assert.equal((await client.topFrame()).line, line('RET'));
  });
});

test('stepOut returns to the caller', async () => {
  await withClient(async (client) => {
    await stopAt(client, 'DOUBLE');
    const stop = await client.stepAndWait(() => client.stepOutRequest({ threadId: 1 }));
    assert.equal(stop.body.reason, 'step');
    const frame = await client.topFrame();
    assert.equal(frame.line, line('AFTERCALL'));
    assert.equal(frame.name, 'start+0x12');
  });
});

test('instruction granularity steps one instruction', async () => {
  await withClient(async (client) => {
    await client.launchAndWaitForStop({ program: basic, stopOnEntry: true });
    await client.stepAndWait(() => client.stepInRequest({ threadId: 1, granularity: 'instruction' }));
    assert.equal((await client.topFrame()).instructionPointerReference, '0x100005');
    await client.stepAndWait(() => client.stepInRequest({ threadId: 1, granularity: 'instruction' }));
    assert.equal((await client.topFrame()).instructionPointerReference, '0x10000a');
  });
});

test('next with instruction granularity steps over a call as one instruction', async () => {
  await withClient(async (client) => {
    await stopAt(client, 'CALL');
    await client.stepAndWait(() => client.nextRequest({ threadId: 1, granularity: 'instruction' }));
    assert.equal((await client.topFrame()).line, line('AFTERCALL'));
  });
});

test('stepping through the loop returns to its first line', async () => {
  await withClient(async (client) => {
    await stopAt(client, 'LOOP');
    await client.stepAndWait(() => client.nextRequest({ threadId: 1 }));
    assert.equal((await client.topFrame()).line, line('LOOP') + 1);
    await client.stepAndWait(() => client.nextRequest({ threadId: 1 }));
    assert.equal((await client.topFrame()).line, line('LOOP'));
  });
});

test('stepping onto the exit ends the session', async () => {
  await withClient(async (client) => {
    await stopAt(client, 'EXIT');
    const exited = client.waitForEvent('exited');
    await client.stepInRequest({ threadId: 1 });
    assert.equal((await exited).body.exitCode, 7);
  });
});

test('pause stops a runaway loop quickly', async () => {
  await withClient(async (client) => {
    await client.launchWith({ program: fixture('runaway.hvasm') });
    await new Promise((resolve) => setTimeout(resolve, 150));
    const started = performance.now();
    const stopped = client.waitForEvent('stopped', 2000);
    await client.pauseRequest({ threadId: 1 });
    const stop = await stopped;
    const elapsed = performance.now() - started;
    assert.equal(stop.body.reason, 'pause');
    // the runtime yields every ~20 ms; allow for a loaded machine
    assert.ok(elapsed < 500, `pause took ${elapsed.toFixed(1)} ms`);
    const rax = BigInt((await client.registers()).rax!.value);
    assert.ok(rax > 1000n, `the loop ran (rax = ${rax})`);
    const frame = await client.topFrame();
    assert.equal(frame.source?.path, fixture('runaway.hvasm'));
    // and it continues and pauses again
    await client.continueRequest({ threadId: 1 });
    const again = client.waitForEvent('stopped', 2000);
    await client.pauseRequest({ threadId: 1 });
    assert.equal((await again).body.reason, 'pause');
  });
});

test('stepOut and next finish a 200k-instruction call in reasonable time', async () => {
  const long = fixture('long.hvasm');
  await withClient(async (client) => {
    await client.launchAndWaitForStop({ program: long }, { lines: [{ path: long, line: markerLine(long, 'WORK') }] });
    const started = performance.now();
    await client.stepAndWait(() => client.stepOutRequest({ threadId: 1 }));
    const elapsed = performance.now() - started;
    assert.equal((await client.topFrame()).line, markerLine(long, 'AFTERWORK'));
    assert.equal(BigInt((await client.registers()).rcx!.value), 0n);
    assert.ok(elapsed < 4000, `stepOut took ${elapsed.toFixed(0)} ms`);
  });
  await withClient(async (client) => {
    await client.launchAndWaitForStop({ program: long }, { lines: [{ path: long, line: markerLine(long, 'CALLWORK') }] });
    await client.stepAndWait(() => client.nextRequest({ threadId: 1 }));
    assert.equal((await client.topFrame()).line, markerLine(long, 'AFTERWORK'));
  });
});
