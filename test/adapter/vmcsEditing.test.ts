// Editing the current VMCS: setVariable in the VMCS scope and the `hyperscope/writeVmcsField`
// request, validated, through VMWRITE's path so the next VM entry checks the value.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CustomRequest, type VmcsResult, type WriteVmcsFieldResult } from '../../src/protocol/dap';
import { withClient, fixture, type HyperscopeClient } from './client';
import { launchWithFilters, sample } from './vmExitHelpers';

async function vmcsGroups(client: HyperscopeClient): Promise<Map<string, number>> {
  const scopes = (await client.scopesRequest({ frameId: 1 })).body.scopes;
  const vmcs = scopes.find((s) => s.name === 'VMCS')!;
  const groups = (await client.variablesRequest({ variablesReference: vmcs.variablesReference })).body.variables;
  return new Map(groups.map((g) => [g.name, g.variablesReference]));
}

async function field(client: HyperscopeClient, name: string): Promise<string> {
  const vmcs = (await client.customRequest(CustomRequest.vmcs)).body as VmcsResult;
  assert.ok(vmcs.available);
  return vmcs.groups.flatMap((g) => g.fields).find((f) => f.name === name)!.value;
}

test('setVariable in the VMCS scope: writable fields change, read-only, too wide, reserved control bits and non-canonical values are refused', async () => {
  await withClient(async (client) => {
    await client.launchAndWaitForStop({ program: fixture('basic.hvasm'), mode: 'guest', stopOnEntry: true });
    const groups = await vmcsGroups(client);
    const guest = groups.get('Guest state')!;
    const set = (variablesReference: number, name: string, value: string) => client.setVariableRequest({ variablesReference, name, value });

    const changed = await set(groups.get('Controls')!, 'EXCEPTION_BITMAP', '0x4000');
    assert.equal(changed.body.value, '0x4000');
    assert.equal(await field(client, 'EXCEPTION_BITMAP'), '0x4000');

    await assert.rejects(set(groups.get('Exit information')!, 'VM_EXIT_REASON', '1'), /read-only.*SDM Vol\. 3C 25\.9.*error 13/);
    await assert.rejects(set(guest, 'GUEST_CS_SELECTOR', '0x12345'), /16-bit field: 0x12345 does not fit/);
    await assert.rejects(set(guest, 'GUEST_RIP', '0x0000800000000000'), /GUEST_RIP must be a canonical address/);
    await assert.rejects(set(groups.get('Controls')!, 'PIN_BASED_VM_EXEC_CONTROL', '0'), /bits? 1.*must be 1.*IA32_VMX_TRUE_PINBASED_CTLS/);
    await assert.rejects(set(groups.get('Controls')!, 'SECONDARY_VM_EXEC_CONTROL', '0x80000002'), /bit 31 \(notifyVmExiting\) must be 0/);
    await assert.rejects(set(guest, 'GUEST_CR3', '0xffff000000001000'), /above MAXPHYADDR/);

    // a control bit under its control word
    const controls = (await client.variablesRequest({ variablesReference: groups.get('Controls')! })).body.variables;
    const primary = controls.find((v) => v.name === 'CPU_BASED_VM_EXEC_CONTROL')!;
    const bit = await set(primary.variablesReference, 'hltExiting', '0');
    assert.equal(bit.body.value, '0');
    assert.equal((BigInt(await field(client, 'CPU_BASED_VM_EXEC_CONTROL')) >> 7n) & 1n, 0n);

    // read-only fields say so to the client; address fields have memory references
    const exitInfo = (await client.variablesRequest({ variablesReference: groups.get('Exit information')! })).body.variables;
    assert.deepEqual(exitInfo[0]!.presentationHint?.attributes, ['readOnly']);
    const controlVars = (await client.variablesRequest({ variablesReference: groups.get('Controls')! })).body.variables;
    assert.match(controlVars.find((v) => v.name === 'EPT_POINTER')!.memoryReference ?? '', /^hpa:0x[0-9a-f]+000$/);
    assert.match(controlVars.find((v) => v.name === 'IO_BITMAP_A')!.memoryReference ?? '', /^hpa:0x/);
    const guestVars = (await client.variablesRequest({ variablesReference: guest })).body.variables;
    assert.match(guestVars.find((v) => v.name === 'GUEST_CR3')?.memoryReference ?? 'gpa:', /^gpa:/);
  });
});

test('writeVmcsField request: an edited exception bitmap makes the next #UD a VM exit; errors name the field', async () => {
  await withClient(async (client) => {
    const { stop } = await launchWithFilters(client, { program: fixture('faults.hvasm'), mode: 'guest', stopOnEntry: true }, ['vm-exit-exception']);
    assert.equal(stop?.body.reason, 'entry');
    const result = (await client.customRequest(CustomRequest.writeVmcsField, { field: 'exception_bitmap', value: '1 << 6' })).body as WriteVmcsFieldResult;
    assert.equal(result.name, 'EXCEPTION_BITMAP');
    assert.equal(result.value, '0x40');
    assert.match(result.note ?? '', /next VM entry|next uses it/);
    const exit = await client.stepAndWait(() => client.continueRequest({ threadId: 1 }));
    assert.equal(exit.body.reason, 'exception');
    const info = await client.exceptionInfoRequest({ threadId: 1 });
    assert.match(info.body.description ?? '', /#UD|vector 6|invalid opcode/i);
    await assert.rejects(client.customRequest(CustomRequest.writeVmcsField, { field: 'NOT_A_FIELD', value: 1 }), /not a VMCS field/);
    await assert.rejects(client.customRequest(CustomRequest.writeVmcsField, { field: 0x4402, value: 1 }), /VM_EXIT_REASON is a VM-exit information field: read-only/);
    await assert.rejects(client.customRequest(CustomRequest.writeVmcsField, { field: 'GUEST_RIP' }), /argument 'value' is missing/);
  });
  await withClient(async (client) => {
    await client.launchAndWaitForStop({ program: sample('hello.hvasm'), stopOnEntry: true });
    await assert.rejects(client.customRequest(CustomRequest.writeVmcsField, { field: 'GUEST_RIP', value: 1 }), /no current VMCS/);
  });
});

test('vmcs.<field> in expressions: evaluate reads the current VMCS, setExpression writes it through the same checks', async () => {
  await withClient(async (client) => {
    await client.launchAndWaitForStop({ program: fixture('basic.hvasm'), mode: 'guest', stopOnEntry: true });
    assert.match(await client.evaluate('vmcs.exception_bitmap', 'watch'), /^0x0 \(0\)$/);
    const set = await client.send('setExpression', { expression: 'vmcs.exception_bitmap', value: '1 << 14' });
    assert.equal(set.body.value, '0x4000 (16384)');
    assert.equal(await field(client, 'EXCEPTION_BITMAP'), '0x4000');
    await assert.rejects(client.send('setExpression', { expression: 'vmcs.vm_exit_reason', value: '0' }), /read-only/);
    assert.match(await client.evaluate('vmcs.guest_cr3 != 0', 'watch'), /^0x1 /);
  });
});
