// The Devices view's rows in plain node, from a real hyperscope/devices result: a guest with
// a virtio console whose transmit buffer lies outside guest RAM (the IOMMU blocks the DMA).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Machine } from '../../src/machine/machine';
import { devicesRequest } from '../../src/adapter/devicesRequest';
import { devicesRows } from '../../src/extension/devicesRows';
import type { ViewRow } from '../../src/extension/viewRow';
import { hasNasm, nasm } from '../machine/cpuRunner';
import { BLOCKED_DMA_DRIVER } from '../support/virtioGuest';

const skip = !hasNasm() && 'nasm is not installed';

function find(rows: readonly ViewRow[] | undefined, label: string): ViewRow {
  const row = rows?.find((r) => r.label === label);
  assert.ok(row, `no row '${label}' in ${JSON.stringify(rows?.map((r) => r.label))}`);
  return row;
}

test('Devices rows: the virtio console with its queue decoded, the IOMMU with the blocked DMA, hypercalls', { skip }, () => {
  const machine = new Machine({ memoryMB: 64, devices: { console: true } });
  machine.loadGuest(nasm(BLOCKED_DMA_DRIVER), { guestMemoryMB: 16 });
  machine.run(100_000);
  const rows = devicesRows(devicesRequest(machine));
  assert.deepEqual(rows.map((r) => r.label), ['virtio-console 00:01.0', 'IOMMU (VT-d)', 'Hypercalls']);
  const device = rows[0]!;
  assert.match(device.description ?? '', /^DRIVER_OK · 0 served · 1 DMA fault$/);
  const queue = find(device.children, 'queue 1');
  assert.match(queue.description ?? '', /^size 8 · next avail 1 · used 0 · 0 served$/);
  const table = find(queue.children, 'descriptor table');
  assert.equal(table.memory, 'gpa:0x200000');
  assert.equal(table.context, 'hyperscope.deviceRow.memory');
  assert.deepEqual(table.children?.map((r) => [r.label, r.description]), [['desc[0]', '0x7f000000 len 16']]);
  assert.equal(find(queue.children, 'available ring').description, 'idx 1, flags 0');
  const iommu = rows[1]!;
  assert.equal(iommu.description, 'translation on · 1 domain · 1 blocked DMA');
  assert.equal(iommu.expanded, true);
  const records = find(iommu.children, 'fault records');
  assert.deepEqual(records.children?.map((r) => r.description), ['00:01.0 read 0x7f000000 · READ_NOT_PERMITTED (0x6)']);
  const root = find(iommu.children, 'root table');
  assert.equal(root.memory, 'hpa:0x300000');
  assert.deepEqual(find(root.children, 'bus 0x0').children?.map((c) => c.label), ['00:01.0']);
  assert.equal(rows[2]!.description, '0 calls');
});

test('Devices rows without devices: a hint, then the IOMMU', () => {
  const machine = new Machine({ memoryMB: 64 });
  machine.loadBare(Uint8Array.of(0xf4));
  const rows = devicesRows(devicesRequest(machine));
  assert.deepEqual(rows.map((r) => r.label), ['no virtio devices', 'IOMMU (VT-d)']);
  assert.equal(rows[1]!.description, 'translation off · 0 domains · 0 blocked DMAs');
});
