// The page-walk visualizer's panel host: one webview panel (dist/webview.js) showing the
// two-dimensional walk of RIP or of an address the user picked. Walks through DAP only
// (`hyperscope/registers`, `hyperscope/pageWalk`), again on every stop and state change.
// The panel does not retain its context when hidden: the webview keeps its last walk in
// getState and says 'ready' when it loads again; a serializer brings it back after a reload.
import * as vscode from 'vscode';
import { PAGE_WALK_VIEW_TYPE, targetOf, type HostMessage, type RenderedSummary, type WalkTarget, type WebviewMessage } from '../protocol/webview';
import type { DebugEvents } from './debugEvents';
import { describeError } from './outputChannel';
import { pageWalkHtml } from './pageWalkHtml';
import { requestWalk } from './walkRequest';

const DEBUG_TYPE = 'hyperscope';

export class PageWalkPanel implements vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;
  private target: WalkTarget = { kind: 'rip' };
  private session: vscode.DebugSession | undefined;
  /** Bumped by every refresh: a reply that arrives after a newer request is dropped. */
  private generation = 0;
  private last: RenderedSummary | undefined;
  private readonly renderedEmitter = new vscode.EventEmitter<RenderedSummary>();
  private readonly subscriptions: vscode.Disposable[];
  /** Fires with what the webview rendered (tests wait on it). */
  readonly onDidRender = this.renderedEmitter.event;

  constructor(
    private readonly extensionUri: vscode.Uri,
    events: DebugEvents,
  ) {
    this.subscriptions = [
      events.onDidStop((session) => void this.refresh(session)),
      events.onDidChangeState((session) => void this.refresh(session)),
      events.onDidEnd((session) => {
        if (session.id !== this.session?.id) return;
        this.session = undefined;
        this.generation++;
        this.post({ type: 'unavailable', target: this.target, reason: 'The debug session ended.' });
      }),
      vscode.window.registerWebviewPanelSerializer(PAGE_WALK_VIEW_TYPE, {
        deserializeWebviewPanel: async (panel) => this.adopt(panel),
      }),
    ];
  }

  /** What the webview rendered last. */
  get rendered(): RenderedSummary | undefined {
    return this.last;
  }

  /** Opens (or reveals) the panel; with a target, walks that from now on. */
  async show(target?: WalkTarget): Promise<void> {
    if (target) this.target = target;
    if (this.panel) this.panel.reveal(undefined, true);
    else {
      const panel = vscode.window.createWebviewPanel(PAGE_WALK_VIEW_TYPE, 'Page Walk', { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true }, this.options());
      this.adopt(panel);
    }
    await this.refresh(this.session ?? vscode.debug.activeDebugSession);
  }

  async refresh(session: vscode.DebugSession | undefined): Promise<void> {
    if (!this.panel) return;
    if (!session || session.type !== DEBUG_TYPE) {
      this.post({ type: 'unavailable', target: this.target, reason: 'Start a Hyperscope debug session and stop it: the walk appears here.' });
      return;
    }
    this.session = session;
    const generation = ++this.generation;
    const target = this.target;
    let message: HostMessage;
    try {
      message = { type: 'walk', target, result: await requestWalk(session, target) };
    } catch (error) {
      message = { type: 'unavailable', target, reason: `Page walk unavailable: ${describeError(error)}` };
    }
    if (generation === this.generation) this.post(message);
  }

  dispose(): void {
    this.panel?.dispose();
    for (const subscription of this.subscriptions) subscription.dispose();
    this.renderedEmitter.dispose();
  }

  private options(): vscode.WebviewPanelOptions & vscode.WebviewOptions {
    return {
      enableScripts: true,
      retainContextWhenHidden: false,
      localResourceRoots: [vscode.Uri.joinPath(this.extensionUri, 'dist'), vscode.Uri.joinPath(this.extensionUri, 'media')],
    };
  }

  /** Takes charge of a new or restored panel: HTML, messages, disposal. */
  private adopt(panel: vscode.WebviewPanel): void {
    this.panel = panel;
    const webview = panel.webview;
    webview.options = this.options();
    webview.html = pageWalkHtml({
      cspSource: webview.cspSource,
      scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, 'dist', 'webview.js')).toString(),
      styleUri: webview.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, 'media', 'pageWalk.css')).toString(),
    });
    const listener = webview.onDidReceiveMessage((message: WebviewMessage) => void this.receive(message));
    panel.onDidDispose(() => {
      listener.dispose();
      if (this.panel === panel) this.panel = undefined;
    });
  }

  private async receive(message: WebviewMessage): Promise<void> {
    if (message.type === 'ready') {
      // The webview (re)loaded: walk what it last showed, e.g. after a window reload.
      if (message.target) this.target = message.target;
      await this.refresh(this.session ?? vscode.debug.activeDebugSession);
    } else if (message.type === 'requestWalk') {
      this.target = targetOf(message.address, message.access);
      await this.refresh(this.session ?? vscode.debug.activeDebugSession);
    } else if (message.type === 'rendered') {
      this.last = message.summary;
      this.renderedEmitter.fire(message.summary);
    }
  }

  private post(message: HostMessage): void {
    void this.panel?.webview.postMessage(message);
  }
}
