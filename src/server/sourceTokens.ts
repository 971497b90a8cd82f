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

const isDigit = (c: number): boolean => c >= 48 && c <= 57;
const isLetter = (c: number): boolean => (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
/** `A-Z a-z _ . ? @ $` */
const isIdentStart = (c: number): boolean => isLetter(c) || c === 95 || c === 46 || c === 63 || c === 64 || c === 36;
/** identifier start, digits, `#` and `~` */
const isIdentPart = (c: number): boolean => isIdentStart(c) || isDigit(c) || c === 35 || c === 126;
const twoCharOperators = new Set(['<<', '>>', '//', '%%', '==', '!=', '<=', '>=', '&&', '||']);

/** Tokens of one line, left to right; `%1`, `%%x`, `%define`, `$`, `$$` count as identifiers. */
export function scanLine(text: string): SourceToken[] {
  const tokens: SourceToken[] = [];
  const length = text.length;
  let i = 0;
  while (i < length) {
    const c = text.charCodeAt(i);
    const start = i;
    if (c === 32 || c === 9 || c === 13) {
      i++;
      continue;
    }
    if (c === 59) {
      tokens.push({ kind: 'comment', text: text.slice(i), start, end: length });
      break;
    }
    let kind: SourceTokenKind;
    if (c === 34 || c === 39 || c === 96) {
      i++;
      while (i < length && text.charCodeAt(i) !== c) i += c === 96 && text.charCodeAt(i) === 92 ? 2 : 1;
      i = Math.min(i + 1, length);
      kind = 'string';
    } else if (isDigit(c) || (c === 36 && isDigit(text.charCodeAt(i + 1)))) {
      i++;
      while (i < length && (isDigit(text.charCodeAt(i)) || isLetter(text.charCodeAt(i)) || text.charCodeAt(i) === 95 || text.charCodeAt(i) === 46)) i++;
      kind = 'number';
    } else if (isIdentStart(c) || (c === 37 && isMacroStart(text.charCodeAt(i + 1)))) {
      i++;
      if (c === 37 && text.charCodeAt(i) === 37) i++;
      while (i < length && isIdentPart(text.charCodeAt(i))) i++;
      kind = 'identifier';
    } else {
      i += twoCharOperators.has(text.slice(i, i + 2)) ? 2 : 1;
      kind = 'operator';
    }
    tokens.push({ kind, text: text.slice(start, i), start, end: i });
  }
  return tokens;
}

/** After `%`: a directive or macro-local name (`%define`, `%%x`), a parameter (`%1`, `%+1`). */
function isMacroStart(c: number): boolean {
  return isIdentStart(c) || isDigit(c) || c === 37 || c === 43 || c === 45;
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
