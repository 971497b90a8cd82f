// Multi-line macros and %rep as nasm has them (manual §4.3, §4.5): `%macro name N` (or `N+`
// for a greedy last parameter) … `%endmacro`, invoked as `name a, b`; in the body `%1`…
// `%N` and `%{N}` are the arguments, `%0` their count and `%%label` a label unique to
// each expansion (`..@<id>.label`, which does not start a new local-label scope).
// Substitution is on text (not inside strings or comments), before the lines are lexed.
import type { Token } from './lexer';

export interface BodyLine {
  text: string;
  /** 0-based line in the file that defines the body. */
  line: number;
}

export interface MacroDefinition {
  name: string;
  /** Parameters expected (for `N+`: at least N, the last taking the rest of the line). */
  params: number;
  greedy: boolean;
  body: BodyLine[];
}

/** The lower-cased `%directive` a line starts with (`%macro`, `%endrep`, …), without lexing it. */
export function leadingDirective(text: string): string | undefined {
  let i = 0;
  while (i < text.length && (text.charCodeAt(i) === 32 || text.charCodeAt(i) === 9)) i++;
  if (text.charCodeAt(i) !== 37) return undefined;
  let end = i + 1;
  while (end < text.length && /[A-Za-z]/.test(text[end] ?? '')) end++;
  return end > i + 1 ? text.slice(i, end).toLowerCase() : undefined;
}

/** Parses `name N` / `name N+` after %macro; returns a message when malformed. */
export function parseMacroHeader(args: Token[]): { name: string; params: number; greedy: boolean } | string {
  const [name, count, plus] = args;
  if (name === undefined) return '%macro needs a name and a parameter count';
  const params = count === undefined ? 0 : Number(count.value ?? -1);
  if (!Number.isInteger(params) || params < 0) return `%macro ${name.text}: the parameter count must be a number`;
  const greedy = plus?.text === '+';
  if (args.length > (greedy ? 3 : 2)) return `%macro ${name.text}: only 'N' and 'N+' parameter counts are supported`;
  return { name: name.text, params, greedy };
}

/**
 * The arguments of an invocation: source text between top-level commas (brackets,
 * parentheses and `{…}` group; braces are removed). With `greedy` the rest of the line
 * after `params - 1` arguments is one argument.
 */
export function splitMacroArguments(source: string, tokens: Token[], from: number, params: number, greedy: boolean): string[] {
  const args: string[] = [];
  let depth = 0;
  let first: Token | undefined;
  let last: Token | undefined;
  const close = (): void => {
    if (first === undefined || last === undefined) args.push('');
    else if (first.text === '{' && last.text === '}' && first !== last) args.push(source.slice(first.end, last.start));
    else args.push(source.slice(first.start, last.end));
    first = last = undefined;
  };
  for (let i = from; i < tokens.length; i++) {
    const t = tokens[i] as Token;
    if (t.text === ',' && depth === 0 && !(greedy && args.length === params - 1)) {
      close();
      continue;
    }
    if (t.text === '[' || t.text === '(' || t.text === '{') depth++;
    if (t.text === ']' || t.text === ')' || t.text === '}') depth--;
    first ??= t;
    last = t;
  }
  if (first !== undefined || args.length > 0) close();
  return args;
}

/** The body line with `%0`, `%N`, `%{N}` and `%%label` replaced for expansion number `id`. */
export function substituteMacroLine(text: string, args: readonly string[], id: number): string {
  if (!text.includes('%')) return text;
  let out = '';
  let i = 0;
  while (i < text.length) {
    const c = text[i] ?? '';
    if (c === ';') return out + text.slice(i); // a comment: left as written
    if (c === "'" || c === '"' || c === '`') {
      // nasm does not substitute inside strings
      let end = i + 1;
      while (end < text.length && text[end] !== c) end += c === '`' && text[end] === '\\' ? 2 : 1;
      out += text.slice(i, end + 1);
      i = end + 1;
      continue;
    }
    if (c !== '%') {
      out += c;
      i++;
      continue;
    }
    const next = text[i + 1] ?? '';
    if (next === '%' && /[A-Za-z_.?$@]/.test(text[i + 2] ?? '')) {
      let end = i + 2;
      while (end < text.length && /[\w.?$@#~]/.test(text[end] ?? '')) end++;
      out += `..@${id}.${text.slice(i + 2, end)}`;
      i = end;
    } else if (/[0-9]/.test(next) || (next === '{' && /[0-9]/.test(text[i + 2] ?? ''))) {
      const braced = next === '{';
      let end = i + (braced ? 2 : 1);
      while (end < text.length && /[0-9]/.test(text[end] ?? '')) end++;
      const index = Number(text.slice(i + (braced ? 2 : 1), end));
      if (braced && text[end] === '}') end++;
      out += index === 0 ? String(args.length) : (args[index - 1] ?? '');
      i = end;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}
