// Launch configurations for `type: "hyperscope"`: F5 with no launch.json debugs the active
// .hvasm file; the dynamic provider lists "Debug <file>" for the active and open hvasm files;
// a configuration without a program is refused with a message saying how to fix it.
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { HyperscopeLaunchArguments } from '../protocol/dap';

export const DEBUG_TYPE = 'hyperscope';
export const LANGUAGE_ID = 'hvasm';

type LaunchConfiguration = vscode.DebugConfiguration & Partial<HyperscopeLaunchArguments>;

/** A launch configuration that debugs one file (a `${file}`-style path or an absolute path). */
export function fileConfiguration(program: string, name = `Debug ${path.basename(program)}`, noDebug = false): LaunchConfiguration {
  const config: LaunchConfiguration = { type: DEBUG_TYPE, request: 'launch', name, program, mode: 'bare', stopOnEntry: false };
  if (noDebug) config.noDebug = true;
  return config;
}

function activeHvasmFile(): vscode.Uri | undefined {
  const document = vscode.window.activeTextEditor?.document;
  return document && document.languageId === LANGUAGE_ID && document.uri.scheme === 'file' ? document.uri : undefined;
}

/** Initial-configuration, resolve and dynamic providers, registered by the extension. */
export class HyperscopeConfigurationProvider implements vscode.DebugConfigurationProvider {
  /** Fills an empty configuration (F5 without launch.json) from the active hvasm file. */
  resolveDebugConfiguration(_folder: vscode.WorkspaceFolder | undefined, config: vscode.DebugConfiguration): vscode.ProviderResult<vscode.DebugConfiguration> {
    const launch = config as LaunchConfiguration;
    // F5 with no launch.json: VS Code passes an empty configuration (the type may be filled in).
    if (!launch.request && !launch.name && !launch.program) {
      const file = activeHvasmFile();
      if (!file) {
        void vscode.window.showInformationMessage('Hyperscope: open an .hvasm file to debug it, or add a "hyperscope" configuration to launch.json.');
        return undefined;
      }
      return fileConfiguration(file.fsPath);
    }
    if (!launch.program) {
      void vscode.window.showErrorMessage(`Hyperscope: the launch configuration "${launch.name ?? ''}" has no "program". Set it to an .hvasm file, e.g. "\${workspaceFolder}/hello.hvasm" or "\${file}".`);
      return undefined;
    }
    return launch;
  }
}

/** "Debug <file>" entries shown under Run and Debug's dynamic configurations. */
export class HyperscopeDynamicProvider implements vscode.DebugConfigurationProvider {
  async provideDebugConfigurations(folder: vscode.WorkspaceFolder | undefined, token?: vscode.CancellationToken): Promise<vscode.DebugConfiguration[]> {
    const files = new Map<string, vscode.Uri>();
    const active = activeHvasmFile();
    if (active) files.set(active.fsPath, active);
    for (const document of vscode.workspace.textDocuments) {
      if (document.languageId === LANGUAGE_ID && document.uri.scheme === 'file') files.set(document.uri.fsPath, document.uri);
    }
    const pattern = folder ? new vscode.RelativePattern(folder, '**/*.hvasm') : '**/*.hvasm';
    for (const uri of await vscode.workspace.findFiles(pattern, '**/node_modules/**', 50, token)) files.set(uri.fsPath, uri);
    return [...files.values()].map((uri) => fileConfiguration(uri.fsPath, `Debug ${vscode.workspace.asRelativePath(uri, false)}`));
  }
}

export function registerDebugConfigurations(): vscode.Disposable {
  return vscode.Disposable.from(
    vscode.debug.registerDebugConfigurationProvider(DEBUG_TYPE, new HyperscopeConfigurationProvider()),
    vscode.debug.registerDebugConfigurationProvider(DEBUG_TYPE, new HyperscopeDynamicProvider(), vscode.DebugConfigurationProviderTriggerKind.Dynamic),
  );
}
