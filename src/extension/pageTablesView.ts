// The "Guest Page Tables" view in Run and Debug: the guest's 4-level tables from CR3 as a
// tree of present entries (PML4 → PDPT → PD → PT, huge pages as leaves), collapsed until
// expanded. Fetched through the `hyperscope/pageTables` custom request on every stop, but
// only while the view is visible (otherwise when it next becomes visible).
import { CustomRequest, type PageTableNode, type PageTablesArguments, type PageTablesResult } from '../protocol/dap';
import type { DebugEvents } from './debugEvents';
import { RequestTreeView } from './requestView';
import type { ViewRow } from './viewRow';

export const PAGE_TABLES_VIEW = 'hyperscope.pageTables';
/** Enough for the bare-mode identity map of 4 GiB in 2 MiB pages (2048 PD entries) and more. */
const MAX_ENTRIES = 8192;

function sizeText(bytes: number): string {
  return bytes >= 1 << 30 ? `${bytes / (1 << 30)} GiB` : bytes >= 1 << 20 ? `${bytes / (1 << 20)} MiB` : `${bytes / 1024} KiB`;
}

function nodeRow(node: PageTableNode): ViewRow {
  const leaf = node.pageSize !== undefined;
  return {
    label: `${node.levelName}[${node.index}] ${node.linearBase}`,
    description: leaf ? `→ ${node.frame ?? '?'} · ${sizeText(node.pageSize!)} · ${node.flags.join(' ')}` : `${node.flags.join(' ')} · ${node.children?.length ?? 0} present`,
    tooltip: `${node.levelName} entry ${node.index} at gpa ${node.entryAddress}\nvalue ${node.value}\nmaps linear ${node.linearBase}${leaf ? ` (${sizeText(node.pageSize!)} page at ${node.frame ?? '?'})` : ''}`,
    children: node.children?.map(nodeRow),
    context: 'hyperscope.pageTableEntry',
    address: node.linearBase,
    // the mapped page for a leaf, the next table for a table entry (both guest-physical)
    memory: leaf ? `gpa:${node.frame ?? node.entryAddress}` : `gpa:0x${(BigInt(node.value) & 0x000ffffffffff000n).toString(16)}`,
  };
}

/** The rows for one result: a header naming CR3 with the PML4 entries beneath it. */
export function pageTableRows(result: PageTablesResult): ViewRow[] {
  if (!result.pagingEnabled) return [{ label: `CR3 ${result.cr3}`, description: 'paging disabled (CR0.PG = 0)' }];
  return [
    {
      label: `CR3 ${result.cr3}`,
      description: `${result.entries} present entries${result.truncated ? ` (first ${result.entries} shown)` : ''}`,
      children: result.roots.map(nodeRow),
      expanded: true,
    },
  ];
}

/** The view: the shared request-fed tree with the page-table rows. */
export function createPageTablesView(events: DebugEvents): RequestTreeView<PageTablesResult> {
  return new RequestTreeView<PageTablesResult>(events, {
    viewId: PAGE_TABLES_VIEW,
    command: CustomRequest.pageTables,
    args: { maxEntries: MAX_ENTRIES } satisfies PageTablesArguments,
    what: 'page tables',
    rows: pageTableRows,
  });
}
