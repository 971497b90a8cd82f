import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withClient, fixture, markerLine } from './client';

const basic = fixture('basic.hvasm');
const line = (marker: string): number => markerLine(basic, marker);

test('stepBack by line returns through a call, undoing register changes', async () => {
  await withClient(async (client) => {
    await client.launchAndWaitForStop({ program: basic }, { lines: [{ path: basic, line: line('AFTERCALL') }] });
    assert.equal(BigInt((await client.registers()).rax!.value), 4n);
    const stop = await client.stepAndWait(() => client.stepBackRequest({ threadId: 1 }));
    assert.equal(stop.body.reason, 'step');
    assert.equal((await client.topFrame()).line, line('RET'));
    await client.stepAndWait(() => client.stepBackRequest({ threadId: 1 }));
    assert.equal((await client.topFrame()).line, line('DOUBLE'));
    assert.equal(BigInt((await client.registers()).rax!.value), 2n);
    // and forward again gives the same result
    await client.stepAndWait(() => client.nextRequest({ threadId: 1 }));
    await client.stepAndWait(() => client.nextRequest({ threadId: 1 }));
    assert.equal((await client.topFrame()).line, line('AFTERCALL'));
    assert.equal(BigInt((await client.registers()).rax!.value), 4n);
  });
});

test('stepBack by instruction undoes exactly one instruction', async () => {
  await withClient(async (client) => {
    await client.launchAndWaitForStop({ program: basic }, { lines: [{ path: basic, line: line('BP1') }] });
    await client.stepAndWait(() => client.stepBackRequest({ threadId: 1, granularity: 'instruction' }));
    assert.equal((await client.topFrame()).instructionPointerReference, '0x100005');
    const regs = await client.registers();
    assert.equal(BigInt(regs.rcx!.value), 0n);
    assert.equal(BigInt(regs.rax!.value), 1n);
  });
});

test('reverseContinue runs back to the previous breakpoint whose condition holds', async () => {
  await withClient(async (client) => {
    await client.launchAndWaitForStop({ program: basic }, { lines: [{ path: basic, line: line('PRINT') }] });
    await client.setBreakpointsRequest({ source: { path: basic }, breakpoints: [{ line: line('PRINT') }, { line: line('LOOP'), condition: 'edx != 3' }] });
    const stop = await client.stepAndWait(() => client.reverseContinueRequest({ threadId: 1 }));
    assert.equal(stop.body.reason, 'breakpoint');
    assert.equal((await client.topFrame()).line, line('LOOP'));
    assert.equal(BigInt((await client.registers()).rdx!.value), 1n);
    await client.stepAndWait(() => client.reverseContinueRequest({ threadId: 1 }));
    assert.equal(BigInt((await client.registers()).rdx!.value), 2n);
    await client.stepAndWait(() => client.reverseContinueRequest({ threadId: 1 }));
    assert.equal(BigInt((await client.registers()).rdx!.value), 4n, 'skips edx == 3');
  });
});

test('reverseContinue without breakpoints stops at the start of history; stepBack there is refused', async () => {
  await withClient(async (client) => {
    await client.launchAndWaitForStop({ program: basic }, { lines: [{ path: basic, line: line('PRINT') }] });
    await client.setBreakpointsRequest({ source: { path: basic }, breakpoints: [] });
    const stop = await client.stepAndWait(() => client.reverseContinueRequest({ threadId: 1 }));
    assert.match(stop.body.description ?? '', /reached the oldest checkpoint/);
    assert.equal((await client.topFrame()).instructionPointerReference, '0x100000');
    await assert.rejects(client.stepBackRequest({ threadId: 1 }), /nothing to step back to/);
  });
});

test('stepping back over serial output does not print it twice while replaying', async () => {
  await withClient(async (client) => {
    await client.launchAndWaitForStop({ program: basic }, { lines: [{ path: basic, line: line('EXIT') }] });
    assert.equal(client.output.stdout, 'OK\n');
    await client.stepAndWait(() => client.stepBackRequest({ threadId: 1 }));
    await client.stepAndWait(() => client.stepBackRequest({ threadId: 1 }));
    assert.equal(client.output.stdout, 'OK\n');
  });
});

test('reverseContinue counts hits going back the way continue does, and prints the logpoints it passes', async () => {
  await withClient(async (client) => {
    await client.launchAndWaitForStop({ program: basic }, { lines: [{ path: basic, line: line('PRINT') }] });
    await client.setBreakpointsRequest({
      source: { path: basic },
      breakpoints: [{ line: line('PRINT') }, { line: line('LOOP'), hitCondition: '== 2' }, { line: line('LOOP') + 1, logMessage: 'jnz with edx={edx}' }],
    });
    const before = client.output.console ?? '';
    const stop = await client.stepAndWait(() => client.reverseContinueRequest({ threadId: 1 }));
    assert.equal(stop.body.reason, 'breakpoint');
    assert.equal((await client.topFrame()).line, line('LOOP'));
    assert.equal(BigInt((await client.registers()).rdx!.value), 2n, 'the second pass going back (edx 1, then 2)');
    const logged = (client.output.console ?? '').slice(before.length);
    assert.match(logged, /jnz with edx=0x0\njnz with edx=0x1\n/);
    // hit 3, 4, 5 do not match == 2: back to the start of history
    const start = await client.stepAndWait(() => client.reverseContinueRequest({ threadId: 1 }));
    assert.match(start.body.description ?? '', /reached the oldest checkpoint/);
  });
});
