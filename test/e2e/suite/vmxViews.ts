// The VMCS and VM Exits views in a real VS Code: launch the samples' "guest: port I/O exits"
// configuration stopped on entry, enable the I/O VM-exit exception filter, continue to the
// first I/O exit, and read both views through the extension's API (the rows the trees
// show); the harness saves a screenshot of the VMCS view.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { startRecorded } from './debugHarness';
import type { E2eContext } from './index';
import { assert, eventually, Skip, type TestCase } from './runner';

const LAUNCH_NAME = 'guest: port I/O exits';
const IO_FILTER = 'vm-exit-io';

interface ViewRow {
  label: string;
  description?: string;
  children?: ViewRow[];
}

function viewRows(view: 'vmcs' | 'vmExits' | 'pageWalk'): readonly ViewRow[] {
  const api = vscode.extensions.getExtension('hyperscope.hyperscope')?.exports as Record<string, { rows: () => readonly ViewRow[] } | undefined> | undefined;
  const rows = api?.[view]?.rows;
  if (!rows) throw new Error(`the extension API has no ${view}`);
  return rows();
}

function launchConfig(folder: vscode.WorkspaceFolder | undefined): vscode.DebugConfiguration {
  const launches = vscode.workspace.getConfiguration('launch', folder?.uri).get<vscode.DebugConfiguration[]>('configurations', []);
  const launch = launches.find((l) => l.name === LAUNCH_NAME);
  if (!launch) throw new Error(`samples/.vscode/launch.json has no "${LAUNCH_NAME}" configuration`);
  return { ...launch, stopOnEntry: true };
}

async function screenshot(name: string, revealCommand: string): Promise<void> {
  await vscode.commands.executeCommand(revealCommand);
  await vscode.commands.executeCommand('workbench.action.toggleSidebarVisibility');
  await vscode.commands.executeCommand('workbench.action.toggleSidebarVisibility');
  await new Promise((resolve) => setTimeout(resolve, 500));
  console.log(`[e2e-screenshot] ${name}`);
  await new Promise((resolve) => setTimeout(resolve, 1000));
}

export function vmxViewsTests(context: E2eContext): TestCase[] {
  return [
    {
      name: 'stopping on the I/O VM-exit breakpoint, the VMCS view shows exit reason 30 and VM Exits counts it (screenshot)',
      timeoutMs: 45_000,
      run: async () => {
        if (!fs.existsSync(path.join(context.extensionPath, 'dist', 'adapterInline.js'))) throw new Skip('dist/adapterInline.js is not built');
        const folder = vscode.workspace.workspaceFolders?.[0];
        const recorded = await startRecorded(folder, launchConfig(folder));
        try {
          const entry = await recorded.waitForStop(1);
          assert(entry.reason === 'entry', `first stop ${JSON.stringify(entry)}`);
          const session = recorded.session;
          assert(session, 'no session recorded');
          await session.customRequest('setExceptionBreakpoints', { filters: [IO_FILTER] });
          await session.customRequest('continue', { threadId: typeof entry.threadId === 'number' ? entry.threadId : 1 });
          const stop = await recorded.waitForStop(2);
          assert(stop.reason === 'exception' && /^VM exit 30 \(I\/O instruction\)/.test(String(stop.description)), `second stop ${JSON.stringify(stop)}`);

          await vscode.commands.executeCommand('hyperscope.vmcs.focus');
          const exitInfo = await eventually(() => viewRows('vmcs').find((row) => row.label === 'Exit information' && /exit reason 30/.test(row.description ?? '')), 'the VMCS view to show the exit information');
          assert(exitInfo.description === 'exit reason 30 (I/O instruction)', `exit information ${JSON.stringify(exitInfo.description)}`);
          const reason = exitInfo.children?.find((row) => row.label === 'VM_EXIT_REASON');
          assert(reason?.description === '0x1e · I/O instruction · read-only', `VM_EXIT_REASON ${JSON.stringify(reason)}`);
          const controls = viewRows('vmcs').find((row) => row.label === 'Controls');
          const primary = controls?.children?.find((row) => row.label === 'CPU_BASED_VM_EXEC_CONTROL');
          assert(/ · writable$/.test(primary?.description ?? ''), `primary controls ${JSON.stringify(primary?.description)}`);
          assert(primary?.children?.some((bit) => bit.label === 'useIoBitmaps' && / = 1$/.test(bit.description ?? '')), `primary bits ${JSON.stringify(primary?.children)}`);
          await screenshot('vmcs-view', 'hyperscope.vmcs.focus');

          await vscode.commands.executeCommand('hyperscope.vmExits.focus');
          const stats = await eventually(() => viewRows('vmExits').find((row) => row.label === 'Statistics'), 'the VM Exits view to load');
          assert(stats.children?.[0]?.label === '30 I/O instruction' && stats.children[0].description === '1 · 100.00%', `statistics ${JSON.stringify(stats.children)}`);
          const log = viewRows('vmExits').find((row) => row.label === 'Log');
          assert(log?.children?.length === 1 && /^#1 30 I\/O instruction$/.test(log.children[0]!.label), `log ${JSON.stringify(log?.children)}`);
          // A log row's action walks the exit's guest RIP in the Page Walk view.
          const exitRow = log.children[0]!;
          await vscode.commands.executeCommand('hyperscope.pageWalk.focus');
          await vscode.commands.executeCommand('hyperscope.pageWalk.walkAddress', exitRow);
          const rip = /^RIP (0x[0-9a-f]+)/.exec(exitRow.description ?? '')?.[1];
          assert(rip === '0x100010', `exit row ${JSON.stringify(exitRow)}`);
          await eventually(() => viewRows('pageWalk')[0]?.label.startsWith(`${rip} `) || undefined, `the Page Walk view to walk ${rip}`);
        } finally {
          if (recorded.session && !recorded.terminated) await vscode.debug.stopDebugging(recorded.session);
          await recorded.waitForTermination();
        }
      },
    },
  ];
}
