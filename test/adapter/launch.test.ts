import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withClient, fixture, markerLine } from './client';

const basic = fixture('basic.hvasm');

async function launchError(args: Record<string, unknown>): Promise<string> {
  let message = '';
  await withClient(async (client) => {
    await client.initializeRequest();
    await assert.rejects(client.launchRequest(args as never), (e: Error) => {
      message = e.message;
      return true;
    });
    // the adapter keeps answering after a failed launch
    const threads = await client.threadsRequest();
    assert.equal(threads.body.threads.length, 1);
  });
  return message;
}

test('launch: a missing program file fails with its path', async () => {
  const message = await launchError({ program: fixture('does-not-exist.hvasm') });
  assert.match(message, /cannot read program '.*does-not-exist\.hvasm': no such file/);
});

test('launch: assembly errors come back as file:line:col: message', async () => {
  const message = await launchError({ program: fixture('bad.hvasm') });
  assert.match(message, /bad\.hvasm:5:9: error: unknown instruction 'frobnicate'/);
});

test('launch: an unknown field is named, with a suggestion', async () => {
  const message = await launchError({ program: basic, stopOnEntyr: true });
  assert.match(message, /unknown launch field 'stopOnEntyr' \(did you mean 'stopOnEntry'\?\)/);
});

test('launch: a bad mode, a missing program and wrong value types are rejected precisely', async () => {
  assert.match(await launchError({ program: basic, mode: 'vm' }), /'mode' must be "bare" or "guest", got "vm"/);
  assert.match(await launchError({}), /'program' is missing/);
  assert.match(await launchError({ program: basic, memoryMB: '64' }), /'memoryMB' must be an integer, got a string/);
  assert.match(await launchError({ program: basic, memoryMB: 1 }), /'memoryMB' must be between 2 and 16384, got 1/);
  assert.match(await launchError({ program: basic, stopOnEntry: 'yes' }), /'stopOnEntry' must be true or false/);
  assert.match(await launchError({ program: basic, entry: 'nowhere' }), /no label 'nowhere'/);
  assert.match(await launchError({ program: basic, mode: 'guest', memoryMB: 16 }), /guest mode with 32 MiB of guest RAM needs 48 MiB of machine RAM/);
});

test('launch: relative program paths resolve against cwd', async () => {
  await withClient(async (client) => {
    const stop = await client.launchAndWaitForStop({ program: 'basic.hvasm', cwd: fixture(''), stopOnEntry: true });
    assert.equal(stop.body.reason, 'entry');
  });
});

test('stopOnEntry stops at the first instruction with its source line', async () => {
  await withClient(async (client) => {
    const stop = await client.launchAndWaitForStop({ program: basic, stopOnEntry: true });
    assert.equal(stop.body.reason, 'entry');
    assert.equal(stop.body.threadId, 1);
    const frame = await client.topFrame();
    assert.equal(frame.name, 'start');
    assert.equal(frame.source?.path, basic);
    assert.equal(frame.line, markerLine(basic, 'ENTRY'));
    assert.equal(frame.instructionPointerReference, '0x100000');
    const threads = await client.threadsRequest();
    assert.deepEqual(threads.body.threads, [{ id: 1, name: 'vCPU 0' }]);
  });
});

test('entry can name a label', async () => {
  await withClient(async (client) => {
    await client.launchAndWaitForStop({ program: basic, stopOnEntry: true, entry: 'double' });
    const frame = await client.topFrame();
    assert.equal(frame.name, 'double');
    assert.equal(frame.line, markerLine(basic, 'DOUBLE'));
  });
});

test('running to the debug-exit port: serial output, exited with the code, terminated', async () => {
  await withClient(async (client) => {
    const exited = client.waitForEvent('exited');
    const terminated = client.waitForEvent('terminated');
    await client.launchWith({ program: basic });
    assert.equal((await exited).body.exitCode, 7);
    await terminated;
    assert.equal(client.output.stdout, 'OK\n');
    assert.match(client.output.console ?? '', /exit code 7/);
  });
});

test('hlt with interrupts disabled ends the session with exit code 0', async () => {
  await withClient(async (client) => {
    const exited = client.waitForEvent('exited');
    await client.launchWith({ program: fixture('halt.hvasm') });
    assert.equal((await exited).body.exitCode, 0);
    assert.match(client.output.console ?? '', /halted: hlt with interrupts disabled/);
  });
});

test('maxInstructions stops the machine as a pause', async () => {
  await withClient(async (client) => {
    const stop = await client.launchAndWaitForStop({ program: fixture('runaway.hvasm'), maxInstructions: 1001 });
    assert.equal(stop.body.reason, 'pause');
    assert.match(stop.body.description ?? '', /instruction limit/);
    const rax = (await client.registers()).rax!.value;
    assert.equal(BigInt(rax), 501n);
  });
});

test('restart reloads the program and stops on entry again', async () => {
  await withClient(async (client) => {
    await client.launchAndWaitForStop({ program: basic, stopOnEntry: true });
    await client.stepAndWait(() => client.stepInRequest({ threadId: 1 }));
    const again = await client.stepAndWait(() => client.restartRequest({}));
    assert.equal(again.body.reason, 'entry');
    assert.equal((await client.topFrame()).line, markerLine(basic, 'ENTRY'));
  });
});

test('terminate sends terminated', async () => {
  await withClient(async (client) => {
    await client.launchAndWaitForStop({ program: fixture('runaway.hvasm'), stopOnEntry: true });
    await client.continueRequest({ threadId: 1 });
    const terminated = client.waitForEvent('terminated');
    await client.terminateRequest({});
    await terminated;
  });
});
