// The EPT view's rows in plain node: header, entries, leaves, misconfigurations, lazy expansion arguments.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { eptChildRows, eptRows } from '../../src/extension/eptRows';
import type { EptTablesResult } from '../../src/protocol/dap';

const result: EptTablesResult = {
  available: true,
  eptp: '0x301e',
  memoryType: '6 (WB)',
  walkLength: 4,
  accessedDirty: false,
  enabled: true,
  table: '0x3000',
  level: 4,
  guestPhysical: '0x0',
  entries: [
    { level: 4, levelName: 'PML4', index: 0, entryAddress: '0x3000', value: '0x4007', permissions: 'RWX', flags: ['R', 'W', 'X'], guestPhysical: '0x0', table: '0x4000' },
    { level: 4, levelName: 'PML4', index: 1, entryAddress: '0x3008', value: '0x2', permissions: '-W-', flags: ['W'], guestPhysical: '0x8000000000', table: '0x0', misconfiguration: 'write permission without read permission' },
  ],
};

test('EPT rows: the EPTP header with its PML4 entries; table entries expand by table address; misconfigured ones say why', () => {
  const [header] = eptRows(result);
  assert.equal(header!.label, 'EPTP 0x301e');
  assert.equal(header!.description, 'PML4 at hpa 0x3000 · 4-level · MT 6 (WB) · A/D off');
  assert.equal(header!.memory, 'hpa:0x3000');
  const [first, bad] = header!.children!;
  assert.equal(first!.label, 'PML4[0] gpa 0x0');
  assert.equal(first!.description, 'RWX');
  assert.deepEqual(first!.expand, { table: '0x4000', level: 3, guestPhysical: '0x0' });
  assert.equal(first!.memory, 'hpa:0x4000');
  assert.match(bad!.description ?? '', /✗ misconfigured: write permission without read permission/);
  assert.equal(bad!.expand, undefined);
  assert.equal(bad!.icon, 'error');
});

test('EPT rows: leaves show the frame, page size, memory type and A/D; no EPT says why', () => {
  const rows = eptChildRows({ ...result, level: 2, entries: [{ level: 2, levelName: 'PD', index: 3, entryAddress: '0x5018', value: '0x16002b7', permissions: 'RWX', flags: ['R', 'W', 'X', 'MT=6', 'IPAT', 'PS', 'A'], guestPhysical: '0x600000', pageSize: 2097152, frame: '0x1600000', memoryType: '6 (WB)', ignorePat: true }] });
  assert.equal(rows[0]!.description, 'RWX → hpa 0x1600000 · 2 MiB · MT 6 (WB) IPAT A');
  assert.equal(rows[0]!.memory, 'hpa:0x1600000');
  assert.equal(rows[0]!.expand, undefined);
  assert.deepEqual(eptRows({ available: false, reason: 'no EPT: VMX is off (no current VMCS)' }).map((r) => r.label), ['no EPT: VMX is off (no current VMCS)']);
});
