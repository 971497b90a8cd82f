// The `hyperscope/vmcs` and `hyperscope/vmExits` custom requests: the current VMCS grouped
// (read-only vs writable, control words bit by bit) and the VM-exit log with per-reason
// statistics, as plain JSON for the extension's tree views.
import type { Machine } from '../machine/machine';
import { describeVmcs } from '../machine/vmx/vmcsView';
import { EntryCtl, ExitCtl, Pin, Primary, Secondary } from '../machine/vmx/controls';
import { F, VMCS_FIELDS } from '../machine/vmx/fields';
import { exitReasonName } from '../machine/vmx/exitReasons';
import { describeQualification } from '../machine/vmx/exitQualification';
import type { ExitRecord } from '../machine/vmx/vmExit';
import type { VmcsBit, VmcsResult, VmExitInfo, VmExitsResult } from '../protocol/dap';
import { hex64 } from './format';
import { vmcsFieldMemoryReference } from './vmcsAddresses';

const CONTROL_BITS: Readonly<Record<number, Readonly<Record<string, number>>>> = {
  [F.PIN_BASED_VM_EXEC_CONTROL]: Pin,
  [F.CPU_BASED_VM_EXEC_CONTROL]: Primary,
  [F.SECONDARY_VM_EXEC_CONTROL]: Secondary,
  [F.VM_EXIT_CONTROLS]: ExitCtl,
  [F.VM_ENTRY_CONTROLS]: EntryCtl,
};

function bits(value: number, table: Readonly<Record<string, number>>): VmcsBit[] {
  return Object.entries(table).map(([name, mask]) => ({ name, bit: 31 - Math.clz32(mask), set: (value & mask) !== 0 }));
}

export function vmcsRequest(machine: Machine): VmcsResult {
  const vmcs = machine.vmx.current;
  if (!vmcs) return { available: false, reason: machine.vmx.operation === 'off' ? 'VMX is off: no current VMCS' : 'no current VMCS (VMPTRLD one)' };
  const groups = describeVmcs(vmcs).map((g) => ({
    group: g.group,
    fields: g.fields.map((f) => {
      const table = CONTROL_BITS[f.encoding];
      const memoryReference = vmcsFieldMemoryReference(f.encoding, BigInt(f.value), machine.vmx.operation);
      return {
        name: f.name,
        encoding: f.encoding,
        value: f.value,
        ...(f.decoded !== undefined ? { decoded: f.decoded } : {}),
        readOnly: VMCS_FIELDS.get(f.encoding)?.type === 'read-only',
        ...(table ? { bits: bits(vmcs.get32(f.encoding), table) } : {}),
        ...(memoryReference ? { memoryReference } : {}),
      };
    }),
  }));
  return { available: true, address: hex64(vmcs.address), groups };
}

function exitInfo(record: ExitRecord): VmExitInfo {
  return {
    reason: record.reason & 0xffff,
    name: record.name,
    qualification: hex64(record.qualification),
    description: describeQualification(record.reason, record.qualification, record.interruptionInfo),
    guestRip: hex64(record.guestRip),
    guestPhysical: record.guestPhysical === null ? null : hex64(record.guestPhysical),
    instructionLength: record.instructionLength,
    entryFailure: record.entryFailure,
    instret: record.instret,
  };
}

export function vmExitsRequest(machine: Machine, limit = 100): VmExitsResult {
  const unit = machine.vmx;
  const n = Math.max(0, Math.min(Math.floor(limit), unit.exits.length));
  const exits = unit.exits.slice(unit.exits.length - n).map(exitInfo);
  const total = [...unit.exitCounts.values()].reduce((a, b) => a + b, 0);
  const stats = [...unit.exitCounts]
    .sort((a, b) => b[1] - a[1] || a[0] - b[0])
    .map(([reason, count]) => ({ reason, name: exitReasonName(reason), count, percent: Math.round((count / total) * 10000) / 100 }));
  return { exits, omitted: total - exits.length, total, stats };
}
