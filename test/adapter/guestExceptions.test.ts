// The "Guest exception" filter: exceptions delivered through the guest's IDT (no VM exit).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withClient, fixture, markerLine } from './client';
import { launchWithFilters } from './vmExitHelpers';
import { EXCEPTION_FILTERS } from '../../src/adapter/exceptionFilters';

const faults = fixture('faults.hvasm');
const line = (marker: string): number => markerLine(faults, marker);

test('guest exception filter: #PF, #GP and #UD stop on the handler with the exception decoded (guest mode)', async () => {
  await withClient(async (client) => {
    const { stop } = await launchWithFilters(client, { program: faults, mode: 'guest' }, ['guest-exception']);
    assert.equal(stop?.body.reason, 'exception');
    assert.match(stop?.body.description ?? '', /guest exception #PF/);
    assert.equal((await client.topFrame()).line, line('PFHANDLER'));
    const pf = await client.exceptionInfoRequest({ threadId: 1 });
    assert.equal(pf.body.exceptionId, 'guest-exception-14');
    assert.match(pf.body.description ?? '', /#PF page fault in the guest \(VMX non-root\) at RIP 0x[0-9a-f]+, error code 0x2 \(not present, write, supervisor\), CR2 0x7000000000/);
    assert.match(pf.body.details?.typeName ?? '', /vector 14/);

    await client.stepAndWait(() => client.continueRequest({ threadId: 1 }));
    const gp = await client.exceptionInfoRequest({ threadId: 1 });
    assert.match(gp.body.description ?? '', /#GP general protection .* error code 0x0 \(no selector/);
    await client.stepAndWait(() => client.continueRequest({ threadId: 1 }));
    const ud = await client.exceptionInfoRequest({ threadId: 1 });
    assert.match(ud.body.description ?? '', /#UD invalid opcode/);
    const exited = client.waitForEvent('exited');
    await client.continueRequest({ threadId: 1 });
    assert.equal((await exited).body.exitCode, 3);
  });
});

test('guest exception filter: a condition over vector, errorCode and cr2 picks one; misspelt names are refused', async () => {
  await withClient(async (client) => {
    const { stop, breakpoints } = await launchWithFilters(client, { program: faults, mode: 'bare' }, [], [{ filterId: 'guest-exception', condition: 'vector == 13 && errorCode == 0' }]);
    assert.equal(breakpoints[0]?.verified, true);
    assert.match(stop?.body.description ?? '', /#GP/);
    const bad = await client.setExceptionBreakpointsRequest({ filters: ['vm-exit-any'], filterOptions: [{ filterId: 'guest-exception', condition: 'vectr == 14' }] });
    assert.equal(bad.body?.breakpoints?.[0]?.verified, true);
    assert.equal(bad.body?.breakpoints?.[1]?.verified, false);
    assert.match(bad.body?.breakpoints?.[1]?.message ?? '', /guest-exception: .*vectr/);
    const cr2 = await client.setExceptionBreakpointsRequest({ filters: [], filterOptions: [{ filterId: 'guest-exception', condition: 'cr2 == 0x7000000000' }] });
    assert.equal(cr2.body?.breakpoints?.[0]?.verified, true);
  });
  assert.ok(EXCEPTION_FILTERS.some((f) => f.filter === 'guest-exception' && f.supportsCondition));
});

test('guest exception filter: an exception the exception bitmap turns into a VM exit is not a guest exception', async () => {
  await withClient(async (client) => {
    const { stop } = await launchWithFilters(client, { program: faults, mode: 'guest', guest: { exceptionBitmap: 1 << 6 } }, ['guest-exception']);
    assert.match(stop?.body.description ?? '', /#PF/);
    const gp = await client.stepAndWait(() => client.continueRequest({ threadId: 1 }));
    assert.match(gp.body.description ?? '', /#GP/);
    // #UD exits to the built-in hypervisor (exception bitmap bit 6), which reflects it into the guest: no third stop
    const exited = client.waitForEvent('exited');
    await client.continueRequest({ threadId: 1 });
    assert.equal((await exited).body.exitCode, 3);
  });
});
