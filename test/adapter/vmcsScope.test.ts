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

test('console: vmcs [field] and exits (per-reason table), with completions', async () => {
  await withClient(async (client) => {
    await launchWithFilters(client, { program: sample('guest-port-io.hvasm'), mode: 'guest' }, [], [{ filterId: 'vm-exit-io', condition: 'port == 0x3fd' }]);
    const all = await client.evaluate('vmcs');
    assert.match(all, /^VMCS at 0x/);
    assert.match(all, /Exit information:\n/);
    assert.match(all, /VM_EXIT_REASON\s+0x4402\s+0x1e\s+I\/O instruction/);
    assert.match(await client.evaluate('vmcs exit_qualification'), /^EXIT_QUALIFICATION\s+0x6400\s+0x3fd0008\s+IN 1 byte from port 0x3fd.*\[Exit information\]$/);
    assert.match(await client.evaluate('vmcs 0x681e'), /^GUEST_RIP\s+0x681e/);
    assert.match(await client.evaluate('vmcs guest_cr'), /GUEST_CR0[\s\S]*GUEST_CR3[\s\S]*GUEST_CR4/);
    await assert.rejects(client.evaluateRequest({ expression: 'vmcs nosuchfield', context: 'repl' }), /no VMCS field 'nosuchfield'/);
    const exits = await client.evaluate('exits');
    assert.match(exits, /VM-EXIT\s+Samples\s+Samples%/);
    // 24 OUTs to 0x3f8 ('port I/O from the guest\n'), then the IN from 0x3fd: 25 I/O exits
    assert.match(exits, /30 I\/O instruction\s+25\s+100\.00%/);
    assert.match(exits, /Total Samples: 25/);
    assert.match(exits, /last: VM exit 30 I\/O instruction/);
    const targets = (await client.completionsRequest({ text: 'vmcs guest_r', column: 13 })).body.targets.map((t) => t.label);
    assert.ok(targets.includes('GUEST_RIP') && targets.includes('GUEST_RSP'), targets.join(', '));
    const commands = (await client.completionsRequest({ text: 'ex', column: 3 })).body.targets.map((t) => t.label);
    assert.ok(commands.includes('exits'));
  });
});

test('console: vmcs without a VMCS, exits without exits', async () => {
  await withClient(async (client) => {
    await client.launchAndWaitForStop({ program: sample('own-hypervisor.hvasm'), stopOnEntry: true });
    assert.match(await client.evaluate('vmcs'), /no current VMCS/);
    assert.equal(await client.evaluate('exits'), 'no VM exits yet');
  });
});
