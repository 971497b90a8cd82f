// Debug-console commands over the VMX unit: `vmcs [field]` (the current VMCS grouped as
// `describeVmcs` shows it, or the fields whose name contains the argument, or one field
// by encoding) and `exits` (per-reason counts like `perf kvm stat`, from `vmExitReport`).
import type { Machine } from '../machine/machine';
import { describeVmcs, type VmcsFieldView } from '../machine/vmx/vmcsView';
import { VMCS_FIELDS } from '../machine/vmx/fields';
import { lastExit } from './vmcsScope';
import { formatExit, vmExitReport } from '../machine/vmx/report';
import { UserError } from './errors';

/** Every VMCS field name (completions after `vmcs `). */
export function vmcsFieldNames(): string[] {
  return [...VMCS_FIELDS.values()].map((f) => f.name);
}

function fieldLine(f: VmcsFieldView): string {
  return `  ${f.name.padEnd(36)} ${('0x' + f.encoding.toString(16).padStart(4, '0')).padEnd(7)} ${f.value}${f.decoded === undefined ? '' : `  ${f.decoded}`}`;
}

/** `vmcs [field]`. */
export function vmcsCommand(args: string, machine: Machine): string {
  const vmcs = machine.vmx.current;
  if (!vmcs) return 'no current VMCS (VMPTRLD one first, or launch with mode "guest")';
  const groups = describeVmcs(vmcs);
  const query = args.trim().toLowerCase();
  if (query === '') {
    const lines = [`VMCS at ${'0x' + vmcs.address.toString(16)} (fields with a nonzero value; vmcs <name> shows any field)`];
    for (const g of groups) {
      lines.push(`${g.group}:`);
      for (const f of g.fields) if (f.value !== '0x0') lines.push(fieldLine(f));
    }
    return lines.join('\n');
  }
  const encoding = /^0x[0-9a-f]+$/.test(query) ? Number(query) : undefined;
  const matches = groups.flatMap((g) => g.fields.filter((f) => (encoding !== undefined ? f.encoding === encoding : f.name.toLowerCase() === query)).map((f) => ({ g, f })));
  const found = matches.length > 0 ? matches : groups.flatMap((g) => g.fields.filter((f) => f.name.toLowerCase().includes(query)).map((f) => ({ g, f })));
  if (found.length === 0) throw new UserError(`no VMCS field '${args.trim()}' (try vmcs with part of a name, e.g. vmcs guest_cr)`);
  return found.map(({ g, f }) => `${fieldLine(f).trimStart()}   [${g.group}]`).join('\n');
}

/** `exits`: the per-reason table, the total, and the last exit and entry failure. */
export function exitsCommand(_args: string, machine: Machine): string {
  const report = vmExitReport(machine.vmx, 0);
  const rows = Object.entries(report.exitStats);
  const total = rows.reduce((sum, [, s]) => sum + s.count, 0);
  if (total === 0) return machine.vmx.lastEntryFailure ? `no VM exits; ${machine.vmx.lastEntryFailure.describe()}` : 'no VM exits yet';
  const lines = [`Analyze events for the vCPU: ${total} VM exit${total === 1 ? '' : 's'}`, '', `${'VM-EXIT'.padStart(28)} ${'Samples'.padStart(9)} ${'Samples%'.padStart(9)}`, ''];
  for (const [name, s] of rows) lines.push(`${name.padStart(28)} ${String(s.count).padStart(9)} ${(s.percent.toFixed(2) + '%').padStart(9)}`);
  lines.push('', `Total Samples: ${total}`);
  const last = lastExit(machine);
  if (last) lines.push(`last: ${formatExit(last)}`);
  if (machine.vmx.lastEntryFailure) lines.push(`last entry failure: ${machine.vmx.lastEntryFailure.describe()}`);
  return lines.join('\n');
}
