/** Turns a finished run into the CLI's human text or its stable JSON object. */
import type { Machine } from '../machine/machine';
import type { StopReason } from '../machine/stopReason';
import { GPR_NAMES } from '../machine/cpu/registers';
import { F } from '../machine/vmx/fields';
import { formatSourceId } from '../machine/devices/dma';
import { statusBits } from '../adapter/devicesRequest';

export function hex64(value: bigint | number): string {
  return '0x' + BigInt.asUintN(64, BigInt(value)).toString(16);
}

export function registerSnapshot(machine: Machine): Record<string, string> {
  const cpu = machine.cpu;
  const registers: Record<string, string> = {};
  GPR_NAMES.forEach((name, i) => {
    if (name !== 'rsp') registers[name] = hex64(cpu.getGpr(i));
  });
  registers.rsp = hex64(cpu.getGpr(4));
  registers.rip = hex64(cpu.rip);
  registers.rflags = hex64(cpu.rflags);
  registers.cr0 = hex64(cpu.cr0);
  registers.cr2 = hex64(cpu.cr2);
  registers.cr3 = hex64(cpu.cr3);
  registers.cr4 = hex64(cpu.cr4);
  registers.efer = hex64(cpu.efer);
  registers.cs = hex64(cpu.cs.selector);
  registers.ss = hex64(cpu.ss.selector);
  return registers;
}

/**
 * Guest mode: the guest's view. General-purpose registers stay the guest's (the built-in
 * hypervisor is not guest code), while RIP, RSP, RFLAGS, control registers, EFER and
 * selectors come from the current VMCS's guest-state area, saved at the last VM exit.
 */
export function guestRegisterSnapshot(machine: Machine): Record<string, string> {
  const registers = registerSnapshot(machine);
  const vmcs = machine.vmx.current;
  if (vmcs === undefined) return registers;
  const fields: [string, number][] = [
    ['rsp', F.GUEST_RSP],
    ['rip', F.GUEST_RIP],
    ['rflags', F.GUEST_RFLAGS],
    ['cr0', F.GUEST_CR0],
    ['cr3', F.GUEST_CR3],
    ['cr4', F.GUEST_CR4],
    ['efer', F.GUEST_IA32_EFER],
    ['cs', F.GUEST_CS_SELECTOR],
    ['ss', F.GUEST_SS_SELECTOR],
  ];
  for (const [name, field] of fields) registers[name] = hex64(vmcs.get(field));
  return registers;
}

export interface RunReport {
  stop: { reason: string; detail: string };
  exitCode: number | null;
  instructions: number;
  console: string;
  registers: Record<string, string>;
  [extra: string]: unknown;
}

export function buildReport(machine: Machine, stop: StopReason, guest = false): RunReport {
  return {
    stop: { reason: stop.reason, detail: stop.detail },
    exitCode: stop.reason === 'exit' ? (stop.exitCode ?? null) : null,
    instructions: machine.cpu.instret,
    console: machine.consoleText,
    registers: guest ? guestRegisterSnapshot(machine) : registerSnapshot(machine),
  };
}

export function formatHuman(report: RunReport): string {
  const lines = [`stopped: ${report.stop.reason} — ${report.stop.detail}`];
  if (report.exitCode !== null) lines.push(`exit code: ${report.exitCode}`);
  lines.push(`instructions: ${report.instructions}`);
  const r = report.registers;
  const names = Object.keys(r);
  for (let i = 0; i < names.length; i += 4) {
    lines.push(
      names
        .slice(i, i + 4)
        .map((name) => `${name.padStart(6)} ${r[name]!.padStart(18)}`)
        .join('  '),
    );
  }
  return lines.join('\n');
}

/** `--json` "devices": per virtio device its status, counters and queue states; the IOMMU's state and faults. */
export function devicesReport(machine: Machine): Record<string, unknown> {
  const virtio = (machine.virtio?.slots ?? []).map((slot) => {
    const { queues, ...device } = slot.transport.describe();
    return {
      ...device,
      base: hex64(slot.base),
      sourceId: formatSourceId(slot.sourceId),
      vector: slot.vector,
      statusBits: statusBits(device.status),
      queues: queues.map((q) => ({ index: q.index, size: q.size, ready: q.ready, desc: hex64(q.desc), driver: hex64(q.driver), device: hex64(q.device), lastAvail: q.lastAvail, usedIdx: q.usedIdx, served: q.served })),
    };
  });
  const iommu = machine.iommu.describe();
  return {
    virtio,
    iommu: {
      translationEnabled: iommu.translationEnabled,
      rootTable: hex64(iommu.rootTable),
      domains: iommu.domains,
      faultStatus: iommu.faultStatus,
      faultRecords: iommu.faultRecords,
      faults: iommu.faultLog.map((f) => ({ sourceId: formatSourceId(f.sourceId), address: hex64(f.address), access: f.write ? 'write' : 'read', reason: f.reason, reasonName: f.reasonName, recorded: f.recordIndex !== undefined })),
      iotlbEntries: iommu.iotlb.size,
    },
  };
}

/** `--json` "hypercalls" (guest mode): total, counts by name and the latest calls. */
export function hypercallsReport(machine: Machine): Record<string, unknown> | undefined {
  return machine.hypervisor?.hypercalls.describe() as Record<string, unknown> | undefined;
}
