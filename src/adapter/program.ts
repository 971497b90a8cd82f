// Loads the program named in the launch configuration: assembly sources are assembled in
// memory (errors come back as `file:line:col: message`), anything else is a flat binary or
// an ELF64 executable. Also answers the symbol and line questions the debugger asks.
import { readFileSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { assemble, addressToLine, lineToAddresses, type AssembleResult, type Diagnostic, type LineMapEntry } from '../asm/index';
import { LaunchError } from './launchConfig';
import { isElf, parseElf, ImageError } from '../machine/boot/elf';

const SOURCE_EXTENSIONS = /\.(hvasm|asm|nasm|s)$/i;

export interface LoadedProgram {
  readonly path: string;
  readonly bytes: Uint8Array;
  /** The `org` of an assembled flat image. */
  readonly origin: number | undefined;
  readonly assembly: AssembleResult | undefined;
  /** Labels by full name (`main`, `main.loop`), sorted by address in `labels`. */
  readonly labels: readonly { name: string; address: number }[];
  readonly symbols: ReadonlyMap<string, bigint>;
}

export function formatDiagnostic(d: Diagnostic): string {
  return `${d.file}:${d.range.start.line + 1}:${d.range.start.column + 1}: ${d.severity}: ${d.message}`;
}

function readSource(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

export function loadProgram(path: string): LoadedProgram {
  let stat;
  try {
    stat = statSync(path);
  } catch {
    throw new LaunchError(`cannot read program '${path}': no such file (check 'program' and 'cwd' in launch.json)`);
  }
  if (stat.isDirectory()) throw new LaunchError(`program '${path}' is a directory, not a file`);
  if (!SOURCE_EXTENSIONS.test(path)) {
    let bytes: Uint8Array;
    try {
      bytes = new Uint8Array(readFileSync(path));
    } catch (e) {
      throw new LaunchError(`cannot read program '${path}': ${(e as Error).message}`);
    }
    if (bytes.length === 0) throw new LaunchError(`program '${path}' is empty`);
    return { path, bytes, origin: undefined, assembly: undefined, ...imageSymbols(path, bytes) };
  }
  if (readSource(path) === undefined) throw new LaunchError(`cannot read program '${path}'`);
  const result = assemble(path, { readFile: readSource, includePaths: [dirname(path)] });
  const errors = result.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length > 0) {
    throw new LaunchError(`${errors.map(formatDiagnostic).join('\n')}\n(${errors.length} assembly error${errors.length === 1 ? '' : 's'} in ${path})`);
  }
  const symbols = new Map<string, bigint>();
  const labels: { name: string; address: number }[] = [];
  for (const symbol of result.symbols) {
    symbols.set(symbol.name, symbol.value);
    if (symbol.kind === 'label') labels.push({ name: symbol.name, address: Number(symbol.value) });
  }
  labels.sort((a, b) => a.address - b.address);
  return { path, bytes: result.bytes, origin: result.origin, assembly: result, labels, symbols };
}

/** Labels of an ELF64 executable's symbol table (none for a flat binary). */
function imageSymbols(path: string, bytes: Uint8Array): { labels: { name: string; address: number }[]; symbols: Map<string, bigint> } {
  if (!isElf(bytes)) return { labels: [], symbols: new Map() };
  let elfSymbols: Map<string, number>;
  try {
    elfSymbols = parseElf(bytes).symbols;
  } catch (e) {
    if (e instanceof ImageError) throw new LaunchError(`cannot load ${path}: ${e.message}`);
    throw e;
  }
  const labels = [...elfSymbols].filter(([name]) => name !== '').map(([name, address]) => ({ name, address }));
  labels.sort((a, b) => a.address - b.address);
  return { labels, symbols: new Map(labels.map((l) => [l.name, BigInt(l.address)])) };
}

/** The source line (entry) of the instruction or data at `address`, if the program has a line map. */
export function sourceAt(program: LoadedProgram, address: number): LineMapEntry | undefined {
  return program.assembly ? addressToLine(program.assembly, address) : undefined;
}

/** Instruction start addresses for a 0-based source line. */
export function addressesForLine(program: LoadedProgram, file: string, line: number): number[] {
  if (!program.assembly) return [];
  const key = resolve(file);
  const entries = program.assembly.lineMap.filter((e) => e.kind === 'instruction');
  const matching = entries.filter((e) => resolve(e.file) === key && e.line === line).map((e) => e.address);
  return matching.length > 0 ? matching : lineToAddresses(program.assembly, file, line).filter((a) => entries.some((e) => e.address === a));
}

/** `label+0x12` for an address: the nearest label at or below it. */
export function symbolize(program: LoadedProgram, address: number): string | undefined {
  let best: { name: string; address: number } | undefined;
  for (const label of program.labels) {
    if (label.address > address) break;
    best = label;
  }
  if (!best) return undefined;
  const offset = address - best.address;
  return offset === 0 ? best.name : `${best.name}+0x${offset.toString(16)}`;
}

/** Labels matching a function-breakpoint name: the full name, or a local name (`.loop`) anywhere. */
export function labelAddresses(program: LoadedProgram, name: string): number[] {
  const exact = program.labels.filter((l) => l.name === name);
  if (exact.length > 0) return exact.map((l) => l.address);
  return program.labels.filter((l) => l.name.endsWith(name.startsWith('.') ? name : `.${name}`)).map((l) => l.address);
}
