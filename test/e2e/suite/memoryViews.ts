// The EPT view, "Open in Memory View" and VMCS editing in a real VS Code: launch the
// samples' "guest: CPUID exits" configuration stopped on entry; the EPT view lists the
// EPTP and its PML4 entries; "Open in Memory View" on a Guest Page Tables row opens VS
// Code's memory document (vscode-debug-memory scheme); "Edit Value" on a VMCS field
// writes it and the VMCS view shows the new value.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { startRecorded } from './debugHarness';
import type { E2eContext } from './index';
import { assert, eventually, Skip, type TestCase } from './runner';

const LAUNCH_NAME = 'guest: CPUID exits';

interface ViewRow {
  label: string;
  description?: string;
  tooltip?: string;
  memory?: string;
  children?: ViewRow[];
}

/** A lazily expanded row's children, fetched the way the tree fetches them when the user expands the row. */
async function expandRow(view: 'ept', row: ViewRow): Promise<readonly ViewRow[]> {
  const api = vscode.extensions.getExtension('hyperscope.hyperscope')?.exports as Record<string, { expand?: (row: ViewRow) => Promise<readonly ViewRow[]> } | undefined> | undefined;
  const expand = api?.[view]?.expand;
  if (!expand) throw new Error(`the extension API cannot expand ${view} rows`);
  return expand(row);
}

function viewRows(view: 'ept' | 'pageTables' | 'vmcs'): readonly ViewRow[] {
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

function activeTabUri(): vscode.Uri | undefined {
  const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input as { uri?: vscode.Uri } | undefined;
  return input?.uri;
}

function field(name: string): ViewRow | undefined {
  return viewRows('vmcs')
    .flatMap((group) => group.children ?? [])
    .find((row) => row.label === name);
}

export function memoryViewsTests(context: E2eContext): TestCase[] {
  return [
    {
      name: 'guest mode: the EPT view shows the EPTP and its entries, Open in Memory View opens a page-table row in the memory editor, Edit Value changes a VMCS field',
      timeoutMs: 60_000,
      run: async () => {
        if (!fs.existsSync(path.join(context.extensionPath, 'dist', 'adapterInline.js'))) throw new Skip('dist/adapterInline.js is not built');
        const folder = vscode.workspace.workspaceFolders?.[0];
        const recorded = await startRecorded(folder, launchConfig(folder));
        try {
          const entry = await recorded.waitForStop(1);
          assert(entry.reason === 'entry', `first stop ${JSON.stringify(entry)}`);

          await vscode.commands.executeCommand('hyperscope.ept.focus');
          const eptp = await eventually(() => viewRows('ept').find((row) => row.label.startsWith('EPTP ')), 'the EPT view to show the EPTP');
          assert(/PML4 at hpa 0x[0-9a-f]+ · 4-level · MT 6 \(WB\)/.test(eptp.description ?? ''), `EPTP row ${JSON.stringify(eptp.description)}`);
          const pml4 = eptp.children?.[0];
          assert(pml4 && /^PML4\[0\] gpa 0x0$/.test(pml4.label) && /^RWX/.test(pml4.description ?? ''), `first EPT entry ${JSON.stringify(pml4)}`);
          const pdpt = await expandRow('ept', pml4);
          assert(/^PDPT\[0\] gpa 0x0$/.test(pdpt[0]?.label ?? ''), `PML4[0] expanded to ${JSON.stringify(pdpt)}`);
          const pd = await expandRow('ept', pdpt[0]!);
          assert(/^PD\[0\] gpa 0x0$/.test(pd[0]?.label ?? '') && /→ hpa 0x1000000 · 2 MiB · MT 6 \(WB\)/.test(pd[0]?.description ?? ''), `PDPT[0] expanded to ${JSON.stringify(pd[0])}`);
          console.log('[e2e-screenshot] ept-view');
          await new Promise((resolve) => setTimeout(resolve, 1000));

          await vscode.commands.executeCommand('hyperscope.pageTables.focus');
          const cr3 = await eventually(() => viewRows('pageTables').find((row) => row.label.startsWith('CR3 ') && row.children?.length), 'the Guest Page Tables view to load');
          const entryRow = cr3.children![0]!;
          assert(/^gpa:0x[0-9a-f]+$/.test(entryRow.memory ?? ''), `page-table row ${JSON.stringify(entryRow)}`);
          await vscode.commands.executeCommand('hyperscope.openMemory', entryRow);
          const uri = await eventually(() => (activeTabUri()?.scheme === 'vscode-debug-memory' ? activeTabUri() : undefined), 'the memory editor to open');
          assert(decodeURIComponent(uri.path).startsWith(`/${entryRow.memory}/`), `memory document ${uri.toString()}`);
          // the document reads through the adapter's readMemory: its first qword is the next table's entry 0
          const bytes = await vscode.workspace.fs.readFile(uri.with({ query: 'range=0:8' }));
          const qword = '0x' + Buffer.from(bytes).reverse().toString('hex').replace(/^0+(?=.)/, '');
          const firstChild = entryRow.children?.[0];
          assert(firstChild && (firstChild.tooltip ?? '').includes(`value ${qword}`), `memory ${qword} vs first entry of the next table ${JSON.stringify(firstChild?.tooltip)}`);
          await vscode.commands.executeCommand('workbench.action.closeActiveEditor');

          await vscode.commands.executeCommand('hyperscope.vmcs.focus');
          const bitmap = await eventually(() => field('EXCEPTION_BITMAP'), 'the VMCS view to load');
          assert(/ · writable$/.test(bitmap.description ?? ''), `EXCEPTION_BITMAP ${JSON.stringify(bitmap.description)}`);
          await vscode.commands.executeCommand('hyperscope.vmcs.editField', bitmap, '0x4000');
          await eventually(() => (/^0x4000 · writable$/.test(field('EXCEPTION_BITMAP')?.description ?? '') ? true : undefined), 'the VMCS view to show EXCEPTION_BITMAP = 0x4000');
          const refused = await vscode.commands.executeCommand('hyperscope.vmcs.editField', field('GUEST_CS_SELECTOR'), '0x12345');
          assert(refused === undefined, `a 16-bit field took 0x12345: ${JSON.stringify(refused)}`);
        } finally {
          if (recorded.session && !recorded.terminated) await vscode.debug.stopDebugging(recorded.session);
          await recorded.waitForTermination();
        }
      },
    },
  ];
}
