// The "VMCS" and "Last VM exit" scopes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withClient } from './client';
import { launchWithFilters, sample } from './vmExitHelpers';

test('scopes: "VMCS" grouped with controls bit by bit, and "Last VM exit" decoded', async () => {
  await withClient(async (client) => {
    await launchWithFilters(client, { program: sample('guest-port-io.hvasm'), mode: 'guest' }, ['vm-exit-io']);
    const frame = await client.topFrame();
    const scopes = (await client.scopesRequest({ frameId: frame.id })).body.scopes;
    const vmcs = scopes.find((s) => s.name === 'VMCS');
    const last = scopes.find((s) => s.name === 'Last VM exit');
    assert.ok(vmcs && last, scopes.map((s) => s.name).join(', '));
    const groups = await client.readVariables(vmcs.variablesReference);
    assert.deepEqual(Object.keys(groups), ['Controls', 'Exit information', 'Guest state', 'Host state']);
    assert.match(groups['Exit information']!.value, /exit reason 30 \(I\/O instruction\)/);
    const exitInfo = await client.readVariables(groups['Exit information']!.variablesReference);
    assert.match(exitInfo.VM_EXIT_REASON!.value, /I\/O instruction/);
    assert.match(exitInfo.EXIT_QUALIFICATION!.value, /port 0x3f8/);
    const controls = await client.readVariables(groups.Controls!.variablesReference);
    const primary = controls.CPU_BASED_VM_EXEC_CONTROL!;
    assert.ok(primary.variablesReference > 0);
    const bits = await client.readVariables(primary.variablesReference);
    assert.equal(bits.useIoBitmaps?.value, '1');
    assert.equal(bits.activateSecondaryControls?.value, '1');
    const guest = await client.readVariables(groups['Guest state']!.variablesReference);
    assert.ok('GUEST_RIP' in guest && 'GUEST_CR3' in guest);
    const rows = await client.readVariables(last.variablesReference);
    assert.equal(rows.reason?.value, '30 (I/O instruction)');
    assert.match(rows.qualification?.value ?? '', /^0x3f80000 \(OUT 1 byte to port 0x3f8/);
    assert.equal(rows['instruction length']?.value, '1');
    assert.match(rows['guest RIP']?.value ?? '', /^0x1000/);
  });
});

test('scopes: no VMCS scope on the bare machine before VMPTRLD', async () => {
  await withClient(async (client) => {
    await client.launchAndWaitForStop({ program: sample('own-hypervisor.hvasm'), stopOnEntry: true });
    const frame = await client.topFrame();
    const names = (await client.scopesRequest({ frameId: frame.id })).body.scopes.map((s) => s.name);
    assert.deepEqual(names.filter((n) => n === 'VMCS' || n === 'Last VM exit'), []);
  });
});
