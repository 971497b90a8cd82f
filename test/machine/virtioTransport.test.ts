import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TestDriver } from './virtioDriver';
import { VirtioConsole } from '../../src/machine/devices/virtio/console';
import { Feature, Interrupt, Reg, Status, VIRTIO_VENDOR_ID } from '../../src/machine/devices/virtio/constants';
import { VirtioBalloon } from '../../src/machine/devices/virtio/balloon';

function consoleDriver(): { driver: TestDriver; out: number[] } {
  const out: number[] = [];
  return { driver: new TestDriver(new VirtioConsole((b) => out.push(b))), out };
}

test('virtio-mmio: identification registers', () => {
  const { driver } = consoleDriver();
  assert.equal(driver.r(Reg.MagicValue), 0x74726976);
  assert.equal(driver.r(Reg.Version), 2);
  assert.equal(driver.r(Reg.DeviceID), 3);
  assert.equal(driver.r(Reg.VendorID), VIRTIO_VENDOR_ID);
  assert.equal(driver.r(Reg.ConfigGeneration), 0);
});

test('virtio-mmio: device features by DeviceFeaturesSel (VERSION_1 in the high word, INDIRECT_DESC, EVENT_IDX and device bits low)', () => {
  const { driver } = consoleDriver();
  driver.w(Reg.DeviceFeaturesSel, 0);
  assert.equal(driver.r(Reg.DeviceFeatures), (1 << 29) | (1 << 28) | (1 << 2));
  driver.w(Reg.DeviceFeaturesSel, 1);
  assert.equal(driver.r(Reg.DeviceFeatures), 1);
  driver.w(Reg.DeviceFeaturesSel, 2);
  assert.equal(driver.r(Reg.DeviceFeatures), 0);
  assert.equal(driver.r(Reg.DeviceFeaturesSel), 2);
});

test('virtio-mmio: status ACKNOWLEDGE → DRIVER → FEATURES_OK accepted with VERSION_1; DRIVER_OK; write 0 resets everything', () => {
  const { driver } = consoleDriver();
  assert.equal(driver.negotiate(Feature.VERSION_1 | Feature.INDIRECT_DESC), Status.ACKNOWLEDGE | Status.DRIVER | Status.FEATURES_OK);
  assert.equal(driver.transport.negotiated, Feature.VERSION_1 | Feature.INDIRECT_DESC);
  driver.w(Reg.DriverFeaturesSel, 0);
  driver.w(Reg.DriverFeatures, 0); // ignored once FEATURES_OK is set
  assert.equal(driver.transport.driverFeatures & Feature.INDIRECT_DESC, Feature.INDIRECT_DESC);
  driver.setupQueue(1, 8, 0x10000);
  driver.driverOk();
  assert.equal(driver.status & Status.DRIVER_OK, Status.DRIVER_OK);
  driver.w(Reg.Status, 0);
  assert.equal(driver.status, 0);
  assert.equal(driver.transport.driverFeatures, 0n);
  driver.w(Reg.QueueSel, 1);
  assert.equal(driver.r(Reg.QueueReady), 0);
  assert.equal(driver.r(Reg.QueueNum), 0);
  assert.equal(driver.r(Reg.QueueDescLow), 0);
});

test('virtio-mmio: FEATURES_OK refused (bit stays clear) without VERSION_1, or with a feature the device does not offer', () => {
  const { driver } = consoleDriver();
  assert.equal(driver.negotiate(0n) & Status.FEATURES_OK, 0);
  assert.match(driver.transport.problem!, /did not accept VIRTIO_F_VERSION_1/);
  assert.equal(driver.negotiate(Feature.VERSION_1 | (1n << 5n)) & Status.FEATURES_OK, 0);
  assert.match(driver.transport.problem!, /does not offer \(0x20\)/);
  assert.equal(driver.negotiate(Feature.VERSION_1 | (1n << 34n)) & Status.FEATURES_OK, 0, 'RING_PACKED is not offered');
  assert.equal(driver.negotiate(Feature.VERSION_1) & Status.FEATURES_OK, Status.FEATURES_OK);
  assert.equal(driver.transport.problem, undefined, 'reset clears the problem');
});

test('virtio-mmio: queue registers (QueueNumMax, size/addresses frozen while ready, out-of-range QueueSel)', () => {
  const { driver } = consoleDriver();
  driver.negotiate();
  driver.w(Reg.QueueSel, 0);
  assert.equal(driver.r(Reg.QueueNumMax), 256);
  driver.w(Reg.QueueSel, 5);
  assert.equal(driver.r(Reg.QueueNumMax), 0, 'no such queue');
  driver.w(Reg.QueueNum, 8); // ignored
  assert.equal(driver.r(Reg.QueueNum), 0);
  driver.setupQueue(0, 16, 0x12345000);
  driver.w(Reg.QueueSel, 0);
  driver.w(Reg.QueueDescHigh, 1); // ignored: ready
  driver.w(Reg.QueueNum, 4);
  assert.equal(driver.r(Reg.QueueNum), 16);
  assert.equal(driver.r(Reg.QueueDescLow), 0x12345000);
  assert.equal(driver.r(Reg.QueueDescHigh), 0);
  driver.w(Reg.QueueReady, 0);
  driver.w(Reg.QueueDescHigh, 1);
  assert.equal(driver.transport.queues[0]!.desc, 0x112345000);
});

test('virtio-mmio: enabling a queue with a bad size or alignment sets DEVICE_NEEDS_RESET and raises a config interrupt', () => {
  const { driver } = consoleDriver();
  driver.negotiate();
  driver.w(Reg.QueueSel, 0);
  driver.w(Reg.QueueNum, 6);
  driver.w(Reg.QueueReady, 1);
  assert.equal(driver.r(Reg.QueueReady), 0);
  assert.ok(driver.status & Status.DEVICE_NEEDS_RESET);
  assert.match(driver.transport.problem!, /size 6 is not a power of 2/);
  assert.equal(driver.r(Reg.InterruptStatus), Interrupt.CONFIG_CHANGE);
  assert.deepEqual(driver.interrupts, [0x30]);
  driver.w(Reg.Status, driver.status | Status.DRIVER_OK);
  assert.ok(driver.status & Status.DEVICE_NEEDS_RESET, 'the driver cannot clear NEEDS_RESET except by reset');
  driver.w(Reg.Status, 0);
  assert.equal(driver.status, 0);
  driver.negotiate();
  driver.w(Reg.QueueNum, 8);
  driver.w(Reg.QueueDescLow, 0x10008);
  driver.w(Reg.QueueReady, 1);
  assert.match(driver.transport.problem!, /not 16-byte aligned/);
});

test('virtio-mmio: InterruptACK clears bits; narrow register accesses are refused and counted', () => {
  const { driver } = consoleDriver();
  driver.bringUp(2);
  driver.mem.load(0x20000, new TextEncoder().encode('x'));
  driver.submit(1, driver.chain(1, 0, [{ address: 0x20000, length: 1 }]));
  assert.equal(driver.r(Reg.InterruptStatus), Interrupt.USED_BUFFER);
  driver.w(Reg.InterruptACK, Interrupt.USED_BUFFER);
  assert.equal(driver.r(Reg.InterruptStatus), 0);
  assert.equal(driver.transport.read(Reg.MagicValue, 2), 0);
  driver.transport.write(Reg.Status, 1, 0);
  assert.equal(driver.transport.stats.badAccesses, 2);
  assert.ok(driver.status & Status.DRIVER_OK, 'the 1-byte status write was ignored');
  assert.equal(driver.transport.peek(Reg.MagicValue, 1), 0x76, 'peek reads bytes without side effects');
});

test('virtio-mmio: configuration space from 0x100 and ConfigGeneration on a config change', () => {
  const balloon = new VirtioBalloon(3);
  const driver = new TestDriver(balloon);
  assert.equal(driver.transport.read(0x100, 4), 3);
  driver.transport.write(0x104, 4, 2);
  assert.equal(driver.transport.read(0x104, 4), 2);
  assert.equal(driver.transport.read(0x100, 1), 3);
  balloon.setTarget(10);
  assert.equal(driver.transport.read(0x100, 4), 10);
  assert.equal(driver.r(Reg.ConfigGeneration), 1);
  assert.equal(driver.r(Reg.InterruptStatus), Interrupt.CONFIG_CHANGE);
});

test('virtio-mmio: transport state survives a snapshot round trip', () => {
  const { driver, out } = consoleDriver();
  driver.bringUp(2);
  const saved = driver.transport.saveState();
  driver.mem.load(0x20000, new TextEncoder().encode('ab'));
  driver.submit(1, driver.chain(1, 0, [{ address: 0x20000, length: 2 }]));
  assert.equal(driver.transport.queues[1]!.usedIdx, 1);
  driver.transport.restoreState(saved);
  assert.equal(driver.transport.queues[1]!.usedIdx, 0);
  assert.equal(driver.transport.queues[1]!.lastAvail, 0);
  assert.equal(String.fromCharCode(...out), 'ab');
});
