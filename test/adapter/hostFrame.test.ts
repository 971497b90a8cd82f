import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { withClient } from './client';
import { sample } from './vmExitHelpers';

// Bare mode, the user's own hypervisor: while its guest runs, the stack's outermost frame
// is where the host resumes at the next VM exit (the VMCS's HOST_RIP).
const program = sample('own-hypervisor.hvasm');
const lines = readFileSync(program, 'utf8').split('\n');
/** 1-based line of the first match at or after 1-based line `from`. */
const lineOf = (pattern: RegExp, from = 1): number => lines.findIndex((text, i) => i >= from - 1 && pattern.test(text)) + 1;

test('a stop in the guest of your own hypervisor shows a HOST_RIP frame at host_exit', async () => {
  await withClient(async (client) => {
    const guestOut = lineOf(/^\s+out dx, al/, lineOf(/^guest:/)); // the guest's serial OUT
    await client.launchAndWaitForStop({ program, mode: 'bare' }, { lines: [{ path: program, line: guestOut }] });
    const frames = (await client.stackTraceRequest({ threadId: 1 })).body.stackFrames;
    assert.equal(frames[0]!.line, guestOut);
    const host = frames[frames.length - 1]!;
    assert.match(host.name, /host_exit.*HOST_RIP/);
    assert.equal(host.line, lineOf(/^host_exit:/) + 1); // the first instruction after the label
  });
});

test('no HOST_RIP frame while the hypervisor itself runs (VMX root)', async () => {
  await withClient(async (client) => {
    await client.launchAndWaitForStop({ program, mode: 'bare', stopOnEntry: true });
    const frames = (await client.stackTraceRequest({ threadId: 1 })).body.stackFrames;
    assert.ok(frames.every((frame) => !/HOST_RIP/.test(frame.name)));
  });
});
