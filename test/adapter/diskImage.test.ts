// The disk image named in launch.json is open only while its program is: terminate,
// disconnect, restart, a failed launch and a session shut down without a disconnect all
// close the file.
// Checked from the outside through /proc/self/fd (the session runs in this process).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readlinkSync, realpathSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { HyperscopeClient, withClient } from './client';
import { DiskImageError, openDeviceFiles } from '../../src/adapter/diskImage';

const blockSample = resolve('samples/virtio-block.hvasm');
const disk = realpathSync(resolve('samples/disk.img'));
const launchArgs = { program: blockSample, mode: 'guest' as const, stopOnEntry: true, devices: { disk } };
const withProc = { skip: process.platform !== 'linux' ? 'needs /proc/self/fd' : false };

/** How many of this process's file descriptors are open on `path`. */
function openHandles(path: string): number {
  const dir = '/proc/self/fd';
  let count = 0;
  for (const fd of readdirSync(dir)) {
    try {
      if (readlinkSync(join(dir, fd)) === path) count++;
    } catch {
      // the descriptor readdir itself used is gone by now
    }
  }
  return count;
}

test('disk image: openDeviceFiles hands back the file; close releases it and later reads fail', () => {
  const devices = openDeviceFiles({ disk });
  assert.ok(devices.disk?.isOpen);
  assert.ok(devices.options?.block);
  devices.close();
  assert.equal(devices.disk.isOpen, false);
  assert.throws(() => devices.options?.block?.read(0, 1), (e: unknown) => e instanceof DiskImageError && /is closed/.test(e.message));
  devices.close(); // idempotent
  assert.deepEqual(openDeviceFiles({ console: true }).disk, undefined);
});

test('disk image: closed on disconnect', withProc, async () => {
  const before = openHandles(disk);
  await withClient(async (client) => {
    await client.launchAndWaitForStop(launchArgs);
    assert.equal(openHandles(disk), before + 1);
    await client.disconnectRequest({});
    assert.equal(openHandles(disk), before);
  });
});

test('disk image: closed on terminate; restart opens it once more, closing the old handle', withProc, async () => {
  const before = openHandles(disk);
  await withClient(async (client) => {
    await client.launchAndWaitForStop(launchArgs);
    await client.stepAndWait(() => client.restartRequest({}));
    assert.equal(openHandles(disk), before + 1);
    const terminated = client.waitForEvent('terminated');
    await client.terminateRequest({});
    await terminated;
    assert.equal(openHandles(disk), before);
  });
  assert.equal(openHandles(disk), before);
});

test('disk image: a launch that fails after opening the disk leaves nothing open', withProc, async () => {
  const before = openHandles(disk);
  await withClient(async (client) => {
    await assert.rejects(client.launch({ ...launchArgs, entry: 'no_such_label' }), /no label 'no_such_label'/);
    assert.equal(openHandles(disk), before);
  });
});

test('disk image: closed when the session shuts down without a disconnect (its input stream closed, SIGTERM)', withProc, async () => {
  const before = openHandles(disk);
  const client = new HyperscopeClient();
  await client.open();
  await client.launchAndWaitForStop(launchArgs);
  assert.equal(openHandles(disk), before + 1);
  client.session.shutdown();
  assert.equal(openHandles(disk), before);
  await client.close();
});
