// Conversions between the assembler's ranges (line/column) and LSP ranges (line/character).
// Both are 0-based, so only the field names change.
import type { Position as AsmPosition, Range as AsmRange } from '../asm';
import type { Position, Range } from 'vscode-languageserver';

export function toLspRange(range: AsmRange): Range {
  return { start: { line: range.start.line, character: range.start.column }, end: { line: range.end.line, character: range.end.column } };
}

export function toAsmPosition(position: Position): AsmPosition {
  return { line: position.line, column: position.character };
}

/** True when `position` lies inside `range` (end inclusive, so a cursor right after a word still hits it). */
export function rangeContains(range: AsmRange, position: AsmPosition): boolean {
  const { start, end } = range;
  if (position.line < start.line || position.line > end.line) return false;
  if (position.line === start.line && position.column < start.column) return false;
  if (position.line === end.line && position.column > end.column) return false;
  return true;
}

/** The text covered by a single-line range. */
export function sliceRange(lines: readonly string[], range: AsmRange): string {
  return (lines[range.start.line] ?? '').slice(range.start.column, range.start.line === range.end.line ? range.end.column : undefined);
}
