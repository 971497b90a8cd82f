// The extension's one log: a "Hyperscope" output channel shared by activation, the debug
// adapter factory and the language client (which gets its own trace channel).
import * as vscode from 'vscode';

let channel: vscode.LogOutputChannel | undefined;

/** The "Hyperscope" log channel, created on first use. */
export function log(): vscode.LogOutputChannel {
  channel ??= vscode.window.createOutputChannel('Hyperscope', { log: true });
  return channel;
}

/** Message of any thrown value. */
export function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Logs an error and shows it to the user with a button that opens the log. */
export async function showError(context: string, error: unknown): Promise<void> {
  const message = `${context}: ${describeError(error)}`;
  log().error(message);
  if (error instanceof Error && error.stack) log().debug(error.stack);
  const choice = await vscode.window.showErrorMessage(`Hyperscope — ${message}`, 'Show Log');
  if (choice === 'Show Log') log().show();
}

export function disposeLog(): void {
  channel?.dispose();
  channel = undefined;
}
