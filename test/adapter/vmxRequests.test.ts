// The `hyperscope/vmcs` and `hyperscope/vmExits` custom requests (the tree views' data).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CustomRequest, type VmcsResult, type VmExitsResult } from '../../src/protocol/dap';
import { withClient } from './client';
import { launchWithFilters, sample } from './vmExitHelpers';

test('vmcs and vmExits requests after an I/O exit: reason 30 in exit information, stats by reason', async () => {
  await withClient(async (client) => {
    const { stop } = await launchWithFilters(client, { program: sample('guest-port-io.hvasm'), mode: 'guest' }, ['vm-exit-io']);
    assert.equal(stop?.body.reason, 'exception');
    const vmcs = (await client.customRequest(CustomRequest.vmcs)).body as VmcsResult;
    assert.ok(vmcs.available);
    assert.deepEqual(vmcs.groups.map((g) => g.group), ['Controls', 'Exit information', 'Guest state', 'Host state']);
    const exitInfo = vmcs.groups.find((g) => g.group === 'Exit information')!;
    const reason = exitInfo.fields.find((f) => f.name === 'VM_EXIT_REASON')!;
    assert.equal(reason.value, '0x1e');
    assert.equal(reason.decoded, 'I/O instruction');
    assert.equal(reason.readOnly, true);
    assert.ok(exitInfo.fields.every((f) => f.readOnly));
    const controls = vmcs.groups.find((g) => g.group === 'Controls')!;
    const primary = controls.fields.find((f) => f.name === 'CPU_BASED_VM_EXEC_CONTROL')!;
    assert.equal(primary.readOnly, false);
    assert.equal(primary.bits?.find((b) => b.name === 'useIoBitmaps')?.set, true);
    const rip = vmcs.groups.find((g) => g.group === 'Guest state')!.fields.find((f) => f.name === 'GUEST_RIP')!;
    assert.equal(rip.readOnly, false);
    assert.equal(rip.bits, undefined);

    const first = (await client.customRequest(CustomRequest.vmExits)).body as VmExitsResult;
    assert.equal(first.exits.length, 1);
    assert.equal(first.exits[0]!.reason, 30);
    assert.equal(first.exits[0]!.name, 'I/O instruction');
    assert.equal(first.exits[0]!.qualification, '0x3f80000');
    assert.match(first.exits[0]!.description, /port 0x3f8/);
    assert.deepEqual(first.stats, [{ reason: 30, name: 'I/O instruction', count: 1, percent: 100 }]);

    await client.stepAndWait(() => client.continueRequest({ threadId: 1 }));
    const second = (await client.customRequest(CustomRequest.vmExits, { limit: 1 })).body as VmExitsResult;
    assert.equal(second.total, 2);
    assert.equal(second.exits.length, 1);
    assert.equal(second.omitted, 1);
    assert.equal(second.stats[0]?.count, 2);
  });
});

test('vmcs request without a VMCS: available false with a reason; no exits yet', async () => {
  await withClient(async (client) => {
    await client.launchAndWaitForStop({ program: sample('own-hypervisor.hvasm'), stopOnEntry: true });
    const vmcs = (await client.customRequest(CustomRequest.vmcs)).body as VmcsResult;
    assert.equal(vmcs.available, false);
    assert.ok(!vmcs.available && /no current VMCS/.test(vmcs.reason));
    const exits = (await client.customRequest(CustomRequest.vmExits)).body as VmExitsResult;
    assert.deepEqual(exits, { exits: [], omitted: 0, total: 0, stats: [] });
  });
});
