#!/usr/bin/env node
/** `hyperscope` command-line entry: run | asm | dap | lsp | version | help. */
import { UsageError } from './args';
import { processIo } from './io';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { runCommand } from './runCommand';
import { runAsmCommand } from './asmCommand';
import { runLspCommand } from './lspCommand';
import { runDapCommand } from './dapCommand';

const HELP = `usage: hyperscope <command> [options]

commands:
  run FILE [--mode bare] [--max-instructions N] [--memory MB] [--entry ADDR] [--json]
        run a flat binary, ELF64 executable or assembly source (.hvasm/.asm) to a stop
  asm FILE -o OUT.bin [--listing OUT.lst]
        assemble NASM-syntax source into a flat image
  lsp [--stdio]
        start the hvasm language server (for Neovim, Emacs, Helix, ...)
  dap [--stdio | --server=PORT]
        start the debug adapter (Debug Adapter Protocol) for any DAP client
  help  show this text`;

function main(argv: string[]): number {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'run':
        return runCommand(rest, processIo);
      case 'asm':
        return runAsmCommand(rest, {
          readFile: (path: string) => (existsSync(path) ? readFileSync(path, 'utf8') : undefined),
          writeFile: (path: string, data: Uint8Array | string) => writeFileSync(path, data),
          stderr: processIo.stderr,
          stdout: processIo.stdout,
        });
      case 'lsp':
        runLspCommand(rest);
        return -1; // the server keeps the process alive
      case 'dap':
        runDapCommand(rest);
        return -1; // the adapter keeps the process alive
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        processIo.stdout(HELP);
        return command === undefined ? 2 : 0;
      default:
        throw new UsageError(`unknown command '${command}' (try: hyperscope help)`);
    }
  } catch (e) {
    if (e instanceof UsageError) {
      processIo.stderr(`hyperscope: ${e.message}`);
      return 2;
    }
    throw e;
  }
}

// A closed pipe (`hyperscope run ... | head`) ends the process quietly instead of failing writes.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0);
    throw error;
  });
}

const code = main(process.argv.slice(2));
if (code >= 0) process.exitCode = code;
