// Entry point of dist/adapter.js: the debug adapter as its own process
// (`node dist/adapter.js [--server=PORT]`), used when VS Code runs the adapter externally.
import { parseDapArgs, serveStdio, serveTcp } from './serve';

try {
  const options = parseDapArgs(process.argv.slice(2));
  if (options.port !== undefined) serveTcp(options.port);
  else serveStdio();
} catch (e) {
  process.stderr.write(`hyperscope-adapter: ${(e as Error).message}\n`);
  process.exitCode = 2;
}
