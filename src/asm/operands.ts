// Operands: register, memory `[seg: base + index*scale + disp]`, or immediate expression,
// each with optional size keyword. Memory addresses are split into base/index/scale the
// way nasm does it (`[rax*2]` → `[rax+rax]`, `[rax+rsp]` → `[rsp+rax]`).
import { type Token, TokenKind } from './lexer';
import { type Expr, type ExprParser, parseExpr } from './expr';
import { type RegisterInfo, registerByName } from './registers';

export const SIZE_KEYWORDS: Readonly<Record<string, number>> = { byte: 1, word: 2, dword: 4, qword: 8, tword: 10, oword: 16, yword: 32, zword: 64 };
const SIZE_BY_KEYWORD: ReadonlyMap<string, number> = new Map(Object.entries(SIZE_KEYWORDS));
/** Words that may open an operand before its value: sizes, strict, short/near/far, ptr. */
const OPERAND_KEYWORDS: ReadonlySet<string> = new Set([...SIZE_BY_KEYWORD.keys(), 'strict', 'short', 'near', 'far', 'ptr']);

export interface RegOperand {
  kind: 'reg';
  info: RegisterInfo;
  size: number;
  start: number;
  end: number;
}

export interface MemOperand {
  kind: 'mem';
  /** Operand size from a keyword, 0 when not given. */
  size: number;
  base?: RegisterInfo;
  index?: RegisterInfo;
  scale: number;
  disp?: Expr;
  segment?: RegisterInfo;
  /** `rel` / `abs` written inside the brackets. */
  rel?: boolean;
  /** Address size from a keyword inside the brackets (`[qword 0x1000]`), 0 when not given. */
  addressSize: number;
  start: number;
  end: number;
}

export interface ImmOperand {
  kind: 'imm';
  expr: Expr;
  size: number;
  strict: boolean;
  jump?: 'short' | 'near' | 'far';
  start: number;
  end: number;
}

export type Operand = RegOperand | MemOperand | ImmOperand;

export interface OperandError {
  message: string;
  start: number;
  end: number;
}

/** Whether parseOperand gave an error (a plain property test: `in` is slow over the many operand shapes). */
export function isOperandError(op: Operand | OperandError): op is OperandError {
  return (op as { kind?: unknown }).kind === undefined;
}

/** Parses the tokens of one operand (between commas). */
export function parseOperand(tokens: Token[], identifier: ExprParser['identifier']): Operand | OperandError {
  const first = tokens[0];
  const last = tokens[tokens.length - 1];
  if (first === undefined || last === undefined) return { message: 'missing operand', start: 0, end: 0 };
  const start = first.start;
  const end = last.end;
  let pos = 0;
  let size = 0;
  let strict = false;
  let jump: ImmOperand['jump'];
  for (;;) {
    const t = tokens[pos];
    if (t === undefined || t.kind !== TokenKind.Ident) break;
    const word = t.text.toLowerCase();
    if (!OPERAND_KEYWORDS.has(word)) break;
    if (word === 'strict') strict = true;
    else if (word === 'short' || word === 'near' || word === 'far') jump = word;
    else if (word === 'ptr') return { message: "nasm has no 'ptr': write e.g. 'qword [rax]'", start: t.start, end: t.end };
    else size = SIZE_BY_KEYWORD.get(word) ?? 0;
    pos++;
  }
  let rest = pos === 0 ? tokens : tokens.slice(pos);
  const head = rest[0];
  if (head === undefined) return { message: 'missing operand after size keyword', start, end };
  // Segment override before the bracket: fs:[rax]
  let segment: RegisterInfo | undefined;
  if (rest.length > 2 && head.kind === TokenKind.Ident && rest[1]?.text === ':' && rest[2]?.text === '[') {
    const seg = registerByName(head.text);
    if (seg?.cls === 'segment') {
      segment = seg;
      rest = rest.slice(2);
    }
  }
  if (rest[0]?.text === '[') {
    if (rest[rest.length - 1]?.text !== ']') return { message: "missing ']'", start, end };
    const mem = parseMemory(rest.slice(1, -1), identifier, start, end);
    if (isOperandError(mem)) return mem;
    mem.size = size;
    if (segment !== undefined) mem.segment = segment;
    return mem;
  }
  if (rest.length === 1 && head.kind === TokenKind.Ident) {
    const info = registerByName(head.text);
    if (info !== undefined) return { kind: 'reg', info, size: info.size, start, end };
  }
  const parser: ExprParser = { tokens: rest, pos: 0, identifier };
  const expr = parseExpr(parser);
  if (expr === undefined) return parser.error ?? { message: 'invalid operand', start, end };
  const extra = rest[parser.pos];
  if (extra !== undefined) return { message: `unexpected '${extra.text}' in operand`, start: extra.start, end: extra.end };
  if (containsRegister(expr)) return { message: 'invalid use of a register in an immediate operand', start, end };
  const imm: ImmOperand = { kind: 'imm', expr, size, strict, start, end };
  if (jump !== undefined) imm.jump = jump;
  return imm;
}

function containsRegister(e: Expr): boolean {
  switch (e.k) {
    case 'reg':
      return true;
    case 'un':
      return containsRegister(e.a);
    case 'bin':
      return containsRegister(e.a) || containsRegister(e.b);
    case 'cond':
      return containsRegister(e.c) || containsRegister(e.a) || containsRegister(e.b);
    default:
      return false;
  }
}

function parseMemory(tokens: Token[], identifier: ExprParser['identifier'], start: number, end: number): MemOperand | OperandError {
  // Every field present from the start: one object shape for all memory operands.
  const mem: MemOperand = { kind: 'mem', size: 0, base: undefined, index: undefined, scale: 1, disp: undefined, segment: undefined, rel: undefined, addressSize: 0, start, end };
  let pos = 0;
  for (;;) {
    const t = tokens[pos];
    if (t === undefined || t.kind !== TokenKind.Ident) break;
    const word = t.text.toLowerCase();
    if (word === 'rel') mem.rel = true;
    else if (word === 'abs') mem.rel = false;
    else if (SIZE_BY_KEYWORD.has(word)) mem.addressSize = SIZE_BY_KEYWORD.get(word) ?? 0;
    else if (tokens[pos + 1]?.text === ':' && registerByName(word)?.cls === 'segment') {
      mem.segment = registerByName(word);
      pos++;
    } else break;
    pos++;
  }
  if (pos >= tokens.length) return { message: 'empty memory reference', start, end };
  const parser: ExprParser = { tokens, pos, identifier };
  const expr = parseExpr(parser);
  if (expr === undefined) return parser.error ?? { message: 'invalid memory reference', start, end };
  const extra = tokens[parser.pos];
  if (extra !== undefined) return { message: `unexpected '${extra.text}' in memory reference`, start: extra.start, end: extra.end };
  const terms: Term[] = [];
  const rest: Expr[] = [];
  const problem = linearize(expr, 1n, terms, rest, false);
  if (problem !== undefined) return { message: problem, start, end };
  const error = assignRegisters(mem, terms);
  if (error !== undefined) return { message: error, start, end };
  if (rest.length > 0) mem.disp = rest.reduce((a, b) => ({ k: 'bin', op: '+', a, b }));
  return mem;
}

interface Term {
  reg: RegisterInfo;
  coef: bigint;
  explicitScale: boolean;
}

/** Splits an address expression into register terms and the rest (the displacement). */
function linearize(e: Expr, sign: bigint, terms: Term[], rest: Expr[], scaled: boolean): string | undefined {
  if (!containsRegister(e)) {
    rest.push(sign === 1n ? e : { k: 'un', op: '-', a: e });
    return undefined;
  }
  if (e.k === 'reg') {
    const reg = registerByName(e.name);
    if (reg === undefined || (reg.cls !== 'gpr' && reg.cls !== 'ip') || reg.size === 1) return `invalid register ${e.name} in memory reference`;
    const existing = terms.find((t) => t.reg.reg === reg.reg);
    if (existing !== undefined) {
      existing.coef += sign;
      existing.explicitScale ||= scaled;
    } else terms.push({ reg, coef: sign, explicitScale: scaled });
    return undefined;
  }
  if (e.k === 'un' && e.op === '-') return linearize(e.a, -sign, terms, rest, scaled);
  if (e.k === 'bin' && (e.op === '+' || e.op === '-')) {
    return linearize(e.a, sign, terms, rest, scaled) ?? linearize(e.b, e.op === '-' ? -sign : sign, terms, rest, scaled);
  }
  if (e.k === 'bin' && e.op === '*') {
    const [regSide, constSide] = containsRegister(e.a) ? [e.a, e.b] : [e.b, e.a];
    const factor = constantOf(constSide);
    if (factor === undefined) return 'scale factor must be a number';
    return linearize(regSide, sign * factor, terms, rest, true);
  }
  return 'invalid effective address';
}

function constantOf(e: Expr): bigint | undefined {
  if (e.k === 'num') return e.v;
  if (e.k === 'un' && e.op === '-') {
    const v = constantOf(e.a);
    return v === undefined ? undefined : -v;
  }
  if (e.k === 'bin') {
    const a = constantOf(e.a);
    const b = constantOf(e.b);
    if (a === undefined || b === undefined) return undefined;
    if (e.op === '*') return a * b;
    if (e.op === '+') return a + b;
    if (e.op === '-') return a - b;
  }
  return undefined;
}

function assignRegisters(mem: MemOperand, allTerms: Term[]): string | undefined {
  const terms = allTerms.filter((t) => t.coef !== 0n);
  if (terms.length > 2) return 'too many registers in memory reference';
  if (terms.some((t) => t.coef < 0n)) return 'a register cannot be subtracted in a memory reference';
  const [a, b] = terms;
  if (a === undefined) return undefined;
  if (b === undefined) {
    if (a.coef === 1n) mem.base = a.reg;
    else if (a.coef === 2n || a.coef === 3n || a.coef === 5n || a.coef === 9n) {
      mem.base = a.reg;
      mem.index = a.reg;
      mem.scale = Number(a.coef - 1n);
    } else {
      mem.index = a.reg;
      mem.scale = Number(a.coef);
    }
  } else {
    let base = a;
    let index = b;
    if (a.coef !== 1n || (a.explicitScale && !b.explicitScale && b.coef === 1n)) [base, index] = [b, a];
    if (base.coef !== 1n) return 'invalid effective address: two scaled registers';
    if (index.reg.name.endsWith('sp') && index.coef === 1n) [base, index] = [index, base];
    mem.base = base.reg;
    mem.index = index.reg;
    mem.scale = Number(index.coef);
  }
  if (mem.index !== undefined && ![1, 2, 4, 8].includes(mem.scale)) return `invalid scale factor ${mem.scale}`;
  if (mem.index !== undefined && mem.index.name.endsWith('sp')) return `${mem.index.name} cannot be an index register`;
  if (mem.index?.cls === 'ip') return `${mem.index.name} cannot be an index register`;
  if (mem.base !== undefined && mem.index !== undefined && mem.base.size !== mem.index.size) return 'mixed register sizes in memory reference';
  return undefined;
}
