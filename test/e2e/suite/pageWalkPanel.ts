// The page-walk visualizer in a real VS Code: stop hello.hvasm at a breakpoint, run
// "Hyperscope: Show Page Walk Visualizer", and read what the webview rendered. The webview
// is an iframe the extension host cannot reach, so the webview reports a summary read from
// its own DOM (accesses in order with their aria labels, the stop line, greyed cells) and
// the panel host exposes it through the extension's API; the harness saves a screenshot.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { PAGE_WALK_VIEW_TYPE, type RenderedSummary } from '../../../src/protocol/webview';
import { startRecorded, type RecordedSession } from './debugHarness';
import type { E2eContext } from './index';
import { assert, eventually, Skip, type TestCase } from './runner';

interface PanelApi {
  rendered: () => RenderedSummary | undefined;
  onDidRender: vscode.Event<RenderedSummary>;
}

function panelApi(): PanelApi {
  const api = vscode.extensions.getExtension('hyperscope.hyperscope')?.exports as { pageWalkPanel?: PanelApi } | undefined;
  if (!api?.pageWalkPanel) throw new Error('the extension API has no pageWalkPanel');
  return api.pageWalkPanel;
}

/** Waits until the webview reports a render that satisfies `test`. */
function rendered(test: (summary: RenderedSummary) => boolean, what: string): Promise<RenderedSummary> {
  return eventually(() => {
    const summary = panelApi().rendered();
    return summary && test(summary) ? summary : undefined;
  }, what);
}

function lineOf(file: string, pattern: RegExp): number {
  const index = fs.readFileSync(file, 'utf8').split('\n').findIndex((line) => pattern.test(line));
  if (index < 0) throw new Error(`${file} has no line matching ${pattern}`);
  return index + 1;
}

/** The visualizer's editor tab (its view type is prefixed by the workbench). */
function panelTab(): vscode.Tab | undefined {
  return vscode.window.tabGroups.all.flatMap((group) => group.tabs).find((tab) => tab.input instanceof vscode.TabInputWebview && tab.input.viewType.endsWith(PAGE_WALK_VIEW_TYPE));
}

/** Saves what the webview rendered next to the screenshot, and asks the harness for the picture. */
async function saveArtifacts(context: E2eContext, name: string, summary: RenderedSummary): Promise<void> {
  const metrics = process.env.HYPERSCOPE_E2E_METRICS;
  const folder = metrics ? path.dirname(metrics) : path.join(context.extensionPath, 'test-results');
  fs.mkdirSync(folder, { recursive: true });
  fs.writeFileSync(path.join(folder, `e2e-${name}.json`), JSON.stringify(summary, null, 2) + '\n');
  // Room for the grid: no bottom panel, no secondary side bar, the visualizer's group widest.
  const focusGroup = ['workbench.action.focusFirstEditorGroup', 'workbench.action.focusSecondEditorGroup', 'workbench.action.focusThirdEditorGroup'][(panelTab()?.group.viewColumn ?? 1) - 1];
  for (const command of ['workbench.action.closePanel', 'workbench.action.closeAuxiliaryBar', focusGroup, 'workbench.action.minimizeOtherEditors']) {
    if (command) await Promise.resolve(vscode.commands.executeCommand(command)).catch(() => undefined);
  }
  await new Promise((resolve) => setTimeout(resolve, 700));
  console.log(`[e2e-screenshot] ${name}`);
  await new Promise((resolve) => setTimeout(resolve, 1000));
  await Promise.resolve(vscode.commands.executeCommand('workbench.action.evenEditorWidths')).catch(() => undefined);
}

/** Stops samples/hello.hvasm (in `mode`) at its `out dx, al`, runs `body`, then lets it finish; closes the panel. */
async function atHelloBreakpoint(context: E2eContext, mode: 'bare' | 'guest', body: (recorded: RecordedSession) => Promise<void>): Promise<void> {
  if (!fs.existsSync(path.join(context.extensionPath, 'dist', 'webview.js'))) throw new Skip('dist/webview.js is not built');
  const program = path.join(context.samples, 'hello.hvasm');
  const line = lineOf(program, /^\s*out\s+dx,\s*al/);
  const breakpoint = new vscode.SourceBreakpoint(new vscode.Location(vscode.Uri.file(program), new vscode.Position(line - 1, 0)));
  vscode.debug.addBreakpoints([breakpoint]);
  try {
    const recorded = await startRecorded(vscode.workspace.workspaceFolders?.[0], { type: 'hyperscope', request: 'launch', name: `e2e visualizer (${mode})`, program, mode });
    const stop = await recorded.waitForStop();
    assert(stop.reason === 'breakpoint', `stopped for ${JSON.stringify(stop)}`);
    await body(recorded);
    vscode.debug.removeBreakpoints([breakpoint]);
    await recorded.session?.customRequest('setBreakpoints', { source: { path: program }, breakpoints: [] });
    await recorded.session?.customRequest('continue', { threadId: typeof stop.threadId === 'number' ? stop.threadId : 1 });
    await recorded.waitForTermination();
    await rendered((s) => s.layout === 'none', 'the panel to say the session ended');
  } finally {
    vscode.debug.removeBreakpoints([breakpoint]);
    const tab = panelTab();
    if (tab) await vscode.window.tabGroups.close(tab);
  }
}

export function pageWalkPanelTests(context: E2eContext): TestCase[] {
  return [
    {
      name: 'the page-walk visualizer shows the walk of RIP at a breakpoint (webview DOM, screenshot)',
      timeoutMs: 45_000,
      run: () =>
        atHelloBreakpoint(context, 'bare', async (recorded) => {
          const program = path.join(context.samples, 'hello.hvasm');
          await vscode.commands.executeCommand('hyperscope.showPageWalk', 'rip');
          // Bare mode identity-maps the first GiBs with 2 MiB pages: PML4 → PDPT → PD (leaf), no EPT.
          const rip = await rendered((s) => s.layout !== 'none', 'the visualizer to render the walk of RIP');
          assert(rip.layout === 'one-dimensional', `layout ${rip.layout}: ${JSON.stringify(rip)}`);
          assert(rip.accesses.length === 3, `accesses ${JSON.stringify(rip.accesses)}`);
          assert(/^1\. Access 1: guest PML4\[0\] at HPA 0x5000/.test(rip.accesses[0]!), `first access ${rip.accesses[0]}`);
          assert(/^2\. Access 2: guest PDPT\[0\]/.test(rip.accesses[1]!), `second access ${rip.accesses[1]}`);
          assert(/^3\. Access 3: guest PD\[0\] .*PS.*, leaf, 2 MiB page$/.test(rip.accesses[2]!), `third access ${rip.accesses[2]}`);
          assert(/^Translated: 0x10[0-9a-f]{4} → HPA 0x10[0-9a-f]{4} — huge page shortcut: guest PD\[0\] maps a 2 MiB page$/.test(rip.stop), `stop line ${rip.stop}`);
          assert(rip.linear === rip.stop.split(' ')[1], `linear ${rip.linear} vs ${rip.stop}`);
          await saveArtifacts(context, 'page-walk-panel', rip);

          // Hidden behind an editor and shown again, the webview loads anew (no retained
          // context) and redraws the walk from its saved state before the host answers.
          const tab = panelTab();
          assert(tab, 'no visualizer tab');
          const cover = await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(program), { viewColumn: tab.group.viewColumn, preview: false });
          assert(panelTab()?.isActive === false, 'the visualizer is still the active tab of its group');
          const renders: RenderedSummary[] = [];
          const listener = panelApi().onDidRender((summary) => renders.push(summary));
          await vscode.commands.executeCommand('hyperscope.showPageWalk');
          const restored = await eventually(() => renders.find((s) => s.fromState), 'the webview to redraw from its saved state').finally(() => listener.dispose());
          assert(JSON.stringify({ ...restored, fromState: false }) === JSON.stringify({ ...rip, fromState: false }), `restored ${JSON.stringify(restored)} differs from ${JSON.stringify(rip)}`);
          const coverTab = vscode.window.tabGroups.all.find((group) => group.viewColumn === cover.viewColumn)?.tabs.find((t) => t.input instanceof vscode.TabInputText && t.input.uri.fsPath === program);
          if (coverTab && cover.viewColumn !== vscode.ViewColumn.One) await vscode.window.tabGroups.close(coverTab);

          // The same panel walks an address given by a row or a test; an unmapped one stops at PML4.
          await vscode.commands.executeCommand('hyperscope.showPageWalk', '0x8000000000');
          const unmapped = await rendered((s) => s.linear === '0x8000000000', 'the walk of an unmapped address');
          assert(/^Stopped: not present \(P = 0\) at guest PML4\[1\] at access 1/.test(unmapped.stop), `stop line ${unmapped.stop}`);
          assert(unmapped.skippedCells === 4, `greyed cells ${unmapped.skippedCells}: ${JSON.stringify(unmapped)}`);

          // Back to RIP; one step is a new stop, and the panel walks the new RIP.
          await vscode.commands.executeCommand('hyperscope.showPageWalk', 'rip');
          await rendered((s) => s.linear === rip.linear, 'the visualizer to follow RIP again');
          const threadId = recorded.events('stopped')[0]?.body?.threadId;
          await recorded.session?.customRequest('next', { threadId: typeof threadId === 'number' ? threadId : 1 });
          await recorded.waitForStop(2);
          const stepped = await rendered((s) => s.layout === 'one-dimensional' && s.linear !== rip.linear, 'the visualizer to follow RIP after a step');
          assert(stepped.accesses.length === 3, `after the step: ${JSON.stringify(stepped)}`);
        }),
    },
    {
      name: 'under the built-in hypervisor the visualizer shows the two-dimensional walk through EPT',
      timeoutMs: 45_000,
      run: () =>
        atHelloBreakpoint(context, 'guest', async () => {
          await vscode.commands.executeCommand('hyperscope.showPageWalk', 'rip');
          // Guest PML4 → PDPT → PD (2 MiB leaf), each table's GPA and the data GPA through
          // EPT PML4 → PDPT → PD (2 MiB leaf): 4 rows × 3 EPT reads + 3 guest reads = 15.
          const walk = await rendered((s) => s.layout !== 'none', 'the visualizer to render the two-dimensional walk');
          assert(walk.layout === 'two-dimensional', `layout ${walk.layout}: ${JSON.stringify(walk)}`);
          assert(walk.accesses.length === 15, `accesses ${JSON.stringify(walk.accesses)}`);
          const kinds = walk.accesses.map((a) => /^\d+\. Access \d+: (guest |EPT )?(\w+)/.exec(a)?.slice(1).join('').trim());
          const row = ['EPT PML4', 'EPT PDPT', 'EPT PD'];
          assert(JSON.stringify(kinds) === JSON.stringify([...row, 'guest PML4', ...row, 'guest PDPT', ...row, 'guest PD', ...row]), `order ${JSON.stringify(kinds)}`);
          assert(/^4\. Access 4: guest PML4\[0\] at GPA 0x5000 \(HPA 0x[0-9a-f]+\)/.test(walk.accesses[3]!), `access 4 ${walk.accesses[3]}`);
          assert(/translating the data address .*2 MiB page$/.test(walk.accesses[14]!), `access 15 ${walk.accesses[14]}`);
          assert(/^Translated: 0x10[0-9a-f]{4} → GPA 0x10[0-9a-f]{4} → HPA 0x[0-9a-f]+ — huge page shortcut: guest PD\[0\] maps a 2 MiB page$/.test(walk.stop), `stop line ${walk.stop}`);
          // Greyed: the EPT PT column of the four walked rows (EPT 2 MiB pages) and the whole guest PT row.
          assert(walk.skippedCells === 4 + 5, `greyed cells ${walk.skippedCells}`);
          await saveArtifacts(context, 'page-walk-panel-ept', walk);
        }),
    },
  ];
}
