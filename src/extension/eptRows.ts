// The EPT view's rows (plain data, no `vscode`): the EPTP decoded, then PML4 → PDPT → PD →
// PT entries with R/W/X, memory type, ignore-PAT, A/D, large pages and misconfigurations
// (with the reason); a table entry carries the request arguments that list its table.
import type { EptEntryNode, EptTablesArguments, EptTablesResult } from '../protocol/dap';
import type { ViewRow } from './viewRow';

function sizeText(bytes: number): string {
  return bytes >= 1 << 30 ? `${bytes / (1 << 30)} GiB` : bytes >= 1 << 20 ? `${bytes / (1 << 20)} MiB` : `${bytes / 1024} KiB`;
}

function entryRow(node: EptEntryNode): ViewRow {
  const leaf = node.pageSize !== undefined;
  const bad = node.misconfiguration !== undefined ? ` · ✗ misconfigured: ${node.misconfiguration}` : '';
  const flags = node.flags.filter((f) => f !== 'R' && f !== 'W' && f !== 'X');
  const extra = leaf ? [`MT ${node.memoryType ?? '?'}`, node.ignorePat ? 'IPAT' : '', ...flags.filter((f) => f === 'A' || f === 'D')] : flags;
  const expand: EptTablesArguments | undefined = !leaf && node.table !== undefined && node.misconfiguration === undefined ? { table: node.table, level: node.level - 1, guestPhysical: node.guestPhysical } : undefined;
  return {
    label: `${node.levelName}[${node.index}] gpa ${node.guestPhysical}`,
    description: `${node.permissions}${leaf ? ` → hpa ${node.frame ?? '?'} · ${sizeText(node.pageSize!)}` : ''}${extra.filter(Boolean).length ? ` · ${extra.filter(Boolean).join(' ')}` : ''}${bad}`,
    tooltip: `EPT ${node.levelName} entry ${node.index} at hpa ${node.entryAddress}\nvalue ${node.value}\nflags ${node.flags.join(' ') || '(none)'}\nmaps guest-physical ${node.guestPhysical}${leaf ? ` (${sizeText(node.pageSize!)} page at hpa ${node.frame ?? '?'})` : node.table ? `\nnext table at hpa ${node.table}` : ''}${node.misconfiguration ? `\nEPT misconfiguration: ${node.misconfiguration}` : ''}`,
    icon: node.misconfiguration !== undefined ? 'error' : undefined,
    context: 'hyperscope.eptEntry',
    memory: leaf ? `hpa:${node.frame ?? node.entryAddress}` : `hpa:${node.table ?? node.entryAddress}`,
    ...(expand ? { expand } : {}),
  };
}

/** The children of an expanded entry: the next table's entries. */
export function eptChildRows(result: EptTablesResult): ViewRow[] {
  if (!result.available) return [{ label: result.reason, icon: 'info' }];
  return result.entries.length > 0 ? result.entries.map(entryRow) : [{ label: 'no present entries' }];
}

/** The rows for the root request: a header naming the EPTP with the PML4 entries beneath it, or why there is no EPT. */
export function eptRows(result: EptTablesResult): ViewRow[] {
  if (!result.available) return [{ label: result.reason, icon: 'info' }];
  return [
    {
      label: `EPTP ${result.eptp}`,
      description: `PML4 at hpa ${result.table} · ${result.walkLength}-level · MT ${result.memoryType} · A/D ${result.accessedDirty ? 'on' : 'off'}${result.enabled ? '' : ' · not in use ("enable EPT" clear)'}`,
      tooltip: `EPT pointer ${result.eptp}\nPML4 table at host-physical ${result.table}\npage-walk length ${result.walkLength}, memory type ${result.memoryType}, accessed/dirty flags ${result.accessedDirty ? 'enabled' : 'disabled'}`,
      children: eptChildRows(result),
      expanded: true,
      context: 'hyperscope.eptEntry',
      memory: `hpa:${result.table}`,
    },
  ];
}
