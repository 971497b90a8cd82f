// assemble(): the whole program, following includes, to a flat image like `nasm -f bin`.
import { layout } from './layout';
import { formatListing } from './listing';
import { loadProgram, type ProgramLine } from './preprocess';
import type { AssembledSymbol, AssembleHost, AssembleOptions, AssembleResult, Diagnostic } from './types';

function failure(entryFile: string, message: string): AssembleResult {
  const diagnostic: Diagnostic = { file: entryFile, severity: 'error', message, range: { start: { line: 0, column: 0 }, end: { line: 0, column: 0 } } };
  return { bytes: new Uint8Array(0), origin: 0, symbols: [], lineMap: [], listing: '', files: [entryFile], includes: [], diagnostics: [diagnostic], ok: false };
}

/** Assembles `entryFile` (read through `host`) to a flat image. Never throws. */
export function assemble(entryFile: string, host: AssembleHost, options: AssembleOptions = {}): AssembleResult {
  try {
    let text: string | undefined;
    try {
      text = host.readFile(entryFile);
    } catch {
      text = undefined;
    }
    if (text === undefined) return failure(entryFile, `cannot read ${entryFile}`);
    return assembleText(text, entryFile, host, options);
  } catch (e) {
    return failure(entryFile, `internal assembler error: ${e instanceof Error ? e.message : String(e)}`);
  }
}

function assembleText(text: string, entryFile: string, host: AssembleHost, options: AssembleOptions): AssembleResult {
  const program = loadProgram(text, entryFile, host, false);
  const diagnostics = program.diagnostics;
  const result = layout(program.lines, options.bits ?? 64, diagnostics);
  const progbits = result.sections.filter((s) => !s.nobits && s.size > 0);
  const end = progbits.reduce((max, s) => Math.max(max, s.start + s.size), result.origin);
  const bytes = new Uint8Array(Math.max(0, end - result.origin));
  for (const s of progbits) bytes.set(s.bytes, s.start - result.origin);
  const symbols: AssembledSymbol[] = [];
  const definitionOf = new Map(program.definitions.map((d) => [d.fullName, d]));
  for (const [name, label] of result.labels) {
    const d = definitionOf.get(name);
    if (d !== undefined) symbols.push({ name, kind: 'label', value: label.value, section: label.section, file: d.file, range: d.range });
  }
  for (const [name, value] of result.equs) {
    const d = definitionOf.get(name);
    if (d !== undefined) symbols.push({ name, kind: 'equ', value, file: d.file, range: d.range });
  }
  const inSourceOrder = result.lineMap.slice();
  const lineMap = result.lineMap.sort((a, b) => a.address - b.address);
  let listing: string | undefined;
  const source = listingSources(program.lines);
  return {
    bytes,
    origin: result.origin,
    symbols,
    lineMap,
    get listing(): string {
      listing ??= formatListing({ entries: inSourceOrder, image: bytes, origin: result.origin, entryFile, source });
      return listing;
    },
    files: program.files,
    includes: program.includes,
    diagnostics,
    ok: !diagnostics.some((d) => d.severity === 'error'),
  };
}

/** Source text by file and line, indexed on first use (only the listing needs it). */
function listingSources(lines: readonly ProgramLine[]): (file: string, line: number) => string {
  let index: Map<string, Map<number, string>> | undefined;
  return (file, line) => {
    if (index === undefined) {
      index = new Map();
      for (const pl of lines) {
        let byLine = index.get(pl.file);
        if (byLine === undefined) index.set(pl.file, (byLine = new Map()));
        byLine.set(pl.line, pl.source);
      }
    }
    return index.get(file)?.get(line) ?? '';
  };
}

/** Assembles a source held in memory; `%include` resolves built-in includes and `files`. */
export function assembleSource(text: string, fileName = 'input.asm', options: AssembleOptions = {}, files: Record<string, string> = {}): AssembleResult {
  const host: AssembleHost = { readFile: (path) => (path === fileName ? text : files[path]) };
  return assemble(fileName, host, options);
}

/** Benchmark entry: assembles `text` `repeat` times; returns lines per second of the median run. */
export function measureAssembler(text: string, repeat = 3): { linesPerSecond: number; milliseconds: number; bytes: number } {
  const lines = text.split('\n').length;
  const times: number[] = [];
  let bytes = 0;
  for (let i = 0; i < repeat; i++) {
    const start = performance.now();
    bytes = assembleSource(text, 'bench.asm').bytes.length;
    times.push(performance.now() - start);
  }
  // The median run: one run is at the mercy of a garbage collection or a busy neighbour.
  const milliseconds = times.sort((a, b) => a - b)[Math.floor(times.length / 2)]!;
  return { linesPerSecond: Math.round((lines / milliseconds) * 1000), milliseconds, bytes };
}
