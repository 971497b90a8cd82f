// The language client for dist/server.js over IPC. One client at a time; restarted when
// the user asks or when `hyperscope.languageServer.*` / `hyperscope.trace.server` change,
// stopped when the setting turns it off. Traces go to the "Hyperscope Language Server" channel.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { LanguageClient, TransportKind, type LanguageClientOptions, type ServerOptions } from 'vscode-languageclient/node';
import { describeError, log, showError } from './outputChannel';
import { languageServerEnabled } from './settings';

const CLIENT_ID = 'hyperscope'; // the client reads `${CLIENT_ID}.trace.server`
const CLIENT_NAME = 'Hyperscope Language Server';

export class LanguageClientHost implements vscode.Disposable {
  private client: LanguageClient | undefined;
  private traceChannel: vscode.OutputChannel | undefined;
  /** Serializes start/stop so a quick series of setting changes cannot interleave. */
  private queue: Promise<void> = Promise.resolve();

  constructor(private readonly extensionPath: string) {}

  /** The running client, for tests and commands. */
  get current(): LanguageClient | undefined {
    return this.client;
  }

  start(): Promise<void> {
    return this.enqueue(() => this.startNow());
  }

  restart(): Promise<void> {
    return this.enqueue(async () => {
      await this.stopNow();
      await this.startNow();
    });
  }

  stop(): Promise<void> {
    return this.enqueue(() => this.stopNow());
  }

  /** Reacts to settings: restart on changes, stop when disabled. */
  onConfigurationChanged(event: vscode.ConfigurationChangeEvent): void {
    if (!event.affectsConfiguration('hyperscope.languageServer') && !event.affectsConfiguration('hyperscope.trace.server')) return;
    log().info('language server settings changed: restarting');
    void this.restart();
  }

  dispose(): void {
    void this.stop();
    this.traceChannel?.dispose();
  }

  private enqueue(work: () => Promise<void>): Promise<void> {
    this.queue = this.queue.then(work).catch((error: unknown) => showError('language server', error));
    return this.queue;
  }

  private async startNow(): Promise<void> {
    if (this.client || !languageServerEnabled()) return;
    const module = path.join(this.extensionPath, 'dist', 'server.js');
    const run = { module, transport: TransportKind.ipc };
    const serverOptions: ServerOptions = { run, debug: { ...run, options: { execArgv: ['--nolazy', '--inspect=6019'] } } };
    this.traceChannel ??= vscode.window.createOutputChannel(CLIENT_NAME);
    const clientOptions: LanguageClientOptions = {
      documentSelector: [
        { scheme: 'file', language: 'hvasm' },
        { scheme: 'untitled', language: 'hvasm' },
      ],
      outputChannel: this.traceChannel,
      traceOutputChannel: this.traceChannel,
    };
    const client = new LanguageClient(CLIENT_ID, CLIENT_NAME, serverOptions, clientOptions);
    this.client = client;
    try {
      await client.start();
      log().info(`language server started (${module})`);
    } catch (error) {
      this.client = undefined;
      throw new Error(`could not start ${module}: ${describeError(error)}`);
    }
  }

  private async stopNow(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    if (client?.isRunning()) await client.stop();
    log().info('language server stopped');
  }
}
