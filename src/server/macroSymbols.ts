// Symbols the parser leaves out because the preprocessor consumes them: the names of
// multi-line macros (from their `%macro NAME n` lines), and every use of a %define'd name
// or macro (expanded before references are recorded), found by scanning identifiers.
import type { ParsedFile, SymbolDefinition, SymbolReference } from '../asm';
import { scanLine } from './sourceTokens';

const withMacros = new WeakMap<ParsedFile, SymbolDefinition[]>();

/** The parser's definitions plus one `macro` definition per `%macro NAME` line. */
export function definitionsIn(parsed: ParsedFile): SymbolDefinition[] {
  let list = withMacros.get(parsed);
  if (list === undefined) {
    list = [...parsed.definitions];
    for (const node of parsed.lines) {
      const statement = node.statement;
      if (statement?.kind !== 'directive' || !/^%i?r?macro$/i.test(statement.name)) continue;
      const arg = statement.args[0];
      const name = /^[A-Za-z_.?$][\w.?$#@~]*/.exec(arg?.text ?? '')?.[0];
      if (arg === undefined || name === undefined || list.some((definition) => definition.kind === 'macro' && definition.name === name)) continue;
      const start = arg.range.start;
      list.push({ name, fullName: name, kind: 'macro', file: parsed.fileName, range: { start, end: { line: start.line, column: start.column + name.length } } });
    }
    withMacros.set(parsed, list);
  }
  return list;
}

/** References to any of `names` in `parsed` (whose text is `text`), outside comments and strings. */
export function macroUses(parsed: ParsedFile, text: string, names: ReadonlySet<string>): SymbolReference[] {
  if (names.size === 0) return [];
  const taken = new Set([...definitionsIn(parsed), ...parsed.references].map((symbol) => `${symbol.range.start.line}:${symbol.range.start.column}`));
  const out: SymbolReference[] = [];
  text.split(/\r?\n/).forEach((lineText, line) => {
    for (const token of scanLine(lineText)) {
      if (token.kind !== 'identifier' || !names.has(token.text) || taken.has(`${line}:${token.start}`)) continue;
      out.push({ name: token.text, fullName: token.text, file: parsed.fileName, range: { start: { line, column: token.start }, end: { line, column: token.end } } });
    }
  });
  return out;
}
