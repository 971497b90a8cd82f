// Data breakpoints by access type on the machine's watch seam: reads, every write (the same
// value too), read/write, hit counts, guest-physical ranges, and reverseContinue to them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withClient, fixture, markerLine, type HyperscopeClient } from './client';

const faults = fixture('faults.hvasm');
const line = (marker: string): number => markerLine(faults, marker);

async function watch(client: HyperscopeClient, accessType: 'read' | 'write' | 'readWrite', extra: { hitCondition?: string; name?: string } = {}): Promise<number> {
  const info = await client.dataBreakpointInfoRequest({ name: extra.name ?? 'watched' });
  assert.ok(info.body.dataId, info.body.description);
  const set = await client.setDataBreakpointsRequest({ breakpoints: [{ dataId: info.body.dataId, accessType, hitCondition: extra.hitCondition }] });
  assert.equal(set.body.breakpoints[0]!.verified, true, set.body.breakpoints[0]!.message);
  return set.body.breakpoints[0]!.id!;
}

async function continueToStop(client: HyperscopeClient): Promise<{ line: number; description: string }> {
  const stop = await client.stepAndWait(() => client.continueRequest({ threadId: 1 }));
  assert.equal(stop.body.reason, 'data breakpoint', stop.body.description);
  return { line: (await client.topFrame()).line, description: stop.body.description ?? '' };
}

test('read watchpoint: stops after the instruction that reads, with the value read', async () => {
  await withClient(async (client) => {
    await client.launchAndWaitForStop({ program: faults }, { lines: [{ path: faults, line: line('READ') }] });
    await watch(client, 'read');
    const first = await continueToStop(client);
    assert.equal(first.line, line('SAMEWRITE'));
    assert.match(first.description, /read of 8 bytes at 0x[0-9a-f]+ \(hpa 0x[0-9a-f]+\): value 0x5 by mov rax, \[rel 0x[0-9a-f]+\] at 0x[0-9a-f]+ \(watching 8 at 0x[0-9a-f]+\)$/);
    const second = await continueToStop(client);
    assert.equal(second.line, line('READ2') + 1);
    assert.match(second.description, /value 0x6/);
  });
});

test('write watchpoint: a write of the same value stops too; old and new values', async () => {
  await withClient(async (client) => {
    await client.launchAndWaitForStop({ program: faults }, { lines: [{ path: faults, line: line('READ') }] });
    await watch(client, 'write');
    const same = await continueToStop(client);
    assert.equal(same.line, line('WRITE'));
    assert.match(same.description, /write of 8 bytes .*: 0x5 → 0x5 by mov qword/);
    const changed = await continueToStop(client);
    assert.equal(changed.line, line('READ2'));
    assert.match(changed.description, /0x5 → 0x6/);
  });
});

test('readWrite watchpoint in guest mode by guest-physical address, with a hit condition; reverseContinue goes back to earlier hits', async () => {
  await withClient(async (client) => {
    await client.launchAndWaitForStop({ program: faults, mode: 'guest' }, { lines: [{ path: faults, line: line('READ') }] });
    const address = BigInt(await client.evaluate('watched').then((text) => text.split(' ')[0]!));
    const id = await watch(client, 'readWrite', { name: `gpa:0x${address.toString(16)}`, hitCondition: '>= 2' });
    const second = await continueToStop(client);
    assert.equal(second.line, line('WRITE'), 'the first hit (the read) does not match >= 2');
    const third = await continueToStop(client);
    assert.equal(third.line, line('READ2'));
    // backwards: the previous hit is the same-value write (hit 4 by then: passes count going back too)
    const back = await client.stepAndWait(() => client.reverseContinueRequest({ threadId: 1 }));
    assert.equal(back.body.reason, 'data breakpoint');
    assert.deepEqual(back.body.hitBreakpointIds, [id]);
    assert.equal((await client.topFrame()).line, line('WRITE'));
    assert.match(back.body.description ?? '', /0x5 → 0x5/);
    assert.equal(await client.evaluate('qword [watched]'), '0x5 (5)');
  });
});

test('watchpoints leave unwatched memory at full speed: a page-sized copy elsewhere does not stop', async () => {
  await withClient(async (client) => {
    await client.launchAndWaitForStop({ program: faults, stopOnEntry: true });
    await watch(client, 'readWrite', { name: '0x7000', hitCondition: '1' });
    const exited = client.waitForEvent('exited');
    await client.continueRequest({ threadId: 1 });
    assert.equal((await exited).body.exitCode, 3);
  });
});
