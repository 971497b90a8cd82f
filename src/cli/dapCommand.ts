// `hyperscope dap [--stdio | --server=PORT]`: the debug adapter for any DAP client.
import { DAP_USAGE, parseDapArgs, serveStdio, serveTcp } from '../adapter/serve';

export function runDapCommand(args: string[]): void {
  if (args.includes('--help') || args.includes('-h')) {
    process.stderr.write(`${DAP_USAGE}\n`);
    return;
  }
  let options;
  try {
    options = parseDapArgs(args);
  } catch (e) {
    process.stderr.write(`hyperscope dap: ${(e as Error).message}\n`);
    process.exitCode = 2;
    return;
  }
  if (options.port !== undefined) serveTcp(options.port);
  else serveStdio();
}
