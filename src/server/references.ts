// Find references: every use of the symbol under the cursor, optionally with its definition.
import type { Location, Position } from 'vscode-languageserver';
import type { Range as AsmRange } from '../asm';
import type { Analysis } from './analysis';
import { toLspRange } from './positions';

export interface Occurrence {
  file: string;
  range: AsmRange;
  definition: boolean;
}

/** Definitions and references of the symbol under the cursor, or undefined if there is none. */
export function occurrencesAt(analysis: Analysis, position: Position): { fullName: string; occurrences: Occurrence[] } | undefined {
  const symbol = analysis.symbolAt(position.line, position.character);
  if (symbol === undefined) return undefined;
  const occurrences: Occurrence[] = [
    ...analysis.definitionsOf(symbol.fullName).map((definition) => ({ file: definition.file, range: definition.range, definition: true })),
    ...analysis.referencesTo(symbol.fullName).map((reference) => ({ file: reference.file, range: reference.range, definition: false })),
  ];
  const seen = new Set<string>();
  const unique = occurrences.filter((occurrence) => {
    const key = `${occurrence.file}:${occurrence.range.start.line}:${occurrence.range.start.column}`;
    return seen.has(key) ? false : (seen.add(key), true);
  });
  return { fullName: symbol.fullName, occurrences: unique };
}

export function computeReferences(analysis: Analysis, position: Position, includeDeclaration: boolean, uriOf: (file: string) => string): Location[] {
  const found = occurrencesAt(analysis, position);
  if (found === undefined) return [];
  return found.occurrences.filter((occurrence) => includeDeclaration || !occurrence.definition).map((occurrence) => ({ uri: uriOf(occurrence.file), range: toLspRange(occurrence.range) }));
}
