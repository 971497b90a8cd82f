// Starts the language server on this process: over IPC with --node-ipc (how VS Code's
// language client launches it), otherwise over stdin/stdout (any LSP client).
import { createConnection, IPCMessageReader, IPCMessageWriter, ProposedFeatures } from 'vscode-languageserver/node';
import { startServer } from './server';

export function launchServer(args: readonly string[]): void {
  if (args.includes('--node-ipc')) {
    startServer(createConnection(ProposedFeatures.all, new IPCMessageReader(process), new IPCMessageWriter(process)));
    return;
  }
  // stdout carries the protocol: anything logged must go to stderr.
  console.log = console.error;
  console.info = console.error;
  startServer(createConnection(ProposedFeatures.all, process.stdin, process.stdout));
}
