// The `hyperscope/eptTables` custom request: the current VMCS's EPT table by table.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CustomRequest, type EptTablesResult } from '../../src/protocol/dap';
import { withClient, fixture } from './client';
import { sample } from './vmExitHelpers';

test('eptTables in guest mode: EPTP decoded, PML4 → PDPT → PD leaves with permissions, memory type and frames, expanded by table address', async () => {
  await withClient(async (client) => {
    await client.launchAndWaitForStop({ program: fixture('basic.hvasm'), mode: 'guest', stopOnEntry: true });
    const root = (await client.customRequest(CustomRequest.eptTables)).body as EptTablesResult;
    assert.ok(root.available);
    assert.equal(root.enabled, true);
    assert.equal(root.level, 4);
    assert.equal(root.walkLength, 4);
    assert.equal(root.memoryType, '6 (WB)');
    assert.ok(root.entries.length >= 1);
    const pml4 = root.entries[0]!;
    assert.equal(pml4.levelName, 'PML4');
    assert.equal(pml4.guestPhysical, '0x0');
    assert.ok(pml4.table, 'a PML4 entry points to a PDPT');
    assert.equal(pml4.misconfiguration, undefined);
    // expand down to a leaf
    let node = pml4;
    let level = 4;
    while (node.table !== undefined) {
      const next = (await client.customRequest(CustomRequest.eptTables, { table: node.table, level: level - 1, guestPhysical: node.guestPhysical })).body as EptTablesResult;
      assert.ok(next.available);
      assert.equal(next.level, level - 1);
      node = next.entries[0]!;
      level--;
    }
    assert.ok(node.pageSize !== undefined && node.frame !== undefined);
    assert.match(node.permissions, /^R/);
    assert.match(node.memoryType ?? '', /WB/);
    // guest RAM sits at host-physical 0x1000000 (HostLayout.guestRamBase)
    assert.equal(node.frame, '0x1000000');
  });
});

test('eptTables: a misconfigured entry is flagged with the reason; without a VMCS the request says why there is no EPT', async () => {
  await withClient(async (client) => {
    await client.launchAndWaitForStop({ program: fixture('basic.hvasm'), mode: 'guest', stopOnEntry: true });
    const root = (await client.customRequest(CustomRequest.eptTables)).body as EptTablesResult;
    assert.ok(root.available);
    // make PML4 entry 1 write-only (W without R): an EPT misconfiguration
    const address = BigInt(root.entries[0]!.entryAddress) + 8n;
    await client.send('writeMemory', { memoryReference: `hpa:0x${address.toString(16)}`, data: Buffer.from([2, 0, 0, 0, 0, 0, 0, 0]).toString('base64') });
    const after = (await client.customRequest(CustomRequest.eptTables)).body as EptTablesResult;
    assert.ok(after.available);
    const bad = after.entries.find((e) => e.index === 1)!;
    assert.equal(bad.permissions, '-W-');
    assert.match(bad.misconfiguration ?? '', /write permission without read/);
    await assert.rejects(client.customRequest(CustomRequest.eptTables, { table: '0x7fffffffffff000', level: 3 }), /not in RAM|not a physical address/);
    await assert.rejects(client.customRequest(CustomRequest.eptTables, { table: root.entries[0]!.table, level: 9 }), /level must be 1/);
  });
  await withClient(async (client) => {
    await client.launchAndWaitForStop({ program: sample('own-hypervisor.hvasm'), stopOnEntry: true });
    const none = (await client.customRequest(CustomRequest.eptTables)).body as EptTablesResult;
    assert.equal(none.available, false);
    assert.ok(!none.available && /no EPT/.test(none.reason));
  });
});
