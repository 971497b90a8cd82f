#!/usr/bin/env node
/** `hyperscope` command-line entry: run | asm | dap | lsp | version | help. */
import { UsageError } from './args';
import { processIo } from './io';
import { runCommand } from './runCommand';

const HELP = `usage: hyperscope <command> [options]

commands:
  run FILE [--mode bare] [--max-instructions N] [--memory MB] [--entry ADDR] [--json]
        run a flat binary, ELF64 executable or assembly source (.hvasm/.asm) to a stop
  asm FILE -o OUT.bin [--listing OUT.lst]
        assemble NASM-syntax source into a flat image
  help  show this text`;

function main(argv: string[]): number {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'run':
        return runCommand(rest, processIo);
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

process.exitCode = main(process.argv.slice(2));
