// parse(): one file's AST for the language server, without following includes.
import { loadProgram } from './preprocess';
import type { ParsedFile } from './types';

/** Parses one file on its own: lines, labels, instructions, directives, symbols, includes. Never throws. */
export function parse(text: string, fileName: string): ParsedFile {
  try {
    const program = loadProgram(text, fileName, undefined);
    return {
      fileName,
      lines: program.nodes.get(fileName) ?? [],
      definitions: program.definitions,
      references: program.references,
      includes: program.includes,
      diagnostics: program.diagnostics,
    };
  } catch (e) {
    const message = `internal parser error: ${e instanceof Error ? e.message : String(e)}`;
    return { fileName, lines: [], definitions: [], references: [], includes: [], diagnostics: [{ file: fileName, severity: 'error', message, range: { start: { line: 0, column: 0 }, end: { line: 0, column: 0 } } }] };
  }
}
