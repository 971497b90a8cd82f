// Go to definition and find references for labels (global and local), equ constants,
// %defines and macros, in the document and the files it includes; on an `%include` line,
// the included file.
import type { Location, Position } from 'vscode-languageserver';
import { builtinIncludes } from '../asm';
import type { Analysis } from './analysis';
import { toLspRange } from './positions';

/** Where the symbol under the cursor is defined. */
export function computeDefinition(analysis: Analysis, position: Position, uriOf: (file: string) => string): Location[] {
  const symbol = analysis.symbolAt(position.line, position.character);
  if (symbol === undefined) return includeTarget(analysis, position.line, uriOf);
  return analysis.definitionsOf(symbol.fullName).map((definition) => ({ uri: uriOf(definition.file), range: toLspRange(definition.range) }));
}

/** The file an `%include` on `line` resolved to (built-in includes have no file to open). */
function includeTarget(analysis: Analysis, line: number, uriOf: (file: string) => string): Location[] {
  const edge = analysis.assembled.includes.find((candidate) => candidate.from === analysis.file && candidate.range.start.line === line);
  if (edge?.resolved === undefined || Object.hasOwn(builtinIncludes, edge.resolved)) return [];
  return [{ uri: uriOf(edge.resolved), range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } } }];
}
