// Rename a label, local label, equ constant or %define everywhere it occurs. A local label
// written in full (`main.loop`) keeps its parent prefix; built-in includes are never edited.
import { ResponseError, ErrorCodes } from 'vscode-languageserver';
import type { Position, Range, TextEdit, WorkspaceEdit } from 'vscode-languageserver';
import { builtinIncludes } from '../asm';
import type { Analysis } from './analysis';
import { sliceRange, toLspRange } from './positions';
import { occurrencesAt } from './references';

const identifier = /^\.?[A-Za-z_?][\w.?$#@~]*$/;

/** The range of the symbol under the cursor and its name, if it can be renamed. */
export function prepareRename(analysis: Analysis, position: Position): { range: Range; placeholder: string } | null {
  const found = occurrencesAt(analysis, position);
  if (found === undefined || found.occurrences.some((occurrence) => Object.hasOwn(builtinIncludes, occurrence.file))) return null;
  const symbol = analysis.symbolAt(position.line, position.character);
  if (symbol === undefined) return null;
  return { range: toLspRange(symbol.range), placeholder: sliceRange(analysis.lines, symbol.range) };
}

export function computeRename(analysis: Analysis, position: Position, newName: string, uriOf: (file: string) => string): WorkspaceEdit {
  const found = occurrencesAt(analysis, position);
  if (found === undefined) throw new ResponseError(ErrorCodes.InvalidParams, 'There is no label, constant or %define here to rename.');
  if (found.occurrences.some((occurrence) => Object.hasOwn(builtinIncludes, occurrence.file))) throw new ResponseError(ErrorCodes.InvalidParams, `${found.fullName} is defined in a built-in include and cannot be renamed.`);
  const local = found.occurrences.some((occurrence) => occurrence.definition && sliceRange(linesOf(analysis, occurrence.file), occurrence.range).startsWith('.'));
  const shortName = local && !newName.startsWith('.') ? `.${newName}` : newName;
  if (!identifier.test(shortName)) throw new ResponseError(ErrorCodes.InvalidParams, `"${newName}" is not a valid name: use letters, digits, _ . ? $ # @ ~, not starting with a digit.`);
  const changes: Record<string, TextEdit[]> = {};
  for (const occurrence of found.occurrences) {
    const written = sliceRange(linesOf(analysis, occurrence.file), occurrence.range);
    const newText = local && !written.startsWith('.') && written.includes('.') ? `${written.slice(0, written.indexOf('.'))}${shortName}` : shortName;
    (changes[uriOf(occurrence.file)] ??= []).push({ range: toLspRange(occurrence.range), newText });
  }
  if (!local) renameLocalPrefixes(analysis, found.fullName, shortName, (file, edit) => (changes[uriOf(file)] ??= []).push(edit));
  return { changes };
}

/** A global label's locals written in full (`main.loop`) keep pointing at it after a rename. */
function renameLocalPrefixes(analysis: Analysis, oldName: string, newName: string, add: (file: string, edit: TextEdit) => void): void {
  const prefix = `${oldName}.`;
  for (const file of analysis.allFiles()) {
    const lines = linesOf(analysis, file.fileName);
    for (const reference of analysis.referencesIn(file)) {
      if (!reference.fullName.startsWith(prefix) || !sliceRange(lines, reference.range).startsWith(prefix)) continue;
      const start = reference.range.start;
      add(file.fileName, { range: { start: { line: start.line, character: start.column }, end: { line: start.line, character: start.column + oldName.length } }, newText: newName });
    }
  }
}

function linesOf(analysis: Analysis, file: string): string[] {
  return file === analysis.file ? analysis.lines : (analysis.readSource(file) ?? '').split(/\r?\n/);
}
