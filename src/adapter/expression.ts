// The debugger's expression language: 64-bit integer arithmetic over registers, symbols
// and guest memory, for breakpoint conditions, logpoint interpolation, watch and the
// debug console.
//
//   or      := and ('||' and)*          and := compare ('&&' compare)*
//   compare := bitor (('=='|'!='|'<'|'<='|'>'|'>=') bitor)?
//   bitor := xor ('|' xor)*   xor := bitand ('^' bitand)*   bitand := shift ('&' shift)*
//   shift := sum (('<<'|'>>') sum)*   sum := product (('+'|'-') product)*
//   product := unary (('*'|'/'|'%') unary)*   unary := ('-'|'~'|'!') unary | primary
//   primary := number | name | '(' or ')' | size? '[' or ']'      size := byte|word|dword|qword
//
// Values are unsigned 64-bit (comparisons unsigned); booleans are 1 and 0.

export class ExpressionError extends Error {}

export interface EvalContext {
  /** A register's value, or undefined if `name` is not a register. */
  register(name: string): bigint | undefined;
  /** A label's address or an equ's value, or undefined. */
  symbol(name: string): bigint | undefined;
  /** Reads `size` bytes (1, 2, 4, 8) of guest-virtual memory; throws ExpressionError when unmapped. */
  readMemory(address: bigint, size: number): bigint;
}

export type ExprNode =
  | { kind: 'number'; value: bigint }
  | { kind: 'name'; name: string }
  | { kind: 'memory'; size: number; address: ExprNode }
  | { kind: 'unary'; op: string; operand: ExprNode }
  | { kind: 'binary'; op: string; left: ExprNode; right: ExprNode };

const SIZES: Record<string, number> = { byte: 1, word: 2, dword: 4, qword: 8 };
const TOKEN = /\s*(0x[0-9a-f_]+|0b[01_]+|0o[0-7_]+|[0-9][0-9a-f_]*h\b|[0-9][0-9_]*|[a-z_.$@?][a-z0-9_.$@?]*|==|!=|<=|>=|<<|>>|&&|\|\||[-+*/%&|^~!<>()[\]])/iy;
const MASK = (1n << 64n) - 1n;

function tokenize(text: string): string[] {
  const tokens: string[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < text.length) {
    if (/^\s*$/.test(text.slice(TOKEN.lastIndex))) break;
    const at = TOKEN.lastIndex;
    const match = TOKEN.exec(text);
    if (!match) throw new ExpressionError(`unexpected '${text.slice(at).trim()[0] ?? ''}' at column ${at + 1} of '${text}'`);
    tokens.push(match[1]!);
  }
  return tokens;
}

function parseNumber(token: string): bigint | undefined {
  const t = token.replace(/_/g, '');
  if (/^0x[0-9a-f]+$/i.test(t) || /^0b[01]+$/i.test(t) || /^0o[0-7]+$/i.test(t) || /^[0-9]+$/.test(t)) return BigInt(t);
  if (/^[0-9][0-9a-f]*h$/i.test(t)) return BigInt('0x' + t.slice(0, -1));
  return undefined;
}

const BINARY_LEVELS: string[][] = [['||'], ['&&'], ['==', '!=', '<', '<=', '>', '>='], ['|'], ['^'], ['&'], ['<<', '>>'], ['+', '-'], ['*', '/', '%']];

class Parser {
  private position = 0;

  constructor(
    private readonly tokens: string[],
    private readonly text: string,
  ) {}

  parseAll(): ExprNode {
    if (this.tokens.length === 0) throw new ExpressionError('empty expression');
    const node = this.binary(0);
    if (this.position < this.tokens.length) throw new ExpressionError(`unexpected '${this.tokens[this.position]}' in '${this.text}'`);
    return node;
  }

  private peek(): string | undefined {
    return this.tokens[this.position];
  }

  private next(): string {
    const token = this.tokens[this.position++];
    if (token === undefined) throw new ExpressionError(`'${this.text}' ends too early`);
    return token;
  }

  private expect(token: string): void {
    const got = this.next();
    if (got !== token) throw new ExpressionError(`expected '${token}' but found '${got}' in '${this.text}'`);
  }

  private binary(level: number): ExprNode {
    if (level >= BINARY_LEVELS.length) return this.unary();
    let left = this.binary(level + 1);
    const ops = BINARY_LEVELS[level]!;
    for (let op = this.peek(); op !== undefined && ops.includes(op); op = this.peek()) {
      this.position++;
      const right = this.binary(level + 1);
      left = { kind: 'binary', op, left, right };
      if (level === 2) break; // comparisons do not chain
    }
    return left;
  }

  private unary(): ExprNode {
    const token = this.peek();
    if (token === '-' || token === '~' || token === '!') {
      this.position++;
      return { kind: 'unary', op: token, operand: this.unary() };
    }
    return this.primary();
  }

  private primary(): ExprNode {
    const token = this.next();
    if (token === '(') {
      const inner = this.binary(0);
      this.expect(')');
      return inner;
    }
    const size = SIZES[token.toLowerCase()];
    if (size !== undefined || token === '[') {
      if (size !== undefined) {
        if (this.peek()?.toLowerCase() === 'ptr') this.position++;
        this.expect('[');
      }
      const address = this.binary(0);
      this.expect(']');
      return { kind: 'memory', size: size ?? 8, address };
    }
    const value = parseNumber(token);
    if (value !== undefined) return { kind: 'number', value };
    if (/^[a-z_.$@?]/i.test(token)) return { kind: 'name', name: token };
    throw new ExpressionError(`unexpected '${token}' in '${this.text}'`);
  }
}

/** Parses an expression; throws ExpressionError with what is wrong. */
export function parseExpression(text: string): ExprNode {
  return new Parser(tokenize(text), text).parseAll();
}

function compare(op: string, a: bigint, b: bigint): boolean {
  switch (op) {
    case '==':
      return a === b;
    case '!=':
      return a !== b;
    case '<':
      return a < b;
    case '<=':
      return a <= b;
    case '>':
      return a > b;
    default:
      return a >= b;
  }
}

function applyBinary(op: string, a: bigint, b: bigint): bigint {
  switch (op) {
    case '+':
      return a + b;
    case '-':
      return a - b;
    case '*':
      return a * b;
    case '/':
    case '%':
      if (b === 0n) throw new ExpressionError('division by zero');
      return op === '/' ? a / b : a % b;
    case '&':
      return a & b;
    case '|':
      return a | b;
    case '^':
      return a ^ b;
    case '<<':
      return b >= 64n ? 0n : a << b;
    case '>>':
      return b >= 64n ? 0n : a >> b;
    default:
      return compare(op, a, b) ? 1n : 0n;
  }
}

/**
 * Whether a breakpoint filter's condition holds (no condition: it does). A condition that
 * cannot be evaluated for this event (a name it does not have) does not hold.
 */
export function conditionHolds(node: ExprNode | undefined, ctx: EvalContext): boolean {
  if (node === undefined) return true;
  try {
    return evaluateNode(node, ctx) !== 0n;
  } catch (e) {
    if (e instanceof ExpressionError) return false;
    throw e;
  }
}

/** Evaluates a parsed expression to an unsigned 64-bit value. */
export function evaluateNode(node: ExprNode, ctx: EvalContext): bigint {
  switch (node.kind) {
    case 'number':
      return node.value & MASK;
    case 'name': {
      const value = ctx.register(node.name) ?? ctx.symbol(node.name);
      if (value === undefined) throw new ExpressionError(`unknown register or symbol '${node.name}'`);
      return value & MASK;
    }
    case 'memory':
      return ctx.readMemory(evaluateNode(node.address, ctx), node.size) & MASK;
    case 'unary': {
      const v = evaluateNode(node.operand, ctx);
      if (node.op === '!') return v === 0n ? 1n : 0n;
      return (node.op === '-' ? -v : ~v) & MASK;
    }
    case 'binary': {
      if (node.op === '&&') return evaluateNode(node.left, ctx) !== 0n && evaluateNode(node.right, ctx) !== 0n ? 1n : 0n;
      if (node.op === '||') return evaluateNode(node.left, ctx) !== 0n || evaluateNode(node.right, ctx) !== 0n ? 1n : 0n;
      return applyBinary(node.op, evaluateNode(node.left, ctx), evaluateNode(node.right, ctx)) & MASK;
    }
  }
}

export function evaluateExpression(text: string, ctx: EvalContext): bigint {
  return evaluateNode(parseExpression(text), ctx);
}

/** True when the expression reads memory (its value is an address's content, e.g. `[rsp]`). */
export function isMemoryExpression(node: ExprNode): boolean {
  return node.kind === 'memory';
}
