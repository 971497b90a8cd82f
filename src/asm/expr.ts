// Integer expressions with nasm's operators and precedence (nasm manual §3.5), parsed
// from tokens and evaluated in 64-bit two's complement. Values carry a relocation count
// (labels added minus labels subtracted): nasm only optimizes immediates and
// displacements whose count is zero, so we must know it to choose the same encodings.
import { type Token, TokenKind } from './lexer';

export type Expr =
  | { k: 'num'; v: bigint }
  | { k: 'sym'; name: string; start: number; end: number }
  | { k: 'here' }
  | { k: 'base' }
  | { k: 'un'; op: string; a: Expr }
  | { k: 'bin'; op: string; a: Expr; b: Expr }
  | { k: 'cond'; c: Expr; a: Expr; b: Expr }
  | { k: 'reg'; name: string; start: number; end: number };

export interface Value {
  value: bigint;
  /** Number of labels in the value: 0 for absolute, 1 for an address. */
  reloc: number;
}

export interface EvalContext {
  /** Value of a symbol, or undefined while it is not (yet) known. */
  symbol(name: string, start: number, end: number): Value | undefined;
  /** `$`: address of the current line. */
  here: bigint;
  /** `$$`: start of the current section. */
  sectionBase: bigint;
  error(message: string): void;
}

const BINARY_LEVELS: string[][] = [
  ['||'],
  ['^^'],
  ['&&'],
  ['=', '==', '!=', '<>', '<', '<=', '>', '>=', '<=>'],
  ['|'],
  ['^'],
  ['&'],
  ['<<', '>>', '<<<', '>>>'],
  ['+', '-'],
  ['*', '/', '//', '%', '%%'],
];
const LEVEL_OF = new Map<string, number>();
BINARY_LEVELS.forEach((ops, level) => ops.forEach((op) => LEVEL_OF.set(op, level)));

export interface ExprParser {
  tokens: Token[];
  pos: number;
  /** Resolves identifiers: registers become `reg`, local labels get their global prefix. */
  identifier(token: Token): Expr;
  error?: { message: string; start: number; end: number };
}

/** Parses one expression starting at `p.pos`; on failure sets `p.error` and returns undefined. */
export function parseExpr(p: ExprParser): Expr | undefined {
  const cond = parseBinary(p, 0);
  if (cond === undefined) return undefined;
  const t = p.tokens[p.pos];
  if (t !== undefined && t.text === '?' ) {
    p.pos++;
    const a = parseExpr(p);
    if (a === undefined) return undefined;
    const colon = p.tokens[p.pos];
    if (colon === undefined || colon.text !== ':') return fail(p, "expected ':' in conditional expression", t);
    p.pos++;
    const b = parseExpr(p);
    if (b === undefined) return undefined;
    return { k: 'cond', c: cond, a, b };
  }
  return cond;
}

function fail(p: ExprParser, message: string, t: Token | undefined): undefined {
  if (p.error === undefined) {
    const last = p.tokens[p.tokens.length - 1];
    p.error = { message, start: t?.start ?? last?.end ?? 0, end: t?.end ?? last?.end ?? 0 };
  }
  return undefined;
}

/** Precedence climbing: operators of `minLevel` and tighter, left-associative (one call per level actually used). */
function parseBinary(p: ExprParser, minLevel: number): Expr | undefined {
  let left = parseUnary(p);
  while (left !== undefined) {
    const t = p.tokens[p.pos];
    if (t === undefined || t.kind !== TokenKind.Op) break;
    const level = LEVEL_OF.get(t.text);
    if (level === undefined || level < minLevel) break;
    p.pos++;
    const right = parseBinary(p, level + 1);
    if (right === undefined) return undefined;
    left = { k: 'bin', op: t.text, a: left, b: right };
  }
  return left;
}

function parseUnary(p: ExprParser): Expr | undefined {
  const t = p.tokens[p.pos];
  if (t === undefined) return fail(p, 'expected an expression', t);
  if (t.kind === TokenKind.Op && (t.text === '-' || t.text === '+' || t.text === '~' || t.text === '!')) {
    p.pos++;
    const a = parseUnary(p);
    if (a === undefined) return undefined;
    if (t.text === '+') return a;
    if (a.k === 'num') return { k: 'num', v: foldUnary(t.text, a.v) };
    return { k: 'un', op: t.text, a };
  }
  return parsePrimary(p, t);
}

function parsePrimary(p: ExprParser, t: Token): Expr | undefined {
  p.pos++;
  switch (t.kind) {
    case TokenKind.Number:
      if (t.value === undefined) return fail(p, `invalid number ${t.text}`, t);
      return { k: 'num', v: t.value };
    case TokenKind.String:
      return { k: 'num', v: stringValue(t.text) };
    case TokenKind.Ident:
      if (t.text === '$') return { k: 'here' };
      return p.identifier(t);
    case TokenKind.Op:
      if (t.text === '$$') return { k: 'base' };
      if (t.text === '(') {
        const inner = parseExpr(p);
        if (inner === undefined) return undefined;
        const close = p.tokens[p.pos];
        if (close === undefined || close.text !== ')') return fail(p, "expected ')'", close);
        p.pos++;
        return inner;
      }
  }
  p.pos--;
  return fail(p, `expected an expression, found '${t.text}'`, t);
}

/** A character constant: little-endian, as nasm reads `'ab'` (0x6261). */
export function stringValue(text: string): bigint {
  let v = 0n;
  for (let i = Math.min(text.length, 8) - 1; i >= 0; i--) v = (v << 8n) | BigInt(text.charCodeAt(i) & 0xff);
  return v;
}

function foldUnary(op: string, v: bigint): bigint {
  if (op === '-') return BigInt.asIntN(64, -v);
  if (op === '~') return BigInt.asIntN(64, ~v);
  return v === 0n ? 1n : 0n;
}

const ABSOLUTE_ZERO: Value = { value: 0n, reloc: 0 };

/** Evaluates an expression; undefined when it needs a symbol that is not known yet. */
export function evaluate(e: Expr, ctx: EvalContext): Value | undefined {
  switch (e.k) {
    case 'num':
      return { value: e.v, reloc: 0 };
    case 'sym':
      return ctx.symbol(e.name, e.start, e.end);
    case 'here':
      return { value: ctx.here, reloc: 1 };
    case 'base':
      return { value: ctx.sectionBase, reloc: 1 };
    case 'reg':
      ctx.error(`register ${e.name} is not allowed in an expression here`);
      return ABSOLUTE_ZERO;
    case 'un': {
      const a = evaluate(e.a, ctx);
      if (a === undefined) return undefined;
      return { value: foldUnary(e.op, a.value), reloc: e.op === '-' ? -a.reloc : 0 };
    }
    case 'cond': {
      const c = evaluate(e.c, ctx);
      if (c === undefined) return undefined;
      return evaluate(c.value !== 0n ? e.a : e.b, ctx);
    }
    case 'bin': {
      const a = evaluate(e.a, ctx);
      const b = evaluate(e.b, ctx);
      if (a === undefined || b === undefined) return undefined;
      return binary(e.op, a, b, ctx);
    }
  }
}

function binary(op: string, a: Value, b: Value, ctx: EvalContext): Value {
  const x = a.value;
  const y = b.value;
  switch (op) {
    case '+':
      return { value: BigInt.asIntN(64, x + y), reloc: a.reloc + b.reloc };
    case '-':
      return { value: BigInt.asIntN(64, x - y), reloc: a.reloc - b.reloc };
    case '*':
      return wrap(x * y);
    case '/':
    case '//':
    case '%':
    case '%%':
      if (y === 0n) {
        ctx.error('division by zero');
        return ABSOLUTE_ZERO;
      }
      if (op === '/') return wrap(BigInt.asUintN(64, x) / BigInt.asUintN(64, y));
      if (op === '%') return wrap(BigInt.asUintN(64, x) % BigInt.asUintN(64, y));
      if (op === '//') return wrap(x / y);
      return wrap(x % y);
    case '<<':
      return wrap(y >= 64n || y < 0n ? 0n : x << y);
    case '>>':
      return wrap(y >= 64n || y < 0n ? 0n : BigInt.asUintN(64, x) >> y);
    case '<<<':
      return wrap(y >= 64n || y < 0n ? 0n : x << y);
    case '>>>':
      return wrap(x >> (y >= 64n || y < 0n ? 63n : y));
    case '&':
      return wrap(x & y);
    case '|':
      return wrap(x | y);
    case '^':
      return wrap(x ^ y);
    case '&&':
      return bool(x !== 0n && y !== 0n);
    case '||':
      return bool(x !== 0n || y !== 0n);
    case '^^':
      return bool(x !== 0n !== (y !== 0n));
    case '=':
    case '==':
      return bool(x === y);
    case '!=':
    case '<>':
      return bool(x !== y);
    case '<':
      return bool(x < y);
    case '<=':
      return bool(x <= y);
    case '>':
      return bool(x > y);
    case '>=':
      return bool(x >= y);
    case '<=>':
      return wrap(x < y ? -1n : x > y ? 1n : 0n);
  }
  ctx.error(`unknown operator ${op}`);
  return ABSOLUTE_ZERO;
}

function wrap(v: bigint): Value {
  return { value: BigInt.asIntN(64, v), reloc: 0 };
}

function bool(v: boolean): Value {
  return { value: v ? 1n : 0n, reloc: 0 };
}

/** Calls `visit` for every symbol reference in `e`. */
export function forEachSymbol(e: Expr, visit: (sym: { name: string; start: number; end: number }) => void): void {
  switch (e.k) {
    case 'sym':
      visit(e);
      return;
    case 'un':
      forEachSymbol(e.a, visit);
      return;
    case 'bin':
      forEachSymbol(e.a, visit);
      forEachSymbol(e.b, visit);
      return;
    case 'cond':
      forEachSymbol(e.c, visit);
      forEachSymbol(e.a, visit);
      forEachSymbol(e.b, visit);
      return;
  }
}
