// Debugging through VS Code's debug service: launch samples/hello.hvasm with the inline
// adapter and in a separate process, read its serial output, stop at a line breakpoint,
// and start a session from the "Debug This File" command (the configuration provider path).
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { startRecorded, topFrameLine, type RecordedSession } from './debugHarness';
import type { E2eContext } from './index';
import { assert, eventually, Skip, type TestCase } from './runner';

const HELLO_OUTPUT = 'Hello from the bare machine!';

/** 1-based line of the first line of `file` matching `pattern` (breakpoints by content, not number). */
function lineOf(file: string, pattern: RegExp): number {
  const index = fs.readFileSync(file, 'utf8').split('\n').findIndex((line) => pattern.test(line));
  if (index < 0) throw new Error(`${file} has no line matching ${pattern}`);
  return index + 1;
}

function requireAdapter(context: E2eContext, bundle: string): void {
  if (!fs.existsSync(path.join(context.extensionPath, 'dist', bundle))) throw new Skip(`dist/${bundle} is not built yet (no debug adapter entry in src/adapter)`);
}

async function setAdapterMode(mode: 'inline' | 'process'): Promise<void> {
  await vscode.workspace.getConfiguration('hyperscope').update('debugAdapter.mode', mode, vscode.ConfigurationTarget.Global);
}

function helloConfig(context: E2eContext, extra: Record<string, unknown> = {}): vscode.DebugConfiguration {
  return { type: 'hyperscope', request: 'launch', name: 'e2e hello', program: path.join(context.samples, 'hello.hvasm'), mode: 'bare', ...extra };
}

interface ViewRow {
  label: string;
  description?: string;
  children?: ViewRow[];
}

/** A view's rows, through the extension's API (the same provider the tree shows). */
function viewRows(view: 'pageWalk' | 'pageTables'): readonly ViewRow[] {
  const api = vscode.extensions.getExtension('hyperscope.hyperscope')?.exports as Record<string, { rows: () => readonly ViewRow[] } | undefined> | undefined;
  const rows = api?.[view]?.rows;
  if (!rows) throw new Error(`the extension API has no ${view}`);
  return rows();
}

function pageWalkRows(): readonly ViewRow[] {
  return viewRows('pageWalk');
}

/** The Guest Page Tables view at a bare-mode stop: CR3 0x5000, PML4[0] → PDPT[0..3] → 2 MiB pages. */
async function checkPageTables(): Promise<void> {
  await vscode.commands.executeCommand('hyperscope.pageTables.focus');
  const header = await eventually(() => {
    const first = viewRows('pageTables')[0];
    return first?.label.startsWith('CR3') ? first : undefined;
  }, 'the Guest Page Tables view to load');
  assert(header.label === 'CR3 0x5000', `header ${header.label}`);
  const pml4 = header.children?.[0];
  assert(pml4 && /^PML4\[0\]/.test(pml4.label), `first PML4 row ${JSON.stringify(pml4?.label)}`);
  const pdpts = pml4.children ?? [];
  assert(pdpts.length >= 4 && /^PDPT\[3\]/.test(pdpts[3]!.label), `PDPT rows ${JSON.stringify(pdpts.map((row) => row.label))}`);
  const pd1 = pdpts[0]!.children?.[1];
  assert(pd1 && /^PD\[1\] 0x200000$/.test(pd1.label) && /→ 0x200000 · 2 MiB/.test(pd1.description ?? ''), `PD[1] ${JSON.stringify(pd1)}`);
  await screenshot('breakpoint-page-tables', 'hyperscope.pageTables.focus');
  // A row's inline action walks its address in the Page Walk view.
  await vscode.commands.executeCommand('hyperscope.pageWalk.walkAddress', pd1);
  await pageWalkHeader((h) => h.label.startsWith('0x200000 '), 'the walk of the PD[1] row');
}

/** Waits until the view's header row satisfies `test`, then returns it. */
function pageWalkHeader(test: (header: ViewRow) => boolean, what: string): Promise<ViewRow> {
  return eventually(() => {
    const header = pageWalkRows()[0];
    return header && test(header) ? header : undefined;
  }, what);
}

/** Reveals a view, then asks scripts/e2e-run.mjs for a screenshot (test-results/e2e-NAME.png) and gives it time. */
async function screenshot(name: string, revealCommand: string): Promise<void> {
  // Make room in Run and Debug: hide Variables, Watch and Breakpoints in this throwaway profile.
  for (const view of ['workbench.debug.watchExpressionsView', 'workbench.debug.breakPointsView', 'workbench.debug.variablesView']) {
    await Promise.resolve(vscode.commands.executeCommand(`${view}.removeView`)).catch(() => undefined);
  }
  await vscode.commands.executeCommand(revealCommand);
  // A view that appeared with its `when` clause may keep a stale zero-height layout: relayout the side bar.
  await vscode.commands.executeCommand('workbench.action.toggleSidebarVisibility');
  await vscode.commands.executeCommand('workbench.action.toggleSidebarVisibility');
  await new Promise((resolve) => setTimeout(resolve, 500));
  console.log(`[e2e-screenshot] ${name}`);
  await new Promise((resolve) => setTimeout(resolve, 1000));
}

function folder(): vscode.WorkspaceFolder | undefined {
  return vscode.workspace.workspaceFolders?.[0];
}

async function runToEnd(context: E2eContext, recorded: RecordedSession, metric: string, started: number): Promise<void> {
  await recorded.waitForTermination();
  context.metrics[metric] = Math.round(performance.now() - started);
  assert(recorded.output.includes(HELLO_OUTPUT), `serial output ${JSON.stringify(recorded.output)} lacks "${HELLO_OUTPUT}"`);
  const exited = recorded.events('exited')[0];
  if (exited) assert(exited.body?.exitCode === 0, `exited with ${JSON.stringify(exited.body)}`);
}

interface NamedLaunch {
  name: string;
  program?: string;
}

/** The samples workspace's launch.json configurations that name a program file of their own. */
function sampleLaunches(): NamedLaunch[] {
  const launches = vscode.workspace.getConfiguration('launch', folder()?.uri).get<NamedLaunch[]>('configurations', []);
  return launches.filter((launch) => typeof launch.program === 'string' && launch.program.startsWith('${workspaceFolder}/'));
}

export function debugTests(context: E2eContext): TestCase[] {
  return [
    {
      name: 'every sample configuration in samples/.vscode/launch.json runs to its exit (or to the stop its name announces)',
      timeoutMs: 60_000,
      run: async () => {
        requireAdapter(context, 'adapterInline.js');
        const launches = sampleLaunches();
        assert(launches.length > 0, 'samples/.vscode/launch.json has no sample configurations');
        for (const launch of launches) {
          const file = path.join(context.samples, launch.program!.slice('${workspaceFolder}/'.length));
          assert(fs.existsSync(file), `launch configuration "${launch.name}" names a missing file ${file}`);
          const recorded = await startRecorded(folder(), launch.name);
          try {
            if (/\(stops at /.test(launch.name)) {
              // a sample meant to stop (an unhandled VM exit): it must stop with an exception, then end on request
              const stop = await recorded.waitForStop();
              assert(stop.reason === 'exception', `"${launch.name}" stopped with ${JSON.stringify(stop)}; expected an exception stop`);
              await vscode.debug.stopDebugging();
              await recorded.waitForTermination();
              continue;
            }
            await recorded.waitForTermination();
          } catch (error) {
            // Leave no session behind: the next tests talk to the active debug session.
            await vscode.debug.stopDebugging();
            throw new Error(`sample configuration "${launch.name}": ${(error as Error).message}`);
          }
          assert(recorded.events('exited').length === 1, `"${launch.name}" ended without an exited event; output ${JSON.stringify(recorded.output)}`);
        }
        context.metrics.sampleConfigurations = launches.length;
      },
    },
    {
      name: 'launching hello.hvasm (inline adapter) prints its output and terminates',
      run: async () => {
        requireAdapter(context, 'adapterInline.js');
        await setAdapterMode('inline');
        const started = performance.now();
        await runToEnd(context, await startRecorded(folder(), helloConfig(context)), 'inlineLaunchToTerminateMs', started);
      },
    },
    {
      name: 'a line breakpoint in hello.hvasm stops there, then the run completes',
      run: async () => {
        requireAdapter(context, 'adapterInline.js');
        const program = path.join(context.samples, 'hello.hvasm');
        const line = lineOf(program, /^\s*out\s+dx,\s*al/);
        const breakpoint = new vscode.SourceBreakpoint(new vscode.Location(vscode.Uri.file(program), new vscode.Position(line - 1, 0)));
        vscode.debug.addBreakpoints([breakpoint]);
        try {
          const recorded = await startRecorded(folder(), helloConfig(context));
          const stop = await recorded.waitForStop();
          assert(stop.reason === 'breakpoint', `stopped for ${JSON.stringify(stop)}, expected a breakpoint`);
          const threadId = typeof stop.threadId === 'number' ? stop.threadId : 1;
          const stoppedAt = await topFrameLine(recorded, threadId);
          assert(stoppedAt === line, `stopped at line ${stoppedAt}, breakpoint is on line ${line}`);
          // The Page Walk view follows RIP: bare mode identity-maps with 2 MiB pages, so
          // PML4 → PDPT → PD ends in a large page and hpa equals the linear address.
          const rip = await pageWalkHeader((h) => /rip, execute/.test(h.label) && /hpa/.test(h.description ?? ''), 'the Page Walk view to show the walk of RIP');
          const levels = (rip.children ?? []).map((row) => row.label);
          assert(levels.length === 3 && /^1\. PML4\[0\]/.test(levels[0]!) && /PDPT\[0\]/.test(levels[1]!) && /PD\[0\]/.test(levels[2]!), `walk rows ${JSON.stringify(levels)}`);
          assert(/2 MiB page/.test(rip.description ?? ''), `header ${JSON.stringify(rip)}`);
          const linear = BigInt(rip.label.split(' ')[0]!);
          assert(new RegExp(`hpa 0x0*${linear.toString(16)}\\b`).test(rip.description ?? ''), `identity map expected: ${JSON.stringify(rip)}`);
          await screenshot('breakpoint-page-walk', 'hyperscope.pageWalk.focus');
          await vscode.commands.executeCommand('hyperscope.pageWalk.walkAddress', '0x8000000000');
          const unmapped = await pageWalkHeader((h) => h.label.startsWith('0x8000000000'), 'the walk of an unmapped address');
          assert((unmapped.description ?? '').startsWith('✗'), `0x8000000000 should not translate: ${JSON.stringify(unmapped)}`);
          await checkPageTables();
          await vscode.commands.executeCommand('hyperscope.pageWalk.followRip');
          await pageWalkHeader((h) => h.label === rip.label, 'the view to follow RIP again');
          // One step: a new stop, and the view walks the new RIP.
          await recorded.session?.customRequest('next', { threadId });
          const step = await recorded.waitForStop(2);
          assert(step.reason === 'step', `second stop ${JSON.stringify(step)}`);
          await pageWalkHeader((h) => /rip, execute/.test(h.label) && h.label !== rip.label, 'the Page Walk view to follow RIP after a step');
          vscode.debug.removeBreakpoints([breakpoint]);
          await recorded.session?.customRequest('setBreakpoints', { source: { path: program }, breakpoints: [] });
          await recorded.session?.customRequest('continue', { threadId });
          await recorded.waitForTermination();
          assert(recorded.output.includes(HELLO_OUTPUT), `serial output ${JSON.stringify(recorded.output)} lacks "${HELLO_OUTPUT}"`);
        } finally {
          vscode.debug.removeBreakpoints([breakpoint]);
        }
      },
    },
    {
      name: 'with debugAdapter.mode "process" the adapter runs as node dist/adapter.js',
      run: async () => {
        requireAdapter(context, 'adapter.js');
        await setAdapterMode('process');
        try {
          const started = performance.now();
          await runToEnd(context, await startRecorded(folder(), helloConfig(context)), 'processLaunchToTerminateMs', started);
        } finally {
          await setAdapterMode('inline');
        }
      },
    },
    {
      name: 'an empty configuration (F5 without launch.json) debugs the active hvasm file',
      run: async () => {
        requireAdapter(context, 'adapterInline.js');
        const program = path.join(context.samples, 'hello.hvasm');
        await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(program));
        const recorded = await startRecorded(undefined, { type: 'hyperscope', request: '', name: '' });
        await recorded.waitForTermination();
        const launched = recorded.session?.configuration;
        assert(launched?.program === program && launched.request === 'launch', `resolved to ${JSON.stringify(launched)}`);
        assert(recorded.output.includes(HELLO_OUTPUT), `serial output ${JSON.stringify(recorded.output)}`);
      },
    },
    {
      name: '"Debug This File" on the active hvasm editor starts and finishes a session',
      run: async () => {
        requireAdapter(context, 'adapterInline.js');
        const document = await vscode.workspace.openTextDocument(path.join(context.samples, 'hello.hvasm'));
        await vscode.window.showTextDocument(document);
        const ended = new Promise<vscode.DebugSession>((resolve) => {
          const listener = vscode.debug.onDidTerminateDebugSession((session) => {
            listener.dispose();
            resolve(session);
          });
        });
        const started = await vscode.commands.executeCommand<boolean>('hyperscope.debugThisFile');
        assert(started === true, `hyperscope.debugThisFile returned ${String(started)}`);
        const session = await ended;
        assert(session.configuration.program === document.uri.fsPath, `session ran ${String(session.configuration.program)}`);
      },
    },
  ];
}
