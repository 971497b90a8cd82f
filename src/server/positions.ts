// Conversions between the assembler's ranges (line/column) and LSP ranges (line/character).
// Both are 0-based, so only the field names change.
import type { Range as AsmRange } from '../asm';
import type { Range } from 'vscode-languageserver';

export function toLspRange(range: AsmRange): Range {
  return { start: { line: range.start.line, character: range.start.column }, end: { line: range.end.line, character: range.end.column } };
}

/** The text covered by a single-line range. */
export function sliceRange(lines: readonly string[], range: AsmRange): string {
  return (lines[range.start.line] ?? '').slice(range.start.column, range.start.line === range.end.line ? range.end.column : undefined);
}
