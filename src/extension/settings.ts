// Typed reads of the `hyperscope.*` settings contributed in package.json.
import * as vscode from 'vscode';

export type AdapterMode = 'inline' | 'process';

export const SETTINGS = {
  adapterMode: 'hyperscope.debugAdapter.mode',
  languageServerEnabled: 'hyperscope.languageServer.enabled',
  traceServer: 'hyperscope.trace.server',
} as const;

/** How debug sessions run the adapter: in the extension host (default) or as `node dist/adapter.js`. */
export function adapterMode(): AdapterMode {
  const value = vscode.workspace.getConfiguration('hyperscope').get<string>('debugAdapter.mode', 'inline');
  return value === 'process' ? 'process' : 'inline';
}

export function languageServerEnabled(): boolean {
  return vscode.workspace.getConfiguration('hyperscope').get<boolean>('languageServer.enabled', true);
}
