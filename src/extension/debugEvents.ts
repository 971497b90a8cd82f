// One DebugAdapterTracker for every Hyperscope session, turned into three events the views
// listen to: a session stopped, its machine state changed (the user wrote a register or
// memory), it ended. Views then fetch what they show through DAP custom requests, so they
// work the same with the inline adapter and with the adapter in another process.
import * as vscode from 'vscode';
import { CustomEvent } from '../protocol/dap';

interface AdapterMessage {
  type?: string;
  event?: string;
}

export class DebugEvents implements vscode.Disposable {
  private readonly stopped = new vscode.EventEmitter<vscode.DebugSession>();
  private readonly changed = new vscode.EventEmitter<vscode.DebugSession>();
  private readonly ended = new vscode.EventEmitter<vscode.DebugSession>();
  private readonly registrations: vscode.Disposable;

  /** The Hyperscope session stopped (breakpoint, step, pause, entry...). */
  readonly onDidStop = this.stopped.event;
  /** Registers or memory of a stopped session were changed by the user. */
  readonly onDidChangeState = this.changed.event;
  readonly onDidEnd = this.ended.event;

  constructor(debugType: string) {
    this.registrations = vscode.Disposable.from(
      vscode.debug.registerDebugAdapterTrackerFactory(debugType, {
        createDebugAdapterTracker: (session) => ({
          onDidSendMessage: (message: AdapterMessage) => {
            if (message.type !== 'event') return;
            if (message.event === 'stopped') this.stopped.fire(session);
            else if (message.event === CustomEvent.stateChanged) this.changed.fire(session);
          },
        }),
      }),
      vscode.debug.onDidTerminateDebugSession((session) => {
        if (session.type === debugType) this.ended.fire(session);
      }),
    );
  }

  dispose(): void {
    this.registrations.dispose();
    this.stopped.dispose();
    this.changed.dispose();
    this.ended.dispose();
  }
}
