// Serving the debug adapter outside VS Code: over stdio (one session for the process
// lifetime) or as a TCP server on 127.0.0.1 (one session per connection).
import { createServer, type Server } from 'node:net';
import { HyperscopeSession } from './session';

export interface ServeOptions {
  /** Listen on this port instead of speaking over stdin/stdout. */
  port?: number;
}

export const DAP_USAGE = 'usage: hyperscope dap [--stdio | --server=PORT]\n  Starts the Hyperscope debug adapter; --stdio (the default) speaks DAP on stdin/stdout.';

/** Parses `--stdio`, `--server=PORT` / `--server PORT`; throws Error with the usage on anything else. */
export function parseDapArgs(args: string[]): ServeOptions {
  const options: ServeOptions = {};
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--stdio') continue;
    const inline = /^--server=(.*)$/.exec(arg);
    const value = inline ? inline[1] : arg === '--server' ? args[++i] : undefined;
    if (value === undefined) throw new Error(`unknown option '${arg}'\n${DAP_USAGE}`);
    const port = Number(value);
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`--server needs a port number 1-65535, got '${value}'\n${DAP_USAGE}`);
    options.port = port;
  }
  return options;
}

export function serveStdio(): void {
  const session = new HyperscopeSession();
  process.on('SIGTERM', () => session.shutdown());
  session.start(process.stdin, process.stdout);
}

export function serveTcp(port: number): Server {
  const server = createServer((socket) => {
    const session = new HyperscopeSession();
    session.setRunAsServer(true);
    session.start(socket, socket);
  });
  server.listen(port, '127.0.0.1', () => process.stderr.write(`hyperscope dap: listening on 127.0.0.1:${port}\n`));
  return server;
}
