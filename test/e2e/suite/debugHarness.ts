// Drives a Hyperscope debug session from the extension host: records every message the
// adapter sends (through a DebugAdapterTracker, so it works for inline and process
// adapters alike) and waits for events by predicate.
import * as vscode from 'vscode';

export interface ProtocolMessage {
  type: string;
  event?: string;
  command?: string;
  body?: Record<string, unknown>;
}

/** One recorded session: its messages, output text and termination. */
export class RecordedSession {
  readonly messages: ProtocolMessage[] = [];
  session: vscode.DebugSession | undefined;
  terminated = false;
  private waiters: Array<() => void> = [];

  record(message: ProtocolMessage): void {
    this.messages.push(message);
    this.notify();
  }

  markTerminated(): void {
    this.terminated = true;
    this.notify();
  }

  /** Text of every `output` event (stdout, console and stderr categories). */
  get output(): string {
    return this.messages
      .filter((m) => m.type === 'event' && m.event === 'output')
      .map((m) => String(m.body?.output ?? ''))
      .join('');
  }

  events(name: string): ProtocolMessage[] {
    return this.messages.filter((m) => m.type === 'event' && m.event === name);
  }

  /** Waits until `predicate` holds over the recorded state. */
  waitFor(predicate: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
    if (predicate()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; events so far: ${this.summary()}`)), timeoutMs);
      const check = (): void => {
        if (!predicate()) return;
        clearTimeout(timer);
        this.waiters = this.waiters.filter((w) => w !== check);
        resolve();
      };
      this.waiters.push(check);
    });
  }

  /** Waits for the n-th (1-based) `stopped` event and returns its body. */
  async waitForStop(count = 1): Promise<Record<string, unknown>> {
    await this.waitFor(() => this.events('stopped').length >= count || this.terminated, `stopped event #${count}`);
    const stop = this.events('stopped')[count - 1];
    if (!stop) throw new Error(`session ended without stopping; output: ${JSON.stringify(this.output)}`);
    return stop.body ?? {};
  }

  waitForTermination(timeoutMs = 20_000): Promise<void> {
    return this.waitFor(() => this.terminated, 'the session to terminate', timeoutMs);
  }

  private notify(): void {
    for (const waiter of [...this.waiters]) waiter();
  }

  private summary(): string {
    return this.messages
      .filter((m) => m.type === 'event')
      .map((m) => m.event)
      .join(', ');
  }
}

let current: RecordedSession | undefined;

/** Installs the tracker and termination listener once; returns their disposable. */
export function installRecorder(debugType: string): vscode.Disposable {
  return vscode.Disposable.from(
    vscode.debug.registerDebugAdapterTrackerFactory(debugType, {
      createDebugAdapterTracker(session) {
        const recorded = current;
        if (recorded) recorded.session = session;
        return {
          onDidSendMessage: (message: ProtocolMessage) => recorded?.record(message),
          onError: (error) => recorded?.record({ type: 'event', event: 'trackerError', body: { message: error.message } }),
        };
      },
    }),
    vscode.debug.onDidTerminateDebugSession((session) => {
      if (current?.session?.id === session.id) current.markTerminated();
    }),
  );
}

/** Starts a session for `config` (or the launch.json configuration of that name) and returns its recording; fails if VS Code refuses to start it. */
export async function startRecorded(folder: vscode.WorkspaceFolder | undefined, config: vscode.DebugConfiguration | string): Promise<RecordedSession> {
  const recorded = new RecordedSession();
  current = recorded;
  const started = await vscode.debug.startDebugging(folder, config);
  if (!started) throw new Error(`vscode.debug.startDebugging refused ${JSON.stringify(config)}`);
  return recorded;
}

/** The top stack frame's line (1-based) of the stopped thread. */
export async function topFrameLine(recorded: RecordedSession, threadId: number): Promise<number> {
  const session = recorded.session;
  if (!session) throw new Error('no debug session recorded');
  const trace = (await session.customRequest('stackTrace', { threadId, startFrame: 0, levels: 1 })) as { stackFrames?: Array<{ line: number }> };
  const frame = trace.stackFrames?.[0];
  if (!frame) throw new Error('stackTrace returned no frames');
  return frame.line;
}
