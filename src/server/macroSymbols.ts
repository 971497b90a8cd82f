// Uses of %define'd names and macros. The assembler expands single-line macros before it
// records references, so their uses are found here by scanning each line's identifiers.
import type { ParsedFile, SymbolReference } from '../asm';
import { scanLine } from './sourceTokens';

/** References to any of `names` in `parsed` (whose text is `text`), outside comments and strings. */
export function macroUses(parsed: ParsedFile, text: string, names: ReadonlySet<string>): SymbolReference[] {
  if (names.size === 0) return [];
  const taken = new Set([...parsed.definitions, ...parsed.references].map((symbol) => `${symbol.range.start.line}:${symbol.range.start.column}`));
  const out: SymbolReference[] = [];
  text.split(/\r?\n/).forEach((lineText, line) => {
    for (const token of scanLine(lineText)) {
      if (token.kind !== 'identifier' || !names.has(token.text) || taken.has(`${line}:${token.start}`)) continue;
      out.push({ name: token.text, fullName: token.text, file: parsed.fileName, range: { start: { line, column: token.start }, end: { line, column: token.end } } });
    }
  });
  return out;
}
