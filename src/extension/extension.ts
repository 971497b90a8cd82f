// Entry point of dist/extension.js. Wires the debug configuration provider, the debug
// adapter factory, the language client and the commands; every registration is owned by
// the extension context. activate() shows its own errors: VS Code would stay silent.
import * as vscode from 'vscode';
import { registerAdapterFactory } from './adapterFactory';
import { registerCommands } from './commands';
import { DEBUG_TYPE, registerDebugConfigurations } from './debugConfiguration';
import { DebugEvents } from './debugEvents';
import { LanguageClientHost } from './languageClient';
import { disposeLog, log, showError } from './outputChannel';
import { createPageTablesView } from './pageTablesView';
import { PageWalkPanel } from './pageWalkPanel';
import { PageWalkView } from './pageWalkView';
import type { ViewRow } from './viewRow';
import type { RequestTreeView } from './requestView';
import { createVmcsView } from './vmcsView';
import { createVmExitsView } from './vmExitsView';
import { createEptView } from './eptView';
import { createDevicesView } from './devicesView';
import { registerViewCommands } from './viewCommands';
import type { DevicesResult, EptTablesResult, PageTablesResult, VmcsResult, VmExitsResult } from '../protocol/dap';
import type { RenderedSummary } from '../protocol/webview';

const loadedAt = performance.now();

/** What activate() returns (`vscode.extensions.getExtension(...).exports`): for tests and the bench. */
export interface HyperscopeApi {
  /** Milliseconds from this module's load to the end of activate(). */
  readonly activationMs: number;
  /** Resolves once the language server has started (or failed, or is disabled). */
  readonly languageServerReady: Promise<void>;
  /** The views' rows and refresh events (the views read only DAP custom requests). */
  readonly pageWalk?: ViewApi;
  readonly pageTables?: ViewApi;
  readonly vmcs?: ViewApi;
  readonly vmExits?: ViewApi;
  readonly ept?: ViewApi;
  readonly devices?: ViewApi;
  /** What the page-walk visualizer's webview rendered last, and when it renders. */
  readonly pageWalkPanel?: PanelApi;
}

export interface PanelApi {
  readonly rendered: () => RenderedSummary | undefined;
  readonly onDidRender: vscode.Event<RenderedSummary>;
}

export interface ViewApi {
  readonly rows: () => readonly ViewRow[];
  readonly onDidRefresh: vscode.Event<void>;
  /** Lazily expanded views (EPT): a row's children, fetched as when the user expands it. */
  readonly expand?: (row: ViewRow) => Promise<readonly ViewRow[]>;
}

function viewApi(view: { readonly current: readonly ViewRow[]; readonly onDidChangeTreeData: vscode.Event<void>; expand?: (row: ViewRow) => Promise<ViewRow[]> } | undefined): ViewApi | undefined {
  const expand = view?.expand?.bind(view);
  return view && { rows: () => view.current, onDidRefresh: view.onDidChangeTreeData, ...(expand ? { expand } : {}) };
}

function panelApi(panel: PageWalkPanel | undefined): PanelApi | undefined {
  return panel && { rendered: () => panel.rendered, onDidRender: panel.onDidRender };
}

let languageClient: LanguageClientHost | undefined;

export function activate(context: vscode.ExtensionContext): HyperscopeApi {
  let languageServerReady: Promise<void> = Promise.resolve();
  let pageWalk: PageWalkView | undefined;
  let pageTables: RequestTreeView<PageTablesResult> | undefined;
  let panel: PageWalkPanel | undefined;
  let vmcs: RequestTreeView<VmcsResult> | undefined;
  let vmExits: RequestTreeView<VmExitsResult> | undefined;
  let ept: RequestTreeView<EptTablesResult> | undefined;
  let devices: RequestTreeView<DevicesResult> | undefined;
  try {
    log().info(`activating Hyperscope ${String(context.extension.packageJSON.version)}`);
    context.subscriptions.push(registerDebugConfigurations(), registerAdapterFactory(context.extensionPath, DEBUG_TYPE));
    languageClient = new LanguageClientHost(context.extensionPath);
    const client = languageClient;
    const events = new DebugEvents(DEBUG_TYPE);
    pageWalk = new PageWalkView(events);
    pageTables = createPageTablesView(events);
    panel = new PageWalkPanel(context.extensionUri, events);
    vmcs = createVmcsView(events);
    vmExits = createVmExitsView(events);
    ept = createEptView(events);
    devices = createDevicesView(events);
    context.subscriptions.push(devices);
    context.subscriptions.push(vmcs, vmExits, ept, registerViewCommands());
    context.subscriptions.push(events, pageWalk, pageTables, panel, client, registerCommands(client, pageWalk, panel), vscode.workspace.onDidChangeConfiguration((event) => client.onConfigurationChanged(event)));
    languageServerReady = client.start();
  } catch (error) {
    void showError('activation failed', error);
  }
  const activationMs = performance.now() - loadedAt;
  log().info(`activated in ${activationMs.toFixed(1)} ms`);
  return { activationMs, languageServerReady, pageWalk: viewApi(pageWalk), pageTables: viewApi(pageTables), vmcs: viewApi(vmcs), vmExits: viewApi(vmExits), ept: viewApi(ept), devices: viewApi(devices), pageWalkPanel: panelApi(panel) };
}

export async function deactivate(): Promise<void> {
  await languageClient?.stop();
  languageClient = undefined;
  disposeLog();
}
