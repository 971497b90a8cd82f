import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TestDriver } from './virtioDriver';
import { BlkFeature, BlkStatus, BlkType, VirtioBlock } from '../../src/machine/devices/virtio/block';
import { MemoryBlockImage, OverlayBlockBackend, WriteThroughBlockBackend, imageSizeProblem } from '../../src/machine/devices/virtio/blockBackend';
import { Feature, Reg, Status } from '../../src/machine/devices/virtio/constants';

const HEADER = 0x20000;
const DATA = 0x21000;
const STATUS = 0x23000;

function image(sectors = 16): Uint8Array {
  const bytes = new Uint8Array(sectors * 512);
  for (let s = 0; s < sectors; s++) bytes.fill(0x40 + s, s * 512, (s + 1) * 512);
  return bytes;
}

function blockDriver(bytes = image(), readOnly = false): { driver: TestDriver; device: VirtioBlock; bytes: Uint8Array } {
  const original = new MemoryBlockImage(bytes, '/images/disk.img');
  const device = new VirtioBlock(new OverlayBlockBackend(original, readOnly));
  const driver = new TestDriver(device);
  const features = Feature.VERSION_1 | Feature.INDIRECT_DESC | BlkFeature.FLUSH | BlkFeature.BLK_SIZE | (readOnly ? BlkFeature.RO : 0n);
  driver.bringUp(1, features);
  assert.ok(driver.status & Status.DRIVER_OK);
  return { driver, device, bytes };
}

let nextHead = 0;

/** Submits header + data + status; returns the status byte and used length. */
function request(driver: TestDriver, type: number, sector: number, dataBytes: number, dataIn: boolean): { status: number; len: number } {
  driver.mem.write32(HEADER, type);
  driver.mem.write32(HEADER + 4, 0);
  driver.mem.write64(HEADER + 8, BigInt(sector));
  driver.mem.write8(STATUS, 0xff);
  const buffers = [{ address: HEADER, length: 16 }];
  if (dataBytes > 0) buffers.push({ address: DATA, length: dataBytes, write: dataIn } as { address: number; length: number; write?: boolean });
  buffers.push({ address: STATUS, length: 1, write: true } as { address: number; length: number; write?: boolean });
  const head = (nextHead = (nextHead + 4) % 8);
  const before = driver.usedIdx(0);
  driver.submit(0, driver.chain(0, head, buffers));
  assert.equal(driver.usedIdx(0), (before + 1) & 0xffff, 'request completed');
  const used = driver.usedElem(0, before);
  assert.equal(used.id, head);
  return { status: driver.mem.read8(STATUS), len: used.len };
}

test('virtio-blk: config space (capacity in 512-byte sectors, blk_size) and offered features', () => {
  const { driver } = blockDriver(image(40));
  assert.equal(driver.r(Reg.DeviceID), 2);
  assert.equal(driver.transport.read(0x100, 4), 40);
  assert.equal(driver.transport.read(0x104, 4), 0);
  assert.equal(driver.transport.read(0x114, 4), 512);
  driver.w(Reg.DeviceFeaturesSel, 0);
  const low = driver.r(Reg.DeviceFeatures);
  assert.ok(low & (1 << 9) && low & (1 << 6));
  assert.equal(low & (1 << 5), 0, 'not read-only');
});

test('virtio-blk: IN reads sectors into the data buffer, status OK, used length = data + 1', () => {
  const { driver, device } = blockDriver();
  assert.deepEqual(request(driver, BlkType.IN, 3, 1024, true), { status: BlkStatus.OK, len: 1025 });
  assert.equal(driver.mem.read8(DATA), 0x43);
  assert.equal(driver.mem.read8(DATA + 1023), 0x44);
  assert.equal(device.stats.reads, 1);
});

test('virtio-blk: OUT writes to the overlay — reads see it, the image stays unchanged', () => {
  const { driver, bytes, device } = blockDriver();
  const before = bytes.slice();
  driver.mem.load(DATA, new Uint8Array(512).fill(0xaa));
  assert.deepEqual(request(driver, BlkType.OUT, 5, 512, false), { status: BlkStatus.OK, len: 1 });
  assert.deepEqual(bytes, before, 'the image file contents are unchanged');
  driver.mem.load(DATA, new Uint8Array(1024));
  assert.equal(request(driver, BlkType.IN, 5, 1024, true).status, BlkStatus.OK);
  assert.equal(driver.mem.read8(DATA), 0xaa);
  assert.equal(driver.mem.read8(DATA + 512), 0x46, 'the next sector comes from the image');
  assert.equal(device.describe().overlaySectors, 1);
});

test('virtio-blk: write-through backend modifies the image (diskWritable)', () => {
  const bytes = image();
  const device = new VirtioBlock(new WriteThroughBlockBackend(new MemoryBlockImage(bytes)));
  const driver = new TestDriver(device);
  driver.bringUp(1);
  driver.mem.load(DATA, new Uint8Array(512).fill(0x11));
  assert.equal(request(driver, BlkType.OUT, 0, 512, false).status, BlkStatus.OK);
  assert.equal(bytes[0], 0x11);
});

test('virtio-blk: FLUSH and GET_ID', () => {
  const { driver, device } = blockDriver();
  assert.deepEqual(request(driver, BlkType.FLUSH, 0, 0, false), { status: BlkStatus.OK, len: 1 });
  assert.deepEqual(request(driver, BlkType.GET_ID, 0, 20, true), { status: BlkStatus.OK, len: 21 });
  assert.equal(new TextDecoder().decode(driver.bytes(DATA, 8)), 'disk.img');
  assert.equal(driver.mem.read8(DATA + 8), 0);
  assert.equal(device.stats.flushes, 1);
  assert.equal(device.stats.getIds, 1);
});

test('virtio-blk: out-of-range sectors and unaligned lengths are IOERR; unknown types UNSUPP', () => {
  const { driver, device } = blockDriver(image(16));
  assert.equal(request(driver, BlkType.IN, 16, 512, true).status, BlkStatus.IOERR);
  assert.equal(request(driver, BlkType.IN, 15, 1024, true).status, BlkStatus.IOERR);
  assert.equal(request(driver, BlkType.IN, 2 ** 40, 512, true).status, BlkStatus.IOERR);
  assert.equal(request(driver, BlkType.OUT, 16, 512, false).status, BlkStatus.IOERR);
  assert.equal(request(driver, BlkType.IN, 0, 100, true).status, BlkStatus.IOERR);
  assert.deepEqual(request(driver, 13, 0, 0, false), { status: BlkStatus.UNSUPP, len: 1 });
  assert.equal(device.stats.ioErrors, 5);
  assert.equal(device.stats.unsupported, 1);
  assert.equal(request(driver, BlkType.IN, 15, 512, true).status, BlkStatus.OK, 'the last sector is in range');
});

test('virtio-blk: VIRTIO_BLK_F_RO offered → writes are IOERR and write nothing', () => {
  const { driver, bytes } = blockDriver(image(), true);
  driver.w(Reg.DeviceFeaturesSel, 0);
  assert.ok(driver.r(Reg.DeviceFeatures) & (1 << 5));
  const before = bytes.slice();
  driver.mem.load(DATA, new Uint8Array(512).fill(0xaa));
  assert.equal(request(driver, BlkType.OUT, 0, 512, false).status, BlkStatus.IOERR);
  assert.equal(request(driver, BlkType.IN, 0, 512, true).status, BlkStatus.OK);
  assert.equal(driver.mem.read8(DATA), 0x40);
  assert.deepEqual(bytes, before);
});

test('virtio-blk: a data buffer outside RAM is IOERR (fault counted); no status byte → reset', () => {
  const { driver } = blockDriver();
  driver.mem.write32(HEADER, BlkType.IN);
  driver.mem.write64(HEADER + 8, 0n);
  driver.submit(0, driver.chain(0, 0, [{ address: HEADER, length: 16 }, { address: 0x7fff0000, length: 512, write: true }, { address: STATUS, length: 1, write: true }]));
  assert.equal(driver.mem.read8(STATUS), BlkStatus.IOERR);
  assert.equal(driver.transport.stats.dmaFaults, 1);
  assert.equal(driver.status & Status.DEVICE_NEEDS_RESET, 0);
  driver.submit(0, driver.chain(0, 2, [{ address: HEADER, length: 16 }]));
  assert.ok(driver.status & Status.DEVICE_NEEDS_RESET);
  assert.match(driver.transport.problem!, /no device-writable status byte/);
});

test('virtio-blk: a short header is IOERR', () => {
  const { driver } = blockDriver();
  driver.mem.write8(STATUS, 0xff);
  driver.submit(0, driver.chain(0, 0, [{ address: HEADER, length: 8 }, { address: STATUS, length: 1, write: true }]));
  assert.equal(driver.mem.read8(STATUS), BlkStatus.IOERR);
});

test('virtio-blk: the overlay is part of the device snapshot', () => {
  const { driver, device } = blockDriver();
  const saved = device.saveState();
  driver.mem.load(DATA, new Uint8Array(512).fill(0xcc));
  request(driver, BlkType.OUT, 1, 512, false);
  device.restoreState(saved);
  request(driver, BlkType.IN, 1, 512, true);
  assert.equal(driver.mem.read8(DATA), 0x41);
});

test('block images: sizes must be non-empty multiples of 512', () => {
  assert.match(imageSizeProblem(0)!, /empty/);
  assert.match(imageSizeProblem(1000)!, /1000 bytes, not a multiple of 512/);
  assert.equal(imageSizeProblem(1024), undefined);
  assert.throws(() => new MemoryBlockImage(new Uint8Array(100)), /not a multiple of 512/);
});
