import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cli } from './inProcessCli';

// `hyperscope run --json`: "devices" (virtio devices with queue states and requests
// served, the IOMMU's state and faults) and, in guest mode, "hypercalls" (log and counts).

interface DevicesJson {
  devices: {
    virtio: { kind: string; sourceId: string; statusBits: string[]; queues: { index: number; served: number; ready: boolean }[]; dmaFaults: number }[];
    iommu: { translationEnabled: boolean; rootTable: string; domains: { domainId: number; sourceIds: string[] }[]; faults: unknown[]; faultRecords: unknown[]; iotlbEntries: number };
  };
  hypercalls?: { total: number; counts: Record<string, number>; log: { number: number; name: string; args: string[]; result: string; error?: string; rip: string }[] };
}

test('--json in guest mode: hypercalls with their log and counts; the IOMMU programmed by the built-in hypervisor', () => {
  const { out } = cli(['samples/guest-vmcall.hvasm', '--mode', 'guest', '--json']);
  const report = JSON.parse(out) as DevicesJson & { exitCode: number };
  assert.equal(report.exitCode, 1);
  assert.equal(report.hypercalls?.total, 2);
  assert.deepEqual(report.hypercalls?.counts, { 'console write': 1, 'hypercall 30583': 1 });
  const [write, unknown] = report.hypercalls!.log;
  assert.equal(write?.number, 0x100);
  assert.equal(write?.result, '0x1a');
  assert.equal(unknown?.number, 0x7777);
  assert.equal(unknown?.result, '-0x3e8');
  assert.equal(unknown?.error, 'KVM_ENOSYS');
  assert.deepEqual(report.devices.virtio, []);
  assert.equal(report.devices.iommu.translationEnabled, true);
  assert.equal(report.devices.iommu.rootTable, '0x300000');
  assert.deepEqual(report.devices.iommu.faults, []);
});

test('--json in bare mode: devices with the IOMMU untouched (translation off), no hypercalls section', () => {
  const { code, out } = cli(['samples/hello.hvasm', '--json']);
  assert.equal(code, 0);
  const report = JSON.parse(out) as DevicesJson;
  assert.equal(report.devices.iommu.translationEnabled, false);
  assert.deepEqual(report.devices.iommu.domains, []);
  assert.equal(report.hypercalls, undefined);
});
