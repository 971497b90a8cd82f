// Settings and commands: turning the language server off clears its diagnostics and
// turning it on brings them back; the restart command restarts it; a launch configuration
// without a program is refused by the configuration provider instead of reaching the adapter.
import * as vscode from 'vscode';
import { assert, eventually, type TestCase } from './runner';

async function setLanguageServer(enabled: boolean): Promise<void> {
  await vscode.workspace.getConfiguration('hyperscope').update('languageServer.enabled', enabled, vscode.ConfigurationTarget.Global);
}

function errorCount(uri: vscode.Uri): number {
  return vscode.languages.getDiagnostics(uri).length;
}

export function settingsTests(): TestCase[] {
  return [
    {
      name: 'hyperscope.languageServer.enabled stops and restarts the server; the restart command works',
      run: async () => {
        const document = await vscode.workspace.openTextDocument({ language: 'hvasm', content: 'bits 64\n        frobnicate rax\n' });
        await vscode.window.showTextDocument(document);
        await eventually(() => (errorCount(document.uri) > 0 ? true : undefined), 'a diagnostic before the settings change');
        try {
          await setLanguageServer(false);
          await eventually(() => (errorCount(document.uri) === 0 ? true : undefined), 'diagnostics to clear when the server is disabled');
        } finally {
          await setLanguageServer(true);
        }
        await eventually(() => (errorCount(document.uri) > 0 ? true : undefined), 'diagnostics again once the server is re-enabled');
        await vscode.commands.executeCommand('hyperscope.restartLanguageServer');
        await eventually(() => (errorCount(document.uri) > 0 ? true : undefined), 'diagnostics after hyperscope.restartLanguageServer');
      },
    },
    {
      name: 'a hyperscope launch configuration without "program" is refused before any adapter starts',
      run: async () => {
        let adapterStarted = false;
        const listener = vscode.debug.onDidStartDebugSession(() => (adapterStarted = true));
        try {
          const started = await vscode.debug.startDebugging(undefined, { type: 'hyperscope', request: 'launch', name: 'no program' });
          assert(started === false, 'startDebugging accepted a configuration without a program');
          assert(!adapterStarted, 'a debug session started anyway');
        } finally {
          listener.dispose();
        }
      },
    },
  ];
}
