// The Devices view in a real VS Code: launch the samples' virtio-console configuration
// stopped on entry and read the view through the extension's API — the console device
// (requester id 00:01.0) and the IOMMU the built-in hypervisor programmed for it.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { startRecorded } from './debugHarness';
import type { E2eContext } from './index';
import { assert, eventually, Skip, type TestCase } from './runner';

const LAUNCH_NAME = 'guest: virtio-console driver (MMIO emulation, transmitq)';

interface ViewRow {
  label: string;
  description?: string;
  children?: ViewRow[];
}

function deviceRows(): readonly ViewRow[] {
  const api = vscode.extensions.getExtension('hyperscope.hyperscope')?.exports as Record<string, { rows: () => readonly ViewRow[] } | undefined> | undefined;
  const rows = api?.devices?.rows;
  if (!rows) throw new Error('the extension API has no devices view');
  return rows();
}

function launchConfig(folder: vscode.WorkspaceFolder | undefined): vscode.DebugConfiguration {
  const launches = vscode.workspace.getConfiguration('launch', folder?.uri).get<vscode.DebugConfiguration[]>('configurations', []);
  const launch = launches.find((l) => l.name === LAUNCH_NAME);
  if (!launch) throw new Error(`samples/.vscode/launch.json has no "${LAUNCH_NAME}" configuration`);
  return { ...launch, stopOnEntry: true };
}

export function devicesViewTests(context: E2eContext): TestCase[] {
  return [
    {
      name: 'the Devices view shows the virtio console and the IOMMU mapping it',
      timeoutMs: 45_000,
      run: async () => {
        if (!fs.existsSync(path.join(context.extensionPath, 'dist', 'adapterInline.js'))) throw new Skip('dist/adapterInline.js is not built');
        const folder = vscode.workspace.workspaceFolders?.[0];
        const recorded = await startRecorded(folder, launchConfig(folder));
        try {
          const entry = await recorded.waitForStop(1);
          assert(entry.reason === 'entry', `first stop ${JSON.stringify(entry)}`);
          await vscode.commands.executeCommand('hyperscope.devices.focus');
          const device = await eventually(() => deviceRows().find((row) => row.label === 'virtio-console 00:01.0'), 'the Devices view to show the console');
          assert(/ · 0 served$/.test(device.description ?? ''), `device ${JSON.stringify(device.description)}`);
          assert(device.children?.some((row) => row.label === 'queue 1') === true, `device rows ${JSON.stringify(device.children?.map((r) => r.label))}`);
          const iommu = deviceRows().find((row) => row.label === 'IOMMU (VT-d)');
          assert(iommu?.description === 'translation on · 1 domain · 0 blocked DMAs', `IOMMU ${JSON.stringify(iommu?.description)}`);
          const domains = iommu.children?.find((row) => row.label === 'domains');
          assert(/^00:01\.0 · second level 0x301000$/.test(domains?.children?.[0]?.description ?? ''), `domains ${JSON.stringify(domains?.children)}`);
        } finally {
          if (recorded.session && !recorded.terminated) await vscode.debug.stopDebugging(recorded.session);
          await recorded.waitForTermination();
        }
      },
    },
  ];
}
