// A tree view in Run and Debug whose rows come from one DAP custom request, refreshed on
// every stop and state change of a Hyperscope session while visible (otherwise when it
// next becomes visible), cleared when the session ends; rows may expand lazily through the
// same request. The Guest Page Tables, EPT, VMCS and VM Exits views.
import * as vscode from 'vscode';
import type { DebugEvents } from './debugEvents';
import { describeError } from './outputChannel';
import { rowItem, type ViewRow } from './viewRow';

export interface RequestViewOptions<T> {
  readonly viewId: string;
  readonly command: string;
  readonly args?: object;
  /** What the rows say the data is, in "… unavailable: <error>". */
  readonly what: string;
  readonly rows: (result: T) => ViewRow[];
  /** Rows with `expand` get their children from the same request with those arguments, through this. */
  readonly children?: (result: T) => ViewRow[];
}

export class RequestTreeView<T> implements vscode.TreeDataProvider<ViewRow>, vscode.Disposable {
  private rows: ViewRow[] = [];
  private session: vscode.DebugSession | undefined;
  /** Bumped by every refresh and session end: a reply that arrives late is dropped. */
  private generation = 0;
  private stale = false;
  private readonly changed = new vscode.EventEmitter<void>();
  private readonly view: vscode.TreeView<ViewRow>;
  private readonly subscriptions: vscode.Disposable[];
  readonly onDidChangeTreeData = this.changed.event;

  constructor(
    events: DebugEvents,
    private readonly options: RequestViewOptions<T>,
  ) {
    this.view = vscode.window.createTreeView(options.viewId, { treeDataProvider: this, showCollapseAll: true });
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

  getChildren(row?: ViewRow): ViewRow[] | Promise<ViewRow[]> {
    if (!row) return this.rows;
    if (row.children || !row.expand || !this.options.children) return row.children ?? [];
    return this.expand(row);
  }

  /** Fetches a lazily expanded row's children (kept on the row until the next refresh replaces the rows). */
  async expand(row: ViewRow): Promise<ViewRow[]> {
    const session = this.session;
    if (!session || !row.expand || !this.options.children) return row.children ?? [];
    try {
      row.children = this.options.children((await session.customRequest(this.options.command, row.expand)) as T);
    } catch (error) {
      row.children = [{ label: `${this.options.what} unavailable: ${describeError(error)}` }];
    }
    return row.children;
  }

  /** The debug session the rows came from. */
  get debugSession(): vscode.DebugSession | undefined {
    return this.session;
  }

  /** Fetches the rows again now (after an edit). */
  async reload(): Promise<void> {
    this.stale = true;
    if (this.view.visible) await this.refresh();
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
      const result = (await session.customRequest(this.options.command, this.options.args)) as T;
      showIfCurrent(this.options.rows(result));
    } catch (error) {
      showIfCurrent([{ label: `${this.options.what} unavailable: ${describeError(error)}` }]);
    }
  }

  private show(rows: ViewRow[]): void {
    this.rows = rows;
    this.changed.fire();
  }
}
