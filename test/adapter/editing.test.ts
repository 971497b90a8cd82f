// Changing the debuggee from the debugger: jump to a line, assign through watch
// expressions, run without debugging, restart with new arguments, flat binaries.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { after } from 'node:test';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { withClient, fixture, markerLine } from './client';

const basic = fixture('basic.hvasm');
const line = (marker: string): number => markerLine(basic, marker);

test('goto moves execution to another line without running anything', async () => {
  await withClient(async (client) => {
    await client.launchAndWaitForStop({ program: basic, stopOnEntry: true });
    const targets = await client.gotoTargetsRequest({ source: { path: basic }, line: line('PRINT') });
    assert.equal(targets.body.targets.length, 1);
    const stop = await client.stepAndWait(() => client.gotoRequest({ threadId: 1, targetId: targets.body.targets[0]!.id }));
    assert.equal(stop.body.reason, 'goto');
    assert.equal((await client.topFrame()).line, line('PRINT'));
    assert.equal(BigInt((await client.registers()).rax!.value), 0n, 'nothing ran');
    const none = await client.gotoTargetsRequest({ source: { path: basic }, line: line('NOCODE') });
    assert.equal(none.body.targets.length, 0);
  });
});

test('setExpression assigns registers and sized memory operands', async () => {
  await withClient(async (client) => {
    await client.launchAndWaitForStop({ program: basic, stopOnEntry: true });
    assert.equal((await client.send('setExpression', { expression: 'rdx', value: '0x1234' })).body.value, '0x1234 (4660)');
    assert.equal((await client.send('setExpression', { expression: 'word [value]', value: '0xbeef' })).body.value, '0xbeef (48879)');
    assert.match(await client.evaluate('qword [value]'), /^0x112233445566beef /);
    await assert.rejects(client.send('setExpression', { expression: 'rax + 1', value: '2' }), /cannot be assigned/);
    await assert.rejects(client.send('setExpression', { expression: 'byte [0xffff800000000000]', value: '2' }), /not mapped/);
  });
});

test('noDebug runs straight through breakpoints', async () => {
  await withClient(async (client) => {
    const exited = client.waitForEvent('exited');
    await client.launchWith({ program: basic, noDebug: true }, { lines: [{ path: basic, line: line('BP1') }] });
    assert.equal((await exited).body.exitCode, 7);
  });
});

test('restart can take new launch arguments', async () => {
  await withClient(async (client) => {
    await client.launchAndWaitForStop({ program: basic, stopOnEntry: true });
    const stop = await client.stepAndWait(() => client.restartRequest({ arguments: { program: basic, stopOnEntry: true, entry: 'double' } } as never));
    assert.equal(stop.body.reason, 'entry');
    assert.equal((await client.topFrame()).name, 'double');
    await assert.rejects(client.restartRequest({ arguments: { program: basic, mode: 'nope' } } as never), /'mode' must be/);
  });
});

test('a flat binary debugs at instruction level, with disassembly and no source', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hyperscope-flat-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const program = join(dir, 'tiny.bin');
  // mov eax, 5 ; inc eax ; out 0xf4, al
  writeFileSync(program, Buffer.from([0xb8, 5, 0, 0, 0, 0xff, 0xc0, 0xe6, 0xf4]));
  writeFileSync(join(dir, 'empty.bin'), Buffer.alloc(0));
  await withClient(async (client) => {
    await client.launchAndWaitForStop({ program, stopOnEntry: true });
    const frame = await client.topFrame();
    assert.equal(frame.source, undefined);
    assert.equal(frame.name, '0x0000000000100000');
    await client.stepAndWait(() => client.nextRequest({ threadId: 1 }));
    assert.equal((await client.topFrame()).instructionPointerReference, '0x100005');
    const dis = await client.send('disassemble', { memoryReference: '0x100000', instructionCount: 3 });
    assert.deepEqual(dis.body.instructions.map((i: { instruction: string }) => i.instruction), ['mov     eax, 5', 'inc     eax', 'out     0xf4, al']);
    const exited = client.waitForEvent('exited');
    await client.continueRequest({ threadId: 1 });
    assert.equal((await exited).body.exitCode, 6);
  });
  await withClient(async (client) => {
    await client.initializeRequest();
    await assert.rejects(client.launchRequest({ program: join(dir, 'empty.bin') } as never), /is empty/);
    await assert.rejects(client.launchRequest({ program, memoryMB: 1 } as never), /between 2 and 16384/);
    await assert.rejects(client.launchRequest({ program: dir } as never), /is a directory/);
  });
});
