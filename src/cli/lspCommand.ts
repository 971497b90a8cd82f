// `hyperscope lsp --stdio`: the hvasm language server for any LSP client (Neovim, Emacs,
// Helix, ...); `--node-ipc` is accepted too. See docs/lsp.md.
import { launchServer } from '../server/launch';

const usage = 'usage: hyperscope lsp [--stdio | --node-ipc]\n  Starts the hvasm language server; --stdio (the default) speaks LSP on stdin/stdout.';

export function runLspCommand(args: string[]): void {
  if (args.includes('--help') || args.includes('-h')) {
    process.stderr.write(`${usage}\n`);
    return;
  }
  const unknown = args.filter((arg) => arg !== '--stdio' && arg !== '--node-ipc');
  if (unknown.length > 0) {
    process.stderr.write(`hyperscope lsp: unknown option ${unknown.join(' ')}\n${usage}\n`);
    process.exitCode = 1;
    return;
  }
  launchServer(args);
}
