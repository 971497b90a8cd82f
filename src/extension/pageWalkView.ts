// The "Page Walk" view in Run and Debug: the walk of one guest-virtual address through the
// guest's page tables (and the EPT when a guest runs under it), one row per table access,
// refreshed on every stop. The address follows RIP (an instruction fetch) unless the user
// picked one. Data comes only from the `hyperscope/pageWalk` and `hyperscope/registers`
// custom requests.
import * as vscode from 'vscode';
import type { PageWalkArguments, PageWalkResult, PageWalkStep } from '../protocol/dap';
import { targetLabel, targetOf, type WalkTarget } from '../protocol/webview';
import type { DebugEvents } from './debugEvents';
import { describeError } from './outputChannel';
import { rowItem, type ViewRow } from './viewRow';
import { requestWalk } from './walkRequest';

export const PAGE_WALK_VIEW = 'hyperscope.pageWalk';

/** What the view shows for the address it walks (the visualizer panel's target type). */
type Target = WalkTarget;

export type PageWalkRow = ViewRow;

function pageSizeText(bytes: number | undefined): string {
  if (bytes === undefined) return '';
  return bytes >= 1 << 30 ? `${bytes / (1 << 30)} GiB page` : bytes >= 1 << 20 ? `${bytes / (1 << 20)} MiB page` : `${bytes / 1024} KiB page`;
}

function stepRow(step: PageWalkStep, number: number): PageWalkRow {
  const where = step.table === 'ept' ? `gpa ${step.entryAddress}` : `${step.entryAddress}`;
  return {
    label: `${number}. ${step.levelName}[${step.index}] = ${step.value}`,
    description: [step.flags.join(' '), step.outcome, pageSizeText(step.pageSize)].filter(Boolean).join(' · '),
    tooltip: `${step.table === 'ept' ? 'EPT' : 'guest'} ${step.levelName} entry ${step.index}\nentry at ${where} (host-physical ${step.entryHostAddress})\nvalue ${step.value}\nflags ${step.flags.join(' ') || '(none)'}\noutcome ${step.outcome}`,
    // the entry in its table: guest tables by guest-physical address, EPT tables by host-physical
    context: 'hyperscope.pageWalkStep',
    memory: step.table === 'ept' ? `hpa:${step.entryHostAddress}` : `gpa:${step.entryAddress}`,
  };
}

/** The rows for one walk: a header with the result, the numbered accesses beneath it. */
export function walkRows(walk: PageWalkResult, access: string): PageWalkRow[] {
  const result = walk.ok
    ? `→ ${walk.guestPhysical && walk.guestPhysical !== walk.physical ? `gpa ${walk.guestPhysical} → ` : ''}hpa ${walk.physical ?? '?'}`
    : `✗ ${walk.fault ?? 'no translation'}`;
  const header: PageWalkRow = {
    label: `${walk.linear} (${access})`,
    description: `${result}${walk.pageSize ? ` · ${pageSizeText(walk.pageSize)}` : ''}`,
    tooltip: walk.pagingEnabled ? undefined : 'Paging is disabled: linear addresses are physical.',
    children: walk.steps.map((step, index) => stepRow(step, index + 1)),
    expanded: true,
    // "Open in Visualizer" on this row opens the panel on the view's own target (no address: RIP stays RIP).
    context: 'hyperscope.pageWalkHeader',
  };
  if (!walk.pagingEnabled) header.children = [{ label: 'paging disabled (CR0.PG = 0): linear = physical' }];
  return [header];
}

export class PageWalkView implements vscode.TreeDataProvider<PageWalkRow>, vscode.Disposable {
  private rows: PageWalkRow[] = [];
  private target: Target = { kind: 'rip' };
  private session: vscode.DebugSession | undefined;
  /** Bumped by every refresh and session end: a reply that arrives late is dropped. */
  private generation = 0;
  private readonly changed = new vscode.EventEmitter<void>();
  private readonly subscriptions: vscode.Disposable[];
  /** Fires after every refresh (tests wait on it). */
  readonly onDidChangeTreeData = this.changed.event;

  constructor(events: DebugEvents) {
    this.subscriptions = [
      events.onDidStop((session) => void this.refresh(session)),
      events.onDidChangeState((session) => void this.refresh(session)),
      events.onDidEnd((session) => {
        if (session.id !== this.session?.id) return;
        this.session = undefined;
        this.generation++;
        this.show([]);
      }),
      vscode.window.registerTreeDataProvider(PAGE_WALK_VIEW, this),
    ];
  }

  getTreeItem(row: PageWalkRow): vscode.TreeItem {
    return rowItem(row);
  }

  getChildren(row?: PageWalkRow): PageWalkRow[] {
    return row ? (row.children ?? []) : this.rows;
  }

  /** What the view walks now (the visualizer opens on it). */
  get currentTarget(): Target {
    return this.target;
  }

  /** The rows shown now. */
  get current(): readonly PageWalkRow[] {
    return this.rows;
  }

  /** Walks `address` (typed by the user when omitted) from now on; undefined address returns to RIP. */
  async walkAddress(address?: string, access: NonNullable<PageWalkArguments['access']> = 'read'): Promise<void> {
    const typed = address ?? (await vscode.window.showInputBox({ prompt: 'Guest-virtual address to walk (e.g. 0x100000, rip, or cr2)', value: this.target.kind === 'address' ? this.target.address : '' }));
    if (typed === undefined) return;
    this.target = targetOf(typed, access);
    await this.refresh(this.session ?? vscode.debug.activeDebugSession);
  }

  async refresh(session: vscode.DebugSession | undefined): Promise<void> {
    if (!session || session.type !== 'hyperscope') return;
    this.session = session;
    const generation = ++this.generation;
    const showIfCurrent = (rows: PageWalkRow[]): void => {
      if (generation === this.generation) this.show(rows);
    };
    try {
      const target = this.target;
      showIfCurrent(walkRows(await requestWalk(session, target), targetLabel(target)));
    } catch (error) {
      showIfCurrent([{ label: `page walk unavailable: ${describeError(error)}` }]);
    }
  }

  dispose(): void {
    for (const subscription of this.subscriptions) subscription.dispose();
    this.changed.dispose();
  }

  private show(rows: PageWalkRow[]): void {
    this.rows = rows;
    this.changed.fire();
  }
}
