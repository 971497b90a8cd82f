// The "Guest Page Tables" view in Run and Debug: the guest's 4-level tables from CR3 as a
// tree of present entries (PML4 → PDPT → PD → PT, huge pages as leaves), collapsed until
// expanded. Fetched through the `hyperscope/pageTables` custom request on every stop, but
// only while the view is visible (otherwise when it next becomes visible).
import * as vscode from 'vscode';
import { CustomRequest, type PageTableNode, type PageTablesArguments, type PageTablesResult } from '../protocol/dap';
import type { DebugEvents } from './debugEvents';
import { describeError } from './outputChannel';
import { rowItem, type ViewRow } from './viewRow';

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

export class PageTablesView implements vscode.TreeDataProvider<ViewRow>, vscode.Disposable {
  private rows: ViewRow[] = [];
  private session: vscode.DebugSession | undefined;
  /** Bumped by every refresh and session end: a reply that arrives late is dropped. */
  private generation = 0;
  private stale = false;
  private readonly changed = new vscode.EventEmitter<void>();
  private readonly view: vscode.TreeView<ViewRow>;
  private readonly subscriptions: vscode.Disposable[];
  readonly onDidChangeTreeData = this.changed.event;

  constructor(events: DebugEvents) {
    this.view = vscode.window.createTreeView(PAGE_TABLES_VIEW, { treeDataProvider: this, showCollapseAll: true });
    this.subscriptions = [
      this.view,
      events.onDidStop((session) => void this.invalidate(session)),
      events.onDidChangeState((session) => void this.invalidate(session)),
      events.onDidEnd((session) => {
        if (session.id !== this.session?.id) return;
        this.session = undefined;
        this.generation++;
        this.show([]);
      }),
      this.view.onDidChangeVisibility(({ visible }) => {
        if (visible && this.stale) void this.refresh();
      }),
    ];
  }

  getTreeItem(row: ViewRow): vscode.TreeItem {
    return rowItem(row);
  }

  getChildren(row?: ViewRow): ViewRow[] {
    return row ? (row.children ?? []) : this.rows;
  }

  get current(): readonly ViewRow[] {
    return this.rows;
  }

  dispose(): void {
    for (const subscription of this.subscriptions) subscription.dispose();
    this.changed.dispose();
  }

  private async invalidate(session: vscode.DebugSession): Promise<void> {
    this.session = session;
    this.stale = true;
    if (this.view.visible) await this.refresh();
  }

  private async refresh(): Promise<void> {
    const session = this.session;
    if (!session) return;
    this.stale = false;
    const generation = ++this.generation;
    const showIfCurrent = (rows: ViewRow[]): void => {
      if (generation === this.generation) this.show(rows);
    };
    try {
      const result = (await session.customRequest(CustomRequest.pageTables, { maxEntries: MAX_ENTRIES } satisfies PageTablesArguments)) as PageTablesResult;
      showIfCurrent(pageTableRows(result));
    } catch (error) {
      showIfCurrent([{ label: `page tables unavailable: ${describeError(error)}` }]);
    }
  }

  private show(rows: ViewRow[]): void {
    this.rows = rows;
    this.changed.fire();
  }
}
