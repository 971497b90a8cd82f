// virtio devices from launch.json: validated, the console's output in the Debug Console,
// and the `input`, `balloon` and `virtio` console commands.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { fixture, withClient } from './client';

const consoleSample = resolve('samples/virtio-console.hvasm');
const blockSample = resolve('samples/virtio-block.hvasm');

test('devices: the virtio-console driver sample runs from launch.json; its output reaches the Debug Console', async () => {
  await withClient(async (client) => {
    const exited = client.waitForEvent('exited');
    await client.launchWith({ program: consoleSample, mode: 'guest', devices: { console: true } });
    assert.equal((await exited).body.exitCode, 0);
    assert.match(client.output.stdout ?? '', /hello from virtio-console\n/);
  });
});

test('devices: a disk relative to cwd; `virtio`, `input` and `balloon` console commands', async () => {
  await withClient(async (client) => {
    await client.launchAndWaitForStop({ program: blockSample, mode: 'guest', cwd: resolve('samples'), stopOnEntry: true, devices: { console: true, disk: 'disk.img', balloon: { targetPages: 4 } } });
    const summary = await client.evaluate('virtio');
    assert.match(summary, /virtio-mmio 0: console at 0xd0000000, vector 0x30/);
    assert.match(summary, /virtio-mmio 1: block at 0xd0001000, vector 0x31/);
    assert.match(summary, /image .*disk\.img, sectors 16/);
    assert.match(summary, /virtio-mmio 2: balloon at 0xd0002000/);
    assert.match(await client.evaluate('input hi\\n'), /3 bytes for the virtio console \(3 waiting for receiveq buffers\)/);
    assert.match(await client.evaluate('balloon'), /target 4 pages/);
    assert.match(await client.evaluate('balloon 0x10'), /target 16 pages \(num_pages\), driver reports 0/);
  });
});

test('devices: `input` in the Debug Console reaches the guest driver through the virtio console receiveq', async () => {
  await withClient(async (client) => {
    await client.launchAndWaitForStop({ program: fixture('virtio-echo.hvasm'), mode: 'guest', stopOnEntry: true, devices: { console: true } });
    assert.match(await client.evaluate('input "ping\\n"'), /5 bytes for the virtio console \(5 waiting for receiveq buffers\)/);
    const exited = client.waitForEvent('exited');
    await client.continueRequest({ threadId: 1 });
    assert.equal((await exited).body.exitCode, 0);
    assert.equal(client.output.stdout, 'echo: ping\n');
  });
});

test('devices: launch.json errors name the field and the rule', async () => {
  const failures: [Record<string, unknown>, RegExp][] = [
    [{ devices: true }, /launch field 'devices' must be an object/],
    [{ devices: { consol: true } }, /unknown field 'devices.consol' \(known: console, disk, diskWritable, diskReadOnly, balloon\)/],
    [{ devices: { console: 1 } }, /'devices.console' must be true or false/],
    [{ devices: { diskWritable: true } }, /'devices.diskWritable' and 'devices.diskReadOnly' need 'devices.disk'/],
    [{ devices: { disk: 'disk.img', diskWritable: true, diskReadOnly: true } }, /exclude each other/],
    [{ devices: { balloon: { targetPages: -1 } } }, /'devices.balloon.targetPages' must be between 0 and 4294967295/],
    [{ devices: { disk: 'missing.img' } }, /launch field 'devices.disk': cannot open disk image .*missing\.img: no such file/],
  ];
  for (const [args, pattern] of failures) {
    await withClient(async (client) => {
      await client.initializeRequest();
      await assert.rejects(client.launchRequest({ program: consoleSample, mode: 'guest', cwd: resolve('samples'), ...args } as never), pattern);
    });
  }
});

test('devices: without a virtio console, `input` feeds the serial port', async () => {
  await withClient(async (client) => {
    await client.launchAndWaitForStop({ program: consoleSample, mode: 'guest', stopOnEntry: true });
    assert.match(await client.evaluate('input \\x41'), /1 byte for the serial port \(COM1\)/);
    assert.match(await client.evaluate('virtio'), /no virtio devices/);
  });
});
