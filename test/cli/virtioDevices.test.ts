import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli } from './inProcessCli';

function withDisk(body: (disk: string, dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'hyperscope-disk-'));
  try {
    copyFileSync('samples/disk.img', join(dir, 'disk.img'));
    body(join(dir, 'disk.img'), dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const BLOCK = ['samples/virtio-block.hvasm', '--mode', 'guest', '--virtio-console'];

test('--disk: guest writes go to an in-memory overlay; the image file is unchanged', () => {
  withDisk((disk) => {
    const before = readFileSync(disk);
    const { code, out } = cli([...BLOCK, '--disk', disk, '--json']);
    assert.equal(code, 0);
    const report = JSON.parse(out) as { exitCode: number; console: string };
    assert.equal(report.exitCode, 0);
    assert.match(report.console, /sector 1 read back: written by the guest/);
    assert.deepEqual(readFileSync(disk), before);
  });
});

test('--disk-writable: guest writes reach the image file', () => {
  withDisk((disk) => {
    const { code } = cli([...BLOCK, '--disk', disk, '--disk-writable', '--json']);
    assert.equal(code, 0);
    assert.match(readFileSync(disk).subarray(512, 560).toString(), /^written by the guest through virtio-blk\n/);
  });
});

test('--disk-read-only: the driver sees IOERR on its write and fails', () => {
  withDisk((disk) => {
    const { out } = cli([...BLOCK, '--disk', disk, '--disk-read-only', '--json']);
    assert.equal((JSON.parse(out) as { exitCode: number }).exitCode, 1);
  });
});

test('--disk errors name the path and the rule: missing file, directory, size not a multiple of 512', () => {
  withDisk((_disk, dir) => {
    writeFileSync(join(dir, 'odd.img'), new Uint8Array(1000));
    for (const [path, pattern] of [
      [join(dir, 'missing.img'), /--disk: cannot open disk image .*missing\.img: no such file/],
      [dir, /--disk: cannot open disk image .*: it is a directory, not an image file/],
      [join(dir, 'odd.img'), /odd\.img: the disk image is 1000 bytes, not a multiple of 512/],
    ] as const) {
      const { code, err } = cli([...BLOCK, '--disk', path]);
      assert.equal(code, 2);
      assert.match(err, pattern);
    }
  });
});

test('device flags: usage errors and the bare-mode RAM limit', () => {
  assert.throws(() => cli([...BLOCK, '--disk-writable']), /--disk-writable and --disk-read-only need --disk FILE/);
  const { code, err } = cli(['samples/hello.hvasm', '--memory', '4096', '--balloon']);
  assert.equal(code, 2);
  assert.match(err, /virtio-mmio device registers live at host-physical 0xd0000000, inside RAM of 4096 MiB/);
});
