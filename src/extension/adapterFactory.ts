// Creates the debug adapter for each session. Inline by default: the adapter's session runs
// in the extension host, loaded at run time from the bundle dist/adapterInline.js (the
// extension may not import src/adapter). With `hyperscope.debugAdapter.mode: "process"` it
// runs as `node dist/adapter.js` over stdin/stdout instead — the same adapter either way.
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { log } from './outputChannel';
import { adapterMode } from './settings';

/** What dist/adapterInline.js exports (src/adapter/inline.ts). */
interface InlineAdapterModule {
  createSession(): vscode.DebugAdapter;
}

function isInlineAdapterModule(value: unknown): value is InlineAdapterModule {
  return typeof value === 'object' && value !== null && typeof (value as { createSession?: unknown }).createSession === 'function';
}

function isDebugAdapter(value: unknown): value is vscode.DebugAdapter {
  const candidate = value as Partial<vscode.DebugAdapter> | null;
  return typeof candidate === 'object' && candidate !== null && typeof candidate.handleMessage === 'function' && typeof candidate.onDidSendMessage === 'function';
}

export class HyperscopeAdapterFactory implements vscode.DebugAdapterDescriptorFactory {
  private inlineModule: InlineAdapterModule | undefined;

  constructor(private readonly extensionPath: string) {}

  createDebugAdapterDescriptor(session: vscode.DebugSession): vscode.DebugAdapterDescriptor {
    const mode = adapterMode();
    log().info(`debug session "${session.name}": adapter ${mode}`);
    return mode === 'process' ? this.processAdapter() : new vscode.DebugAdapterInlineImplementation(this.inlineSession());
  }

  /** `node dist/adapter.js`; under Electron the extension host's binary runs as node. */
  private processAdapter(): vscode.DebugAdapterExecutable {
    const script = this.bundle('adapter.js');
    return new vscode.DebugAdapterExecutable(process.execPath, [script], { env: { ELECTRON_RUN_AS_NODE: '1' } });
  }

  private inlineSession(): vscode.DebugAdapter {
    if (!this.inlineModule) {
      // Loaded at run time, not bundled: the adapter is its own entry point.
      const loaded: unknown = createRequire(__filename)(this.bundle('adapterInline.js'));
      if (!isInlineAdapterModule(loaded)) throw new Error('dist/adapterInline.js does not export createSession()');
      this.inlineModule = loaded;
    }
    const session = this.inlineModule.createSession();
    if (!isDebugAdapter(session)) throw new Error('createSession() of dist/adapterInline.js did not return a debug adapter');
    return session;
  }

  private bundle(name: string): string {
    const file = path.join(this.extensionPath, 'dist', name);
    if (!fs.existsSync(file)) throw new Error(`${file} is missing: run "npm run build"`);
    return file;
  }
}

export function registerAdapterFactory(extensionPath: string, debugType: string): vscode.Disposable {
  return vscode.debug.registerDebugAdapterDescriptorFactory(debugType, new HyperscopeAdapterFactory(extensionPath));
}
