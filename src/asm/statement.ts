// One line of tokens (after %define expansion) → the AST node for the language server
// and the statement the assembler executes. Never throws: problems become diagnostics.
import { type Token, TokenKind } from './lexer';
import { type Expr, type ExprParser, parseExpr } from './expr';
import { isOperandError, type Operand, parseOperand, SIZE_KEYWORDS } from './operands';
import { registerByName } from './registers';
import type { Diagnostic, DirectiveNode, InstructionNode, LabelNode, LineNode, OperandNode, Range, SymbolDefinition, SymbolReference } from './types';
import { classify, DATA_UNITS, isDirectiveName, isInstructionName, isPrefix, RES_UNITS } from './words';

export interface DataItem {
  text?: string;
  expr?: Expr;
  start: number;
  end: number;
}

export type Statement =
  | InstructionStatement
  | { k: 'data'; unit: number; items: DataItem[] }
  | { k: 'res'; unit: number; count: Expr }
  | { k: 'times'; count: Expr; body: Statement }
  | { k: 'equ'; expr: Expr }
  | { k: 'org'; expr: Expr }
  | { k: 'bits'; bits: 16 | 32 | 64 }
  | { k: 'section'; name: string; align?: number }
  | { k: 'align'; expr: Expr; fill?: Statement; bss: boolean }
  | { k: 'default'; rel: boolean }
  | { k: 'none' };

/** An instruction. Its text (for messages) is columns into the line's source, sliced only when needed. */
export interface InstructionStatement {
  k: 'insn';
  mnemonic: string;
  prefixes: readonly string[];
  operands: Operand[];
  /** Source of the whole line. */
  source: string;
  /** Columns of the instruction text (prefixes, mnemonic, operands) and of the mnemonic. */
  start: number;
  end: number;
  mnemonicStart: number;
  mnemonicEnd: number;
}

/** The instruction as written, whitespace collapsed: `mov qword [rax], bl`. */
export function instructionText(stmt: InstructionStatement): string {
  return stmt.source.slice(stmt.start, stmt.end).replace(/\s+/g, ' ');
}

/** The statement of lines that emit nothing (shared: statements are never modified). */
export const NO_STATEMENT: Statement = { k: 'none' };
const NO_PREFIXES: readonly string[] = [];
/** Shared by lines without prefixes; never pushed to. */
const NO_PREFIX_TOKENS: { name: string; start: number; end: number }[] = [];
/** Stands in for the line node when no AST is built; what is written to it is never read. */
const SCRATCH_NODE: LineNode = { line: 0 };


export { isDirectiveName, isInstructionName } from './words';

/** Everything parseLine needs to know and report. */
export interface LineContext {
  file: string;
  line: number;
  /** Source text of the line, for operand text in messages. */
  source: string;
  /** Last non-local label, for `.local` names. */
  globalLabel: string;
  definitions: SymbolDefinition[];
  references: SymbolReference[];
  diagnostics: Diagnostic[];
  /** Build the AST (nodes, ranges, references) for parse(); assemble() needs only statements. */
  ast: boolean;
  /** Resolves identifiers in expressions; made once per context by identifierResolver(). */
  resolver?: ExprParser['identifier'];
}

function range(ctx: LineContext, start: number, end: number): Range {
  return { start: { line: ctx.line, column: start }, end: { line: ctx.line, column: end } };
}

function error(ctx: LineContext, message: string, start: number, end: number): void {
  ctx.diagnostics.push({ file: ctx.file, severity: 'error', message, range: range(ctx, start, end) });
}

/** The full name of a label as written at this point (`.x` → `global.x`). */
export function qualify(name: string, globalLabel: string): string {
  return name.startsWith('.') && !name.startsWith('..') ? globalLabel + name : name;
}

function identifierResolver(ctx: LineContext): ExprParser['identifier'] {
  ctx.resolver ??= (t: Token): Expr => {
    if (registerByName(t.text) !== undefined) return { k: 'reg', name: t.text.toLowerCase(), start: t.start, end: t.end };
    const name = t.text.charCodeAt(0) === 36 ? t.text.slice(1) : t.text;
    const fullName = qualify(name, ctx.globalLabel);
    if (ctx.ast) ctx.references.push({ name, fullName, file: ctx.file, range: range(ctx, t.start, t.end) });
    return { k: 'sym', name: fullName, start: t.start, end: t.end };
  };
  return ctx.resolver;
}

export interface ParsedLine {
  /** The AST node (only when the context builds the AST). */
  node?: LineNode;
  label?: { name: string; fullName: string; start: number; end: number };
  statement: Statement;
}

/** Parses one line's tokens. `commentStart` is the column of `;` or -1. */
export function parseLine(tokens: Token[], commentStart: number, ctx: LineContext): ParsedLine {
  const node: LineNode = ctx.ast ? { line: ctx.line } : SCRATCH_NODE;
  if (commentStart >= 0 && ctx.ast) node.comment = { text: ctx.source.slice(commentStart), range: range(ctx, commentStart, ctx.source.length) };
  let pos = 0;
  let result: ParsedLine = ctx.ast ? { node, statement: NO_STATEMENT } : { statement: NO_STATEMENT };
  // Bracketed directive: [bits 64], [org 0x7c00], [section .text]
  if (tokens[0]?.text === '[' && tokens[tokens.length - 1]?.text === ']' && tokens[1]?.kind === TokenKind.Ident && isDirectiveName(tokens[1].text.toLowerCase())) {
    tokens = tokens.slice(1, -1);
  }
  const first = tokens[0];
  if (first === undefined) return result;
  const firstWord = first.text.toLowerCase();
  const second = tokens[1];
  const isLabel =
    first.kind === TokenKind.Ident &&
    (second?.text === ':' ||
      (classify(firstWord) === 0 && (second === undefined || (second.kind === TokenKind.Ident && (second.text.toLowerCase() === 'equ' || classify(second.text.toLowerCase()) !== 0)))));
  if (isLabel && registerByName(firstWord) === undefined) {
    const name = first.text.charCodeAt(0) === 36 ? first.text.slice(1) : first.text;
    const local = name.charCodeAt(0) === 46 && name.charCodeAt(1) !== 46;
    const fullName = qualify(name, ctx.globalLabel);
    const labelRange = range(ctx, first.start, first.end);
    if (ctx.ast) node.label = { kind: 'label', name, fullName, local, range: labelRange } satisfies LabelNode;
    result = ctx.ast ? { node, label: { name, fullName, start: first.start, end: first.end }, statement: NO_STATEMENT } : { label: { name, fullName, start: first.start, end: first.end }, statement: NO_STATEMENT };
    const isEqu = tokens[pos + 1]?.text.toLowerCase() === 'equ' || tokens[pos + 2]?.text.toLowerCase() === 'equ';
    ctx.definitions.push({ name, fullName, kind: isEqu ? 'equ' : local ? 'local-label' : 'label', file: ctx.file, range: labelRange });
    if (!local && !name.startsWith('..') && !isEqu) ctx.globalLabel = name;
    pos = second?.text === ':' ? 2 : 1;
  }
  if (pos < tokens.length) result.statement = parseStatement(tokens, pos, ctx, node);
  if (result.statement.k === 'equ' && result.label === undefined) error(ctx, 'equ without a label', first.start, first.end);
  return result;
}

function parseStatement(tokens: Token[], pos: number, ctx: LineContext, node: LineNode): Statement {
  const from = pos;
  let prefixes: { name: string; start: number; end: number }[] = NO_PREFIX_TOKENS;
  while (tokens[pos]?.kind === TokenKind.Ident && isPrefix((tokens[pos] as Token).text.toLowerCase())) {
    const t = tokens[pos] as Token;
    if (prefixes === NO_PREFIX_TOKENS) prefixes = [];
    prefixes.push({ name: t.text.toLowerCase(), start: t.start, end: t.end });
    pos++;
  }
  const head = tokens[pos];
  if (head === undefined) {
    const p = prefixes[0];
    if (p === undefined) return NO_STATEMENT;
    // A prefix alone (`rep` on its own line) is an instruction of its own in nasm; treat as one with no operands.
    return NO_STATEMENT;
  }
  if (head.kind !== TokenKind.Ident) {
    error(ctx, `expected an instruction or directive, found '${head.text}'`, head.start, head.end);
    return NO_STATEMENT;
  }
  const word = head.text.toLowerCase();
  if (prefixes.length === 0 && isDirectiveName(word)) {
    if (ctx.ast) {
      const args = splitCommas(tokens, pos + 1);
      node.statement = {
        kind: 'directive', name: word, nameRange: range(ctx, head.start, head.end), preprocessor: false,
        args: args.map((a) => ({ text: ctx.source.slice(a[0]?.start ?? 0, a[a.length - 1]?.end ?? 0), range: range(ctx, a[0]?.start ?? head.end, a[a.length - 1]?.end ?? head.end) })),
        range: range(ctx, head.start, tokens[tokens.length - 1]?.end ?? head.end),
      } satisfies DirectiveNode;
    }
    return parseDirective(word, tokens, pos + 1, ctx, node);
  }
  const operandGroups = splitCommas(tokens, pos + 1);
  const endColumn = tokens[tokens.length - 1]?.end ?? head.end;
  const instruction: InstructionNode | undefined = ctx.ast
    ? {
        kind: 'instruction',
        prefixes: prefixes.map((p) => ({ name: p.name, range: range(ctx, p.start, p.end) })),
        mnemonic: word,
        mnemonicRange: range(ctx, head.start, head.end),
        operands: [],
        range: range(ctx, prefixes[0]?.start ?? head.start, endColumn),
      }
    : undefined;
  node.statement = instruction;
  if (!isInstructionName(word)) {
    error(ctx, `unknown instruction '${head.text}'`, head.start, head.end);
    return NO_STATEMENT;
  }
  // Sized up front: statements live through the whole assembly, so no slack from growing.
  const operands: Operand[] = new Array<Operand>(operandGroups.length);
  const resolver = identifierResolver(ctx);
  let failed = false;
  let count = 0;
  for (const group of operandGroups) {
    const op = parseOperand(group, resolver);
    const start = group[0]?.start ?? head.end;
    const end = group[group.length - 1]?.end ?? head.end;
    if (isOperandError(op)) {
      error(ctx, op.message, op.start, op.end);
      failed = true;
      continue;
    }
    operands[count++] = op;
    if (instruction === undefined) continue;
    const sizeToken = group.find((t) => SIZE_KEYWORDS[t.text.toLowerCase()] !== undefined);
    const operandNode: OperandNode = { kind: op.kind === 'reg' ? 'register' : op.kind === 'mem' ? 'memory' : 'immediate', text: ctx.source.slice(start, end), range: range(ctx, start, end) };
    if (sizeToken !== undefined) operandNode.sizeKeyword = sizeToken.text.toLowerCase();
    instruction.operands.push(operandNode);
  }
  if (failed) return NO_STATEMENT;
  const statement: InstructionStatement = { k: 'insn', mnemonic: word, prefixes: prefixes.length === 0 ? NO_PREFIXES : prefixes.map((p) => p.name), operands, source: ctx.source, start: tokens[from]?.start ?? head.start, end: endColumn, mnemonicStart: head.start, mnemonicEnd: head.end };
  return statement;
}

/** Splits tokens[from..] at top-level commas (not inside brackets or parentheses). */
export function splitCommas(tokens: Token[], from: number): Token[][] {
  const groups: Token[][] = [];
  let groupStart = from;
  let depth = 0;
  for (let i = from; i < tokens.length; i++) {
    const t = tokens[i] as Token;
    if (t.kind !== TokenKind.Op) continue;
    if (t.text === '[' || t.text === '(') depth++;
    else if (t.text === ']' || t.text === ')') depth--;
    else if (t.text === ',' && depth === 0) {
      groups.push(tokens.slice(groupStart, i));
      groupStart = i + 1;
    }
  }
  if (groupStart < tokens.length || groups.length > 0) groups.push(tokens.slice(groupStart));
  return groups;
}

function expressionAt(tokens: Token[], pos: number, ctx: LineContext, what: string): { expr?: Expr; next: number } {
  const parser: ExprParser = { tokens, pos, identifier: identifierResolver(ctx) };
  const expr = parseExpr(parser);
  if (expr === undefined) {
    const e = parser.error;
    const at = tokens[pos] ?? tokens[tokens.length - 1];
    error(ctx, e !== undefined ? `${e.message} in ${what}` : `expected an expression in ${what}`, e?.start ?? at?.start ?? 0, e?.end ?? at?.end ?? 0);
    return { next: tokens.length };
  }
  return { expr, next: parser.pos };
}

function wholeExpression(tokens: Token[], pos: number, ctx: LineContext, what: string): Expr | undefined {
  const { expr, next } = expressionAt(tokens, pos, ctx, what);
  const extra = tokens[next];
  if (expr !== undefined && extra !== undefined) {
    error(ctx, `unexpected '${extra.text}' after ${what}`, extra.start, extra.end);
    return undefined;
  }
  return expr;
}

function parseDirective(word: string, tokens: Token[], pos: number, ctx: LineContext, node: LineNode): Statement {
  const dataUnit = DATA_UNITS[word];
  if (dataUnit !== undefined) return parseData(dataUnit, tokens, pos, ctx);
  const resUnit = RES_UNITS[word];
  if (resUnit !== undefined) {
    const count = wholeExpression(tokens, pos, ctx, word);
    return count === undefined ? NO_STATEMENT : { k: 'res', unit: resUnit, count };
  }
  const arg = tokens[pos];
  switch (word) {
    case 'times': {
      const { expr, next } = expressionAt(tokens, pos, ctx, 'times count');
      if (expr === undefined) return NO_STATEMENT;
      if (next >= tokens.length) {
        error(ctx, 'times needs an instruction or data after the count', tokens[tokens.length - 1]?.start ?? 0, tokens[tokens.length - 1]?.end ?? 0);
        return NO_STATEMENT;
      }
      const body = parseStatement(tokens, next, ctx, { line: node.line });
      return { k: 'times', count: expr, body };
    }
    case 'equ': {
      const expr = wholeExpression(tokens, pos, ctx, 'equ');
      return expr === undefined ? NO_STATEMENT : { k: 'equ', expr };
    }
    case 'org': {
      const expr = wholeExpression(tokens, pos, ctx, 'org');
      return expr === undefined ? NO_STATEMENT : { k: 'org', expr };
    }
    case 'bits':
    case 'use16':
    case 'use32':
    case 'use64': {
      const bits = word === 'bits' ? Number(arg?.value ?? -1) : Number(word.slice(3));
      if (bits !== 16 && bits !== 32 && bits !== 64) {
        error(ctx, 'bits must be 16, 32 or 64', arg?.start ?? 0, arg?.end ?? 0);
        return NO_STATEMENT;
      }
      return { k: 'bits', bits };
    }
    case 'section':
    case 'segment': {
      if (arg === undefined || arg.kind !== TokenKind.Ident) {
        error(ctx, `${word} needs a name`, tokens[pos - 1]?.start ?? 0, tokens[pos - 1]?.end ?? 0);
        return NO_STATEMENT;
      }
      const statement: Statement = { k: 'section', name: arg.text };
      for (let i = pos + 1; i < tokens.length; i++) {
        const t = tokens[i] as Token;
        if (t.text.toLowerCase() === 'align' && tokens[i + 1]?.text === '=' && tokens[i + 2]?.value !== undefined) statement.align = Number(tokens[i + 2]?.value);
      }
      return statement;
    }
    case 'align':
    case 'alignb': {
      const groups = splitCommas(tokens, pos);
      const first = groups[0];
      if (first === undefined || first.length === 0) {
        error(ctx, `${word} needs a boundary`, tokens[pos - 1]?.start ?? 0, tokens[pos - 1]?.end ?? 0);
        return NO_STATEMENT;
      }
      const expr = wholeExpression(first, 0, ctx, word);
      if (expr === undefined) return NO_STATEMENT;
      const statement: Statement = { k: 'align', expr, bss: word === 'alignb' };
      const fill = groups[1];
      if (fill !== undefined && fill.length > 0) statement.fill = parseStatement(fill, 0, ctx, { line: node.line });
      return statement;
    }
    case 'default': {
      const mode = arg?.text.toLowerCase();
      if (mode !== 'rel' && mode !== 'abs') {
        error(ctx, "default takes 'rel' or 'abs'", arg?.start ?? 0, arg?.end ?? 0);
        return NO_STATEMENT;
      }
      return { k: 'default', rel: mode === 'rel' };
    }
  }
  return NO_STATEMENT;
}

function parseData(unit: number, tokens: Token[], pos: number, ctx: LineContext): Statement {
  const items: DataItem[] = [];
  for (const group of splitCommas(tokens, pos)) {
    const first = group[0];
    if (first === undefined) {
      error(ctx, 'empty data item', tokens[pos]?.start ?? 0, tokens[pos]?.end ?? 0);
      continue;
    }
    if (group.length === 1 && first.kind === TokenKind.String && (unit === 1 || first.text.length > unit || true)) {
      items.push({ text: first.text, start: first.start, end: first.end });
      continue;
    }
    if (group.length === 1 && first.text === '?') {
      items.push({ expr: { k: 'num', v: 0n }, start: first.start, end: first.end });
      continue;
    }
    const expr = wholeExpression(group, 0, ctx, 'data item');
    if (expr !== undefined) items.push({ expr, start: first.start, end: group[group.length - 1]?.end ?? first.end });
  }
  return { k: 'data', unit, items };
}
