// A small line scanner for editor features (hover on any word, semantic tokens of operands):
// splits a line into identifiers, numbers, strings, operators and the comment. Pure; the
// assembler's own lexer is private to src/asm.

export type SourceTokenKind = 'identifier' | 'number' | 'string' | 'operator' | 'comment';

export interface SourceToken {
  kind: SourceTokenKind;
  text: string;
  start: number;
  end: number;
}

const identStart = /[A-Za-z_.?@$%]/;
const identPart = /[A-Za-z0-9_.?@$#~]/;

/** Tokens of one line, left to right; `%1`, `%%x`, `$`, `$$` count as identifiers. */
export function scanLine(text: string): SourceToken[] {
  const tokens: SourceToken[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text.charAt(i);
    const start = i;
    if (c === ' ' || c === '\t' || c === '\r') {
      i++;
    } else if (c === ';') {
      tokens.push({ kind: 'comment', text: text.slice(i), start, end: text.length });
      break;
    } else if (c === '"' || c === "'" || c === '`') {
      i++;
      while (i < text.length && text.charAt(i) !== c) i += c === '`' && text.charAt(i) === '\\' ? 2 : 1;
      i = Math.min(i + 1, text.length);
      tokens.push({ kind: 'string', text: text.slice(start, i), start, end: i });
    } else if (/[0-9]/.test(c) || (c === '$' && /[0-9]/.test(text.charAt(i + 1)))) {
      i++;
      while (i < text.length && /[0-9A-Za-z_.]/.test(text.charAt(i))) i++;
      tokens.push({ kind: 'number', text: text.slice(start, i), start, end: i });
    } else if (identStart.test(c) && !(c === '%' && !/[A-Za-z_%0-9+-]/.test(text.charAt(i + 1)))) {
      i++;
      if (c === '%' && text.charAt(i) === '%') i++;
      while (i < text.length && identPart.test(text.charAt(i))) i++;
      tokens.push({ kind: 'identifier', text: text.slice(start, i), start, end: i });
    } else {
      const two = text.slice(i, i + 2);
      i += ['<<', '>>', '//', '%%', '==', '!=', '<=', '>=', '&&', '||'].includes(two) ? 2 : 1;
      tokens.push({ kind: 'operator', text: text.slice(start, i), start, end: i });
    }
  }
  return tokens;
}

/** The identifier or number token under (or just before) `column`, if any. */
export function tokenAt(text: string, column: number): SourceToken | undefined {
  let found: SourceToken | undefined;
  for (const token of scanLine(text)) {
    if (token.kind === 'comment') break;
    if (token.kind !== 'identifier' && token.kind !== 'number') continue;
    if (column >= token.start && column < token.end) return token;
    if (column === token.end) found = token;
  }
  return found;
}
