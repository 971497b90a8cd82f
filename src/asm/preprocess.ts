// The preprocessor: reads files through the injected host, follows %include (built-in
// includes first), handles %define/%xdefine/%undef/%assign (with simple arguments),
// %ifdef/%ifndef/%if/%elif/%else/%endif and %error/%warning, and expands defines in
// every other line's tokens before it is parsed.
import { type LexedLine, lexLine, type Token, TokenKind } from './lexer';
import { evaluate, parseExpr } from './expr';
import { type LineContext, type ParsedLine, parseLine } from './statement';
import { builtinIncludes } from './builtins';
import type { AssembleHost, Diagnostic, DirectiveNode, IncludeEdge, LineNode, Range, SymbolDefinition, SymbolReference } from './types';

export interface ProgramLine {
  file: string;
  line: number;
  source: string;
  label: ParsedLine['label'];
  statement: ParsedLine['statement'];
}

export interface Program {
  lines: ProgramLine[];
  /** Per file, its AST lines (for parse()). */
  nodes: Map<string, LineNode[]>;
  files: string[];
  includes: IncludeEdge[];
  definitions: SymbolDefinition[];
  references: SymbolReference[];
  diagnostics: Diagnostic[];
}

interface Define {
  params?: string[];
  body: Token[];
}

interface State {
  host: AssembleHost | undefined;
  /** Build AST nodes and references (parse()), or only statements (assemble()). */
  ast: boolean;
  program: Program;
  defines: Map<string, Define>;
  globalLabel: string;
  depth: number;
}

function rangeOf(line: number, start: number, end: number): Range {
  return { start: { line, column: start }, end: { line, column: end } };
}

/** Directory part of a path ('' if none). */
function dirname(path: string): string {
  const slash = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'));
  return slash < 0 ? '' : path.slice(0, slash + 1);
}

function joinPath(dir: string, path: string): string {
  if (dir === '' || path.startsWith('/')) return path;
  return dir.endsWith('/') || dir.endsWith('\\') ? dir + path : `${dir}/${path}`;
}

/**
 * Preprocesses and parses `text` as `file`; follows includes only when `host` is given.
 * With `ast` false (assembling) the per-line AST nodes and references are not built.
 */
export function loadProgram(text: string, file: string, host: AssembleHost | undefined, ast = true): Program {
  const program: Program = { lines: [], nodes: new Map(), files: [], includes: [], definitions: [], references: [], diagnostics: [] };
  const state: State = { host, ast, program, defines: new Map(), globalLabel: '', depth: 0 };
  processFile(state, text, file);
  return program;
}

function processFile(state: State, text: string, file: string): void {
  const { program } = state;
  program.files.push(file);
  const nodes: LineNode[] = [];
  program.nodes.set(file, nodes);
  const conditions: { active: boolean; taken: boolean; parentActive: boolean }[] = [];
  let lineNumber = 0;
  let from = 0;
  // One context per file, updated line by line (its resolver closure stays valid).
  const ctx: LineContext = { file, line: 0, source: '', globalLabel: '', definitions: program.definitions, references: program.references, diagnostics: program.diagnostics, ast: state.ast, expanded: false };
  while (from <= text.length) {
    let to = text.indexOf('\n', from);
    if (to < 0) to = text.length;
    const source = text.slice(from, to > from && text.charCodeAt(to - 1) === 13 ? to - 1 : to);
    const lexed = lexLine(source);
    const active = conditions.length === 0 || (conditions[conditions.length - 1]?.active ?? true);
    ctx.line = lineNumber;
    ctx.source = source;
    ctx.globalLabel = state.globalLabel;
    for (const e of lexed.errors) program.diagnostics.push({ file, severity: 'error', message: e.message, range: rangeOf(lineNumber, e.start, e.end) });
    const first = lexed.tokens[0];
    if (first?.text === '%' && lexed.tokens[1]?.kind === TokenKind.Ident && lexed.tokens[1].start === first.end) {
      const node = preprocessorLine(state, lexed, ctx, conditions, active);
      if (state.ast) nodes.push(node);
    } else if (active) {
      const tokens = expandDefines(state, lexed.tokens, 0);
      ctx.expanded = tokens !== lexed.tokens;
      const parsed = parseLine(tokens, lexed.commentStart, ctx);
      state.globalLabel = ctx.globalLabel;
      if (parsed.node !== undefined) nodes.push(parsed.node);
      program.lines.push({ file, line: lineNumber, source, label: parsed.label, statement: parsed.statement });
    } else if (state.ast) nodes.push({ line: lineNumber });
    lineNumber++;
    from = to + 1;
  }
  if (conditions.length > 0) program.diagnostics.push({ file, severity: 'error', message: 'missing %endif', range: rangeOf(lineNumber - 1, 0, 0) });
}

function preprocessorLine(state: State, lexed: LexedLine, ctx: LineContext, conditions: { active: boolean; taken: boolean; parentActive: boolean }[], active: boolean): LineNode {
  const tokens = lexed.tokens;
  const nameToken = tokens[1] as Token;
  const name = '%' + nameToken.text.toLowerCase();
  const args = tokens.slice(2);
  const line = ctx.line;
  const node: LineNode = { line };
  const directive: DirectiveNode = {
    kind: 'directive', name, nameRange: rangeOf(line, tokens[0]?.start ?? 0, nameToken.end), preprocessor: true,
    args: args.length > 0 ? [{ text: ctx.source.slice(args[0]?.start ?? 0, args[args.length - 1]?.end ?? 0), range: rangeOf(line, args[0]?.start ?? 0, args[args.length - 1]?.end ?? 0) }] : [],
    range: rangeOf(line, tokens[0]?.start ?? 0, tokens[tokens.length - 1]?.end ?? 0),
  };
  node.statement = directive;
  if (lexed.commentStart >= 0) node.comment = { text: ctx.source.slice(lexed.commentStart), range: rangeOf(line, lexed.commentStart, ctx.source.length) };
  const report = (message: string, severity: 'error' | 'warning' = 'error'): void => {
    ctx.diagnostics.push({ file: ctx.file, severity, message, range: directive.range });
  };
  const top = conditions[conditions.length - 1];
  switch (name) {
    case '%ifdef':
    case '%ifndef':
    case '%if': {
      let value = false;
      if (active) value = name === '%if' ? conditionValue(state, args, report) : state.defines.has(args[0]?.text ?? '') === (name === '%ifdef');
      conditions.push({ active: active && value, taken: value, parentActive: active });
      return node;
    }
    case '%elif':
    case '%else':
      if (top === undefined) report(`${name} without %if`);
      else {
        const value = name === '%else' ? true : conditionValue(state, args, report);
        top.active = top.parentActive && !top.taken && value;
        top.taken ||= top.active;
      }
      return node;
    case '%endif':
      if (conditions.pop() === undefined) report('%endif without %if');
      return node;
  }
  if (!active) return node;
  switch (name) {
    case '%define':
    case '%xdefine':
    case '%idefine':
    case '%assign':
      defineFromTokens(state, args, name, ctx, report);
      break;
    case '%undef':
      state.defines.delete(args[0]?.text ?? '');
      break;
    case '%include':
      includeFile(state, args, ctx, directive.range, report);
      break;
    case '%error':
    case '%warning':
      report(ctx.source.slice(nameToken.end).trim().replace(/^["']|["']$/g, ''), name === '%error' ? 'error' : 'warning');
      break;
    default:
      report(`unsupported preprocessor directive ${name}`);
  }
  return node;
}

function conditionValue(state: State, args: Token[], report: (m: string) => void): boolean {
  const tokens = expandDefines(state, args, 0);
  const parser = { tokens, pos: 0, identifier: (t: Token) => ({ k: 'sym' as const, name: t.text, start: t.start, end: t.end }) };
  const expr = parseExpr(parser);
  if (expr === undefined) {
    report('invalid %if condition');
    return false;
  }
  const value = evaluate(expr, { symbol: () => undefined, here: 0n, sectionBase: 0n, error: report });
  if (value === undefined) {
    report('%if condition must be a constant expression');
    return false;
  }
  return value.value !== 0n;
}

function defineFromTokens(state: State, args: Token[], name: string, ctx: LineContext, report: (m: string) => void): void {
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
  if (name === '%xdefine' || name === '%assign') body = expandDefines(state, body, 0);
  if (name === '%assign') {
    const parser = { tokens: body, pos: 0, identifier: (t: Token) => ({ k: 'sym' as const, name: t.text, start: t.start, end: t.end }) };
    const expr = parseExpr(parser);
    const value = expr === undefined ? undefined : evaluate(expr, { symbol: () => undefined, here: 0n, sectionBase: 0n, error: report });
    if (value === undefined) report('%assign needs a constant expression');
    else body = [{ kind: TokenKind.Number, text: String(value.value), value: value.value, start: id.start, end: id.end }];
  }
  define.body = body;
  state.defines.set(id.text, define);
  ctx.definitions.push({ name: id.text, fullName: id.text, kind: 'define', file: ctx.file, range: rangeOf(ctx.line, id.start, id.end) });
}

function includeFile(state: State, args: Token[], ctx: LineContext, range: Range, report: (m: string) => void): void {
  const pathToken = args[0];
  if (pathToken === undefined || pathToken.kind !== TokenKind.String) {
    report('%include needs a quoted file name');
    return;
  }
  const path = pathToken.text;
  const edge: IncludeEdge = { from: ctx.file, path, range };
  state.program.includes.push(edge);
  const host = state.host;
  if (host === undefined) return;
  let text = builtinIncludes[path];
  let resolved = text === undefined ? undefined : path;
  for (const dir of [dirname(ctx.file), ...(host.includePaths ?? [])]) {
    if (text !== undefined) break;
    const candidate = joinPath(dir, path);
    text = safeRead(host, candidate);
    if (text !== undefined) resolved = candidate;
  }
  if (text === undefined || resolved === undefined) {
    report(`cannot find include file '${path}'`);
    return;
  }
  edge.resolved = resolved;
  if (state.depth >= 32 || state.program.files.filter((f) => f === resolved).length > 16) {
    report(`%include nested too deeply (recursive include of '${path}'?)`);
    return;
  }
  state.depth++;
  processFile(state, text, resolved);
  state.depth--;
}

function safeRead(host: AssembleHost, path: string): string | undefined {
  try {
    return host.readFile(path);
  } catch {
    return undefined;
  }
}

/** Replaces defined identifiers by their bodies (recursively, at most 32 levels). */
function expandDefines(state: State, tokens: Token[], depth: number): Token[] {
  if (state.defines.size === 0 || depth > 32) return tokens;
  let out: Token[] | undefined;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i] as Token;
    const define = t.kind === TokenKind.Ident ? state.defines.get(t.text) : undefined;
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
    out.push(...expandDefines(state, placed, depth + 1));
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
