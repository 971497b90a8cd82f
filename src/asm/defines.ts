// %define/%xdefine/%idefine/%assign/%undef: single-line macros, with arguments, expanded
// in a line's tokens before it is parsed; and constant %if / %assign / %rep expressions.
import { type Token, TokenKind } from './lexer';
import { evaluate, parseExpr } from './expr';
import type { LineContext } from './statement';
import type { Range } from './types';

export interface Define {
  params?: string[];
  body: Token[];
}

export type Defines = Map<string, Define>;

function rangeOf(line: number, start: number, end: number): Range {
  return { start: { line, column: start }, end: { line, column: end } };
}

/** The value of a constant expression (after %define expansion), or undefined after reporting why not. */
export function constantValue(defines: Defines, args: Token[], what: string, report: (m: string) => void): bigint | undefined {
  const tokens = expandDefines(defines, args, 0);
  const parser = { tokens, pos: 0, identifier: (t: Token) => ({ k: 'sym' as const, name: t.text, start: t.start, end: t.end }) };
  const expr = parseExpr(parser);
  if (expr === undefined) {
    report(`invalid ${what}`);
    return undefined;
  }
  const value = evaluate(expr, { symbol: () => undefined, here: 0n, sectionBase: 0n, error: report });
  if (value === undefined) {
    report(`${what} must be a constant expression`);
    return undefined;
  }
  return value.value;
}

/** Handles %define/%xdefine/%idefine/%assign `args`. */
export function defineFromTokens(defines: Defines, args: Token[], name: string, ctx: LineContext, report: (m: string) => void): void {
  const id = args[0];
  if (id === undefined || id.kind !== TokenKind.Ident) {
    report(`${name} needs a name`);
    return;
  }
  let bodyStart = 1;
  const define: Define = { body: [] };
  if (name !== '%assign' && args[1]?.text === '(' && args[1].start === id.end) {
    const params: string[] = [];
    let i = 2;
    for (; i < args.length && args[i]?.text !== ')'; i++) if (args[i]?.kind === TokenKind.Ident) params.push((args[i] as Token).text);
    define.params = params;
    bodyStart = i + 1;
  }
  let body = args.slice(bodyStart);
  if (name === '%xdefine' || name === '%assign') body = expandDefines(defines, body, 0);
  if (name === '%assign') {
    const parser = { tokens: body, pos: 0, identifier: (t: Token) => ({ k: 'sym' as const, name: t.text, start: t.start, end: t.end }) };
    const expr = parseExpr(parser);
    const value = expr === undefined ? undefined : evaluate(expr, { symbol: () => undefined, here: 0n, sectionBase: 0n, error: report });
    if (value === undefined) report('%assign needs a constant expression');
    else body = [{ kind: TokenKind.Number, text: String(value.value), value: value.value, start: id.start, end: id.end }];
  }
  define.body = body;
  defines.set(id.text, define);
  ctx.definitions.push({ name: id.text, fullName: id.text, kind: 'define', file: ctx.file, range: rangeOf(ctx.line, id.start, id.end) });
}

/** Replaces defined identifiers by their bodies (recursively, at most 32 levels). */
export function expandDefines(defines: Defines, tokens: Token[], depth: number): Token[] {
  if (defines.size === 0 || depth > 32) return tokens;
  let out: Token[] | undefined;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i] as Token;
    const define = t.kind === TokenKind.Ident ? defines.get(t.text) : undefined;
    if (define === undefined) {
      out?.push(t);
      continue;
    }
    out ??= tokens.slice(0, i);
    let body = define.body;
    let end = t.end;
    if (define.params !== undefined) {
      const call = collectArguments(tokens, i + 1);
      if (call === undefined) {
        out.push(t);
        continue;
      }
      body = substitute(define.body, define.params, call.args);
      end = call.end;
      i = call.next - 1;
    }
    const placed = body.map((b) => ({ ...b, start: t.start, end }));
    out.push(...expandDefines(defines, placed, depth + 1));
  }
  return out ?? tokens;
}

function collectArguments(tokens: Token[], open: number): { args: Token[][]; next: number; end: number } | undefined {
  if (tokens[open]?.text !== '(') return undefined;
  const args: Token[][] = [[]];
  let depth = 0;
  for (let i = open + 1; i < tokens.length; i++) {
    const t = tokens[i] as Token;
    if (t.text === '(') depth++;
    if (t.text === ')') {
      if (depth === 0) return { args: args[0]?.length === 0 && args.length === 1 ? [] : args, next: i + 1, end: t.end };
      depth--;
    }
    if (t.text === ',' && depth === 0) args.push([]);
    else args[args.length - 1]?.push(t);
  }
  return undefined;
}

function substitute(body: Token[], params: string[], args: Token[][]): Token[] {
  const out: Token[] = [];
  for (const t of body) {
    const index = t.kind === TokenKind.Ident ? params.indexOf(t.text) : -1;
    if (index >= 0) out.push(...(args[index] ?? []));
    else out.push(t);
  }
  return out;
}
