import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TestDriver } from './virtioDriver';
import { BalloonQueue, VirtioBalloon, type BalloonHost } from '../../src/machine/devices/virtio/balloon';
import { Reg } from '../../src/machine/devices/virtio/constants';

function balloonDriver(host?: BalloonHost): { driver: TestDriver; balloon: VirtioBalloon } {
  const balloon = new VirtioBalloon();
  if (host) balloon.host = host;
  const driver = new TestDriver(balloon);
  driver.bringUp(2);
  return { driver, balloon };
}

function sendPfns(driver: TestDriver, queue: number, head: number, pfns: number[]): void {
  pfns.forEach((pfn, i) => driver.mem.write32(0x20000 + head * 0x100 + 4 * i, pfn));
  driver.submit(queue, driver.chain(queue, head, [{ address: 0x20000 + head * 0x100, length: 4 * pfns.length }]));
}

test('virtio-balloon: setTarget raises a config interrupt; inflate/deflate move pages through the host; actual is the driver’s', () => {
  const calls: string[] = [];
  const { driver, balloon } = balloonDriver({
    inflate: (pfn) => void calls.push(`+${pfn}`),
    deflate: (pfn) => void calls.push(`-${pfn}`),
  });
  assert.equal(driver.r(Reg.DeviceID), 5);
  balloon.setTarget(3);
  assert.equal(driver.transport.read(0x100, 4), 3);
  assert.deepEqual(driver.interrupts, [0x30]);
  sendPfns(driver, BalloonQueue.INFLATE, 0, [0x200, 0x201, 0x202]);
  driver.transport.write(0x104, 4, 3);
  assert.deepEqual(balloon.balloonedPages, [0x200, 0x201, 0x202]);
  assert.equal(driver.transport.read(0x104, 4), 3);
  sendPfns(driver, BalloonQueue.DEFLATE, 1, [0x201]);
  assert.deepEqual(balloon.balloonedPages, [0x200, 0x202]);
  assert.deepEqual(calls, ['+512', '+513', '+514', '-513']);
  assert.equal(driver.usedIdx(BalloonQueue.INFLATE), 1);
  assert.equal(driver.usedIdx(BalloonQueue.DEFLATE), 1);
});

test('virtio-balloon: pages the host refuses stay out of the balloon and are counted', () => {
  const { driver, balloon } = balloonDriver({ inflate: (pfn) => (pfn > 100 ? `page frame ${pfn} is outside guest RAM` : undefined), deflate: () => undefined });
  sendPfns(driver, BalloonQueue.INFLATE, 0, [5, 500]);
  assert.deepEqual(balloon.balloonedPages, [5]);
  assert.equal(balloon.describe().refused, 1);
  assert.match(String(balloon.describe().lastRefusal), /outside guest RAM/);
});

test('virtio-balloon: the host flushes once per request; an oversize page list needs a reset', () => {
  let flushes = 0;
  const { driver, balloon } = balloonDriver({ inflate: () => undefined, deflate: () => undefined, flush: () => void flushes++ });
  sendPfns(driver, BalloonQueue.INFLATE, 0, [1, 2, 3]);
  assert.equal(flushes, 1);
  driver.mem.write32(0x21000, 0);
  driver.submit(BalloonQueue.INFLATE, driver.chain(BalloonQueue.INFLATE, 1, [{ address: 0x30000, length: 4 * 4097 }]));
  assert.match(driver.transport.problem!, /carries 4097 page frame numbers, more than 4096 per request/);
  assert.deepEqual(balloon.balloonedPages, [1, 2, 3]);
});

test('virtio-balloon: state round-trips through a snapshot', () => {
  const { driver, balloon } = balloonDriver();
  const saved = balloon.saveState();
  sendPfns(driver, BalloonQueue.INFLATE, 0, [7]);
  balloon.restoreState(saved);
  assert.deepEqual(balloon.balloonedPages, []);
});
