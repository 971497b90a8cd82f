// Debug-console commands for the IOMMU and hypercalls:
//   iommu                              translation state, domains, fault records, blocked DMAs, IOTLB
//   iommu <requester> <address> [write] the VT-d walk of one device address, entry by entry (no side effects)
//   hypercalls [count]                 counts per hypercall and the latest calls (guest mode)
import type { Machine } from '../machine/machine';
import { formatSourceId } from '../machine/devices/dma';
import type { IommuWalkStep } from '../machine/iommu/walkTypes';
import { parseInteger } from './format';
import { parseSourceId } from './devicesRequest';

const hex = (n: number): string => '0x' + n.toString(16);

function stepLine(step: IommuWalkStep): string {
  const what = step.table === 'second-level' ? `L${step.level}[${step.index}]` : `${step.table}[${step.index}]`;
  const value = step.value === '' ? '(not in memory)' : step.valueHigh ? `${step.valueHigh}:${step.value}` : step.value;
  const outcome = step.outcome === 'leaf' ? `→ ${step.pageSize === 4096 ? '4 KiB' : step.pageSize === 0x200000 ? '2 MiB' : '1 GiB'} page` : step.outcome === 'next' ? '→ next' : `✗ ${step.outcome}`;
  return `  ${what.padEnd(14)} @ ${hex(step.entryAddress).padEnd(10)} = ${value}  ${step.flags.join(' ')}  ${outcome}`;
}

function walk(machine: Machine, words: string[]): string {
  const [requester, addressText, access] = words;
  const address = Number(parseInteger(addressText ?? '') ?? NaN);
  if (requester === undefined || !Number.isFinite(address) || address < 0 || (access !== undefined && access !== 'write' && access !== 'read')) {
    throw new Error('usage: iommu <requester> <address> [read|write]   (e.g. iommu 00:01.0 0x200000 write)');
  }
  const sourceId = parseSourceId(requester);
  const trace = machine.iommu.translateTrace(sourceId, address, access === 'write');
  const lines = [`iommu ${formatSourceId(sourceId)} ${hex(address)} ${access ?? 'read'}`];
  if (!trace.translationEnabled) return [...lines, `  translation is off (GSTS.TES = 0): device address = host-physical ${hex(address)}`].join('\n');
  lines.push(...trace.steps.map(stepLine));
  if (trace.fault) lines.push(`  ✗ blocked: ${trace.fault.name} (fault reason ${hex(trace.fault.reason)}): ${trace.fault.text}`);
  else lines.push(`  ${hex(address)} → hpa ${hex(trace.hostPhysical ?? address)}${trace.domainId !== undefined ? ` (domain ${trace.domainId})` : ''}`);
  if (trace.iotlbHit) lines.push(`  IOTLB holds this page → ${hex(trace.iotlbHostPhysical ?? 0)}${trace.iotlbHostPhysical !== trace.hostPhysical ? ' (stale: differs from the tables until invalidated)' : ''}`);
  return lines.join('\n');
}

export function iommuCommand(args: string, machine: Machine): string {
  const words = args.trim().split(/\s+/).filter(Boolean);
  if (words.length > 0) return walk(machine, words);
  const d = machine.iommu.describe();
  const lines = [
    `VT-d DMAR at ${hex(d.base)}: translation ${d.translationEnabled ? 'on' : 'off'}, root table ${d.rootTablePointerSet ? hex(d.rootTable) : 'not set'}`,
    `  GSTS ${d.registers.GSTS}  FSTS ${d.registers.FSTS}  FECTL ${d.registers.FECTL}  CAP ${d.registers.CAP}  ECAP ${d.registers.ECAP}`,
  ];
  for (const domain of d.domains) lines.push(`  domain ${domain.domainId}: ${domain.sourceIds.join(', ')} (second level ${hex(domain.secondLevelRoot)})`);
  for (const root of d.rootEntries) for (const context of root.contexts) if (context.outcome !== 'next') lines.push(`  context ${context.name}: ${context.outcome} (${context.flags.join(' ')})`);
  lines.push(`  fault records: ${d.faultRecords.length === 0 ? 'none' : ''}${d.faultStatus.overflow ? ' (overflow: FSTS.PFO)' : ''}`);
  for (const r of d.faultRecords) lines.push(`    FRCD${r.index}: ${r.sourceId} ${r.type} ${hex(r.address)} ${r.reasonName} (${hex(r.reason)})`);
  if (d.faultLog.length > 0) lines.push(`  blocked DMAs (latest ${d.faultLog.length}):`);
  for (const f of d.faultLog.slice(-8)) lines.push(`    ${formatSourceId(f.sourceId)} ${f.write ? 'write' : 'read'} ${hex(f.address)} ${f.reasonName}${f.suppressed ? ' (FPD: not recorded)' : f.overflow ? ' (dropped: overflow)' : ''}`);
  lines.push(`  IOTLB ${d.iotlb.size}/${d.iotlb.capacity} entries, context cache: ${d.contextCache.join(', ') || 'empty'}`);
  return lines.join('\n');
}

export function hypercallsCommand(args: string, machine: Machine): string {
  const monitor = machine.hypervisor?.hypercalls;
  if (!monitor) return 'no hypercalls: the built-in hypervisor runs only in guest mode (a bare-mode hypervisor handles its own VMCALLs)';
  const count = args.trim() === '' ? 10 : Number(parseInteger(args) ?? NaN);
  if (!Number.isInteger(count) || count < 0) throw new Error('usage: hypercalls [count]   (the latest count calls, default 10)');
  const described = monitor.describe();
  const lines = [`${described.total} hypercalls`];
  for (const [name, n] of Object.entries(described.counts).sort(([, a], [, b]) => b - a)) lines.push(`  ${String(n).padStart(8)}  ${name}`);
  const latest = described.log.slice(-count);
  if (latest.length > 0) lines.push(`latest ${latest.length}:`);
  for (const r of latest) lines.push(`  #${r.instret} rip ${r.rip}: ${r.name} (${r.number})(${r.args.join(', ')}) → ${r.result}${r.error ? ` ${r.error}` : ''}`);
  return lines.join('\n');
}
