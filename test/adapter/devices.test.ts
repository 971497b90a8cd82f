// The devices' debugger surface: hyperscope/devices, the Devices scope, and the Hypercall
// exception filter (by name, by number, by expression) and the IOMMU-fault filter, with exceptionInfo.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { withClient, type HyperscopeClient } from './client';
import { launchWithFilters, sample } from './vmExitHelpers';
import { CustomRequest, type DevicesResult } from '../../src/protocol/dap';

const VMCALL = sample('guest-vmcall.hvasm');

async function devices(client: HyperscopeClient, args: Record<string, unknown> = {}): Promise<DevicesResult> {
  return (await client.customRequest(CustomRequest.devices, args)).body as DevicesResult;
}

test('initialize offers the Hypercall and IOMMU-fault filters with conditions', async () => {
  await withClient(async (client) => {
    const filters = (await client.initializeRequest()).body!.exceptionBreakpointFilters ?? [];
    for (const id of ['hypercall', 'iommuFault']) {
      const filter = filters.find((f) => f.filter === id);
      assert.ok(filter, id);
      assert.equal(filter.supportsCondition, true);
    }
  });
});

test('hyperscope/devices in guest mode: the IOMMU as the built-in hypervisor programmed it, hypercalls, and a traced translation', async () => {
  await withClient(async (client) => {
    await client.launchAndWaitForStop({ program: VMCALL, mode: 'guest', stopOnEntry: true });
    const result = await devices(client, { translate: { sourceId: '00:01.0', address: '0x1000', write: true } });
    assert.equal(result.mode, 'guest');
    assert.deepEqual(result.virtio, []);
    assert.equal(result.iommu.translationEnabled, true);
    assert.equal(result.iommu.rootTable, 0x300000);
    assert.equal(result.iommu.registers.GSTS, '0xc0000000');
    assert.equal(result.hypercalls?.total, 0);
    assert.equal(result.xen, undefined);
    // no device on bus 0: the root entry is not present, fault reason 1
    assert.equal(result.translation?.fault?.reason, 1);
    assert.deepEqual(result.translation?.steps.map((s) => [s.table, s.outcome]), [['root', 'not-present']]);
    const exited = client.waitForEvent('exited');
    await client.continueRequest({ threadId: 1 });
    await exited;
  });
});

test('hyperscope/devices rejects a malformed requester id', async () => {
  await withClient(async (client) => {
    await client.launchAndWaitForStop({ program: VMCALL, mode: 'guest', stopOnEntry: true });
    await assert.rejects(devices(client, { translate: { sourceId: 'nine', address: 0 } }), /not a requester id/);
  });
});

test('Devices scope: mode, IOMMU and Hypercalls as a tree', async () => {
  await withClient(async (client) => {
    await client.launchAndWaitForStop({ program: VMCALL, mode: 'guest', stopOnEntry: true });
    const frame = await client.topFrame();
    const scopes = (await client.scopesRequest({ frameId: frame.id })).body.scopes;
    const scope = scopes.find((s) => s.name === 'Devices');
    assert.ok(scope, scopes.map((s) => s.name).join(', '));
    const rows = (await client.variablesRequest({ variablesReference: scope.variablesReference })).body.variables;
    assert.deepEqual(rows.map((r) => r.name), ['mode', 'IOMMU', 'Hypercalls']);
    assert.equal(rows[0]?.value, 'guest');
    const iommu = (await client.variablesRequest({ variablesReference: rows[1]!.variablesReference })).body.variables;
    const byName = new Map(iommu.map((v) => [v.name, v]));
    assert.equal(byName.get('translationEnabled')?.value, 'yes');
    assert.equal(byName.get('rootTable')?.value, '0x300000');
    const registers = (await client.variablesRequest({ variablesReference: byName.get('registers')!.variablesReference })).body.variables;
    assert.ok(registers.some((r) => r.name === 'CAP'));
  });
});

async function expectHypercallStop(client: HyperscopeClient, filterOptions: DebugProtocol.ExceptionFilterOptions[], filters: string[], line: number, id: string): Promise<DebugProtocol.ExceptionInfoResponse> {
  const { stop, breakpoints } = await launchWithFilters(client, { program: VMCALL, mode: 'guest' }, filters, filterOptions);
  assert.ok(breakpoints.every((b) => b.verified), JSON.stringify(breakpoints));
  assert.equal(stop?.body.reason, 'exception');
  const info = await client.exceptionInfoRequest({ threadId: 1 });
  assert.equal(info.body.exceptionId, id);
  // after the hypercall, back in the guest on the instruction after the VMCALL
  const frame = await client.topFrame();
  assert.equal(frame.source?.path, VMCALL);
  assert.equal(frame.line, line);
  return info;
}

test('Hypercall filter by number: stops after that VMCALL; exceptionInfo names it with arguments and result', async () => {
  await withClient(async (client) => {
    const info = await expectHypercallStop(client, [{ filterId: 'hypercall', condition: '0x7777' }], [], 14, 'hypercall-30583');
    assert.match(info.body.description ?? '', /hypercall hypercall 30583 \(30583\)\(.*\) → -0x3e8 \(KVM_ENOSYS\)/);
    assert.match(info.body.details?.message ?? '', /KVM-style hypercall from guest RIP 0x[0-9a-f]+ \(VMCALL\)/);
    assert.match(info.body.details?.message ?? '', /filter hypercall \(condition 0x7777\)/);
    assert.equal(client.output.stdout, 'hello through a hypercall\n', 'the first hypercall ran and printed');
    assert.match(await client.evaluate('hypercalls'), /^2 hypercalls\n +1 +console write\n +1 +hypercall 30583\nlatest 2:/);
  });
});

test('Hypercall filter by name ("console write"), by expression (nr, arg1, result), and unconditioned', async () => {
  await withClient(async (client) => {
    await expectHypercallStop(client, [{ filterId: 'hypercall', condition: 'console write' }], [], 12, 'hypercall-256');
  });
  await withClient(async (client) => {
    await expectHypercallStop(client, [{ filterId: 'hypercall', condition: 'nr == 0x7777 && result == 0xfffffffffffffc18' }], [], 14, 'hypercall-30583');
  });
  await withClient(async (client) => {
    await expectHypercallStop(client, [], ['hypercall'], 12, 'hypercall-256');
    const again = await client.stepAndWait(() => client.continueRequest({ threadId: 1 }));
    assert.equal(again.body.reason, 'exception');
    assert.equal((await client.topFrame()).line, 14);
  });
});

test('Hypercall filter: an unknown name or field is refused with why', async () => {
  await withClient(async (client) => {
    await client.initializeRequest();
    const response = await client.setExceptionBreakpointsRequest({ filters: [], filterOptions: [{ filterId: 'hypercall', condition: 'no_such_call' }, { filterId: 'iommuFault', condition: 'colour == 1' }, { filterId: 'iommuFault', condition: 'reason == 5 && write' }] });
    const [name, field, good] = response.body?.breakpoints ?? [];
    assert.equal(name?.verified, false);
    assert.match(name?.message ?? '', /hypercall: .*no_such_call.*hypercall name or number/);
    assert.equal(field?.verified, false);
    assert.match(field?.message ?? '', /iommuFault: .*colour.*fields: sid/);
    assert.equal(good?.verified, true);
  });
});

/** The virtio-console sample with its buffer moved outside guest RAM: the device's DMA read is blocked by the IOMMU. */
function dmaFaultProgram(dir: string): string {
  copyFileSync(sample('virtio.inc'), join(dir, 'virtio.inc'));
  const source = readFileSync(sample('virtio-console.hvasm'), 'utf8').replace('mov rsi, message', 'mov rsi, 0x7f000000         ; #OUTSIDE: beyond guest RAM');
  assert.ok(source.includes('#OUTSIDE'));
  const program = join(dir, 'dma-fault.hvasm');
  writeFileSync(program, source);
  return program;
}

test('IOMMU-fault filter: a virtio DMA outside guest RAM stops in the guest after the notifying MOV; exceptionInfo and hyperscope/devices show the fault', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hyperscope-dma-'));
  try {
    const program = dmaFaultProgram(dir);
    await withClient(async (client) => {
      const { stop, breakpoints } = await launchWithFilters(client, { program, mode: 'guest', devices: { console: true } }, [], [{ filterId: 'iommuFault', condition: 'reason == 6 && sid == 0x08 && !write' }]);
      assert.equal(breakpoints[0]?.verified, true);
      assert.equal(stop?.body.reason, 'exception');
      assert.match(stop?.body.description ?? '', /^IOMMU fault: read by 00:01\.0 at 0x7f000000 \(READ_NOT_PERMITTED\)/);
      const info = await client.exceptionInfoRequest({ threadId: 1 });
      assert.equal(info.body.exceptionId, 'iommu-fault-6');
      assert.equal(info.body.description, 'DMA read by 00:01.0 at device address 0x7f000000 blocked: READ_NOT_PERMITTED (fault reason 0x6)');
      const details = info.body.details?.message ?? '';
      assert.match(details, /recorded in fault recording register 0/);
      assert.match(details, /second-level L3 \[1\] .* → not-present/);
      // back in the guest, after the MOV to QueueNotify that made the device read the buffer
      const frame = await client.topFrame();
      assert.match(frame.source?.path ?? '', /virtio\.inc$/);
      const lines = readFileSync(join(dir, 'virtio.inc'), 'utf8').split('\n');
      assert.match(lines[frame.line - 2] ?? '', /VIRTIO_QUEUE_NOTIFY/, 'the previous line notified the device');
      const result = await devices(client);
      assert.equal(result.virtio.length, 1);
      const console = result.virtio[0]!;
      assert.equal(console.kind, 'console');
      assert.equal(console.sourceId, '00:01.0');
      assert.equal(console.dmaFaults, 1);
      const tx = console.queues[1]!;
      assert.equal(tx.ready, true);
      assert.deepEqual(tx.descriptors[0], { index: 0, addr: '0x7f000000', len: 26, flags: [], next: 0 });
      assert.equal(tx.avail?.idx, 1);
      assert.deepEqual(result.iommu.faultRecords, [{ index: 0, sourceId: '00:01.0', address: 0x7f000000, reason: 6, reasonName: 'READ_NOT_PERMITTED', type: 'read' }]);
      assert.deepEqual(result.iommu.domains.map((d) => d.sourceIds), [['00:01.0']]);
      // the debug console: the IOMMU summary and the failing walk
      const summary = await client.evaluate('iommu');
      assert.match(summary, /translation on, root table 0x300000/);
      assert.match(summary, /FRCD0: 00:01\.0 read 0x7f000000 READ_NOT_PERMITTED \(0x6\)/);
      const walk = await client.evaluate('iommu 00:01.0 0x7f000000');
      assert.match(walk, /✗ blocked: READ_NOT_PERMITTED \(fault reason 0x6\)/);
      assert.match(await client.evaluate('iommu 00:01.0 0x1000 write'), /0x1000 → hpa 0x1001000 \(domain 1\)/);
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('Xen personality: the Hypercall filter by Xen name stops after event_channel_op; hyperscope/devices shows event channels and the grant table', async () => {
  await withClient(async (client) => {
    const program = sample('xen-console.hvasm');
    const { stop, breakpoints } = await launchWithFilters(client, { program, mode: 'guest', guest: { paravirt: 'xen' } }, [], [{ filterId: 'hypercall', condition: '__HYPERVISOR_event_channel_op' }]);
    assert.equal(breakpoints[0]?.verified, true);
    assert.equal(stop?.body.reason, 'exception');
    const info = await client.exceptionInfoRequest({ threadId: 1 });
    assert.equal(info.body.exceptionId, 'hypercall-32');
    assert.match(info.body.details?.message ?? '', /^hypercall event_channel_op \(32\)\(0x[0-9a-f]+, /);
    assert.match(info.body.details?.message ?? '', /Xen hypercall from guest RIP/);
    const result = await devices(client);
    assert.equal(result.xen?.personality, 'xen');
    assert.ok((result.xen?.eventChannels.length ?? 0) >= 1, JSON.stringify(result.xen?.eventChannels));
    assert.ok(Array.isArray(result.xen?.grantTable.entries));
    assert.equal(result.hypercalls?.counts['event_channel_op'], 1);
  });
});
