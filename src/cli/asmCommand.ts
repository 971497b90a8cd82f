// `hyperscope asm FILE -o OUT.bin [--listing OUT.lst]`: assemble a source to a flat image.
// Exit codes: 0 ok, 1 source errors (printed as file:line:col: severity: message), 2 bad usage.
import { assemble } from '../asm/index';

export interface AsmCommandIo {
  readFile(path: string): string | undefined;
  writeFile(path: string, data: Uint8Array | string): void;
  stderr(line: string): void;
  stdout(line: string): void;
}

const USAGE = 'usage: hyperscope asm FILE -o OUT.bin [--listing OUT.lst]';

export function runAsmCommand(args: string[], io: AsmCommandIo): number {
  let input: string | undefined;
  let output: string | undefined;
  let listing: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? '';
    if (arg === '-o' || arg === '--output') output = args[++i];
    else if (arg === '--listing' || arg === '-l') listing = args[++i];
    else if (arg.startsWith('-') || input !== undefined) {
      io.stderr(`unexpected argument '${arg}'`);
      io.stderr(USAGE);
      return 2;
    } else input = arg;
  }
  if (input === undefined || output === undefined || (listing === undefined && args.some((a) => a === '--listing' || a === '-l'))) {
    io.stderr(USAGE);
    return 2;
  }
  const result = assemble(input, { readFile: (path) => io.readFile(path) });
  for (const d of result.diagnostics) io.stderr(`${d.file}:${d.range.start.line + 1}:${d.range.start.column + 1}: ${d.severity}: ${d.message}`);
  if (!result.ok) return 1;
  io.writeFile(output, result.bytes);
  if (listing !== undefined) io.writeFile(listing, result.listing);
  io.stdout(`${output}: ${result.bytes.length} bytes at 0x${result.origin.toString(16)}`);
  return 0;
}
