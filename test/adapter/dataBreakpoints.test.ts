import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withClient, fixture, markerLine } from './client';

const calls = fixture('calls.hvasm');
const line = (marker: string): number => markerLine(calls, marker);

test('dataBreakpointInfo describes memory expressions and refuses registers', async () => {
  await withClient(async (client) => {
    await client.launchAndWaitForStop({ program: calls, stopOnEntry: true });
    const counter = await client.dataBreakpointInfoRequest({ name: 'counter' });
    assert.match(counter.body.dataId ?? '', /^gva:0x[0-9a-f]+:8$/);
    assert.deepEqual(counter.body.accessTypes, ['write', 'read', 'readWrite']);
    const byte = await client.dataBreakpointInfoRequest({ name: 'byte [counter + 1]' });
    assert.match(byte.body.dataId ?? '', /:1$/);
    const address = await client.dataBreakpointInfoRequest({ name: '0x100000', asAddress: true, bytes: 4 });
    assert.equal(address.body.dataId, 'gva:0x100000:4');
    const register = await client.dataBreakpointInfoRequest({ name: 'rax', variablesReference: 1 });
    assert.equal(register.body.dataId, null);
    assert.match(register.body.description, /registers cannot be watched/);
    const bad = await client.dataBreakpointInfoRequest({ name: 'nothing' });
    assert.equal(bad.body.dataId, null);
  });
});

test('a write watchpoint stops after the instruction that writes, with address, size, old and new value and the instruction', async () => {
  await withClient(async (client) => {
    await client.launchAndWaitForStop({ program: calls, stopOnEntry: true });
    const info = await client.dataBreakpointInfoRequest({ name: 'counter' });
    const set = await client.setDataBreakpointsRequest({ breakpoints: [{ dataId: info.body.dataId!, accessType: 'write' }] });
    assert.equal(set.body.breakpoints[0]!.verified, true);
    const stop = await client.stepAndWait(() => client.continueRequest({ threadId: 1 }));
    assert.equal(stop.body.reason, 'data breakpoint');
    assert.match(stop.body.description ?? '', /^data breakpoint: write of 8 bytes at 0x[0-9a-f]+ \(hpa 0x[0-9a-f]+\): 0x0 → 0x1 by add qword \[0x[0-9a-f]+\], 1 at 0x[0-9a-f]+/);
    assert.deepEqual(stop.body.hitBreakpointIds, [set.body.breakpoints[0]!.id]);
    // stopped on the instruction after the write
    assert.equal((await client.topFrame()).line, line('BUMP') + 1);
    await client.stepAndWait(() => client.continueRequest({ threadId: 1 }));
    assert.equal(await client.evaluate('qword [counter]'), '0x2 (2)');
  });
});

test('data breakpoint conditions; unknown ids and access types are refused', async () => {
  await withClient(async (client) => {
    await client.launchAndWaitForStop({ program: calls, stopOnEntry: true });
    const info = await client.dataBreakpointInfoRequest({ name: 'counter' });
    const set = await client.setDataBreakpointsRequest({
      breakpoints: [{ dataId: info.body.dataId!, condition: 'qword [counter] == 3' }, { dataId: info.body.dataId!, accessType: 'execute' as 'read' }, { dataId: 'elsewhere' }],
    });
    assert.equal(set.body.breakpoints[0]!.verified, true);
    assert.equal(set.body.breakpoints[1]!.verified, false);
    assert.match(set.body.breakpoints[1]!.message ?? '', /access type 'execute'/);
    assert.equal(set.body.breakpoints[2]!.verified, false);
    await client.stepAndWait(() => client.continueRequest({ threadId: 1 }));
    assert.equal(await client.evaluate('qword [counter]'), '0x3 (3)');
  });
});

test('a breakpoint still hits while a data breakpoint watches the code page', async () => {
  await withClient(async (client) => {
    await client.launchAndWaitForStop({ program: calls, stopOnEntry: true });
    const info = await client.dataBreakpointInfoRequest({ name: '0x100000', asAddress: true, bytes: 1 });
    await client.setDataBreakpointsRequest({ breakpoints: [{ dataId: info.body.dataId! }] });
    await client.setBreakpointsRequest({ source: { path: calls }, breakpoints: [{ line: line('FOREVERCALL') }] });
    const stop = await client.stepAndWait(() => client.continueRequest({ threadId: 1 }));
    assert.equal(stop.body.reason, 'breakpoint');
    assert.equal(await client.evaluate('qword [counter]'), '0x4 (4)');
  });
});

test('stepping over a call that never returns can be paused', async () => {
  await withClient(async (client) => {
    await client.launchAndWaitForStop({ program: calls }, { lines: [{ path: calls, line: line('FOREVERCALL') }] });
    await client.nextRequest({ threadId: 1 });
    await new Promise((resolve) => setTimeout(resolve, 100));
    const stopped = client.waitForEvent('stopped', 2000);
    await client.pauseRequest({ threadId: 1 });
    assert.equal((await stopped).body.reason, 'pause');
    assert.equal((await client.topFrame()).line, line('FOREVER'));
    // the temporary breakpoint at the return address is gone: a continue + pause still works
    await client.continueRequest({ threadId: 1 });
    const again = client.waitForEvent('stopped', 2000);
    await client.pauseRequest({ threadId: 1 });
    assert.equal((await again).body.reason, 'pause');
  });
});
