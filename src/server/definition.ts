// Go to definition and find references for labels (global and local), equ constants,
// %defines and macros, in the document and the files it includes.
import type { Location, Position } from 'vscode-languageserver';
import type { Analysis } from './analysis';
import { toLspRange } from './positions';

/** Where the symbol under the cursor is defined. */
export function computeDefinition(analysis: Analysis, position: Position, uriOf: (file: string) => string): Location[] {
  const symbol = analysis.symbolAt(position.line, position.character);
  if (symbol === undefined) return [];
  return analysis.definitionsOf(symbol.fullName).map((definition) => ({ uri: uriOf(definition.file), range: toLspRange(definition.range) }));
}
