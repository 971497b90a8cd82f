/** Runs the `hyperscope` command line in this process (src/cli/runCommand) and collects what it prints. */
import { runCommand } from '../../src/cli/runCommand';
import type { CliIo } from '../../src/cli/io';

export function cli(args: string[]): { code: number; out: string; err: string } {
  let out = '';
  let err = '';
  const io: CliIo = { stdout: (l) => void (out += l + '\n'), stdoutRaw: (t) => void (out += t), stderr: (l) => void (err += l + '\n') };
  const code = runCommand(args, io);
  return { code, out, err };
}
