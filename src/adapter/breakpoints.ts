// Source-line, function (label) and instruction breakpoints, each with an optional
// condition (an expression over registers and memory), hit condition and log message.
// The manager resolves them to addresses and decides, when execution reaches one,
// whether to stop; the runtime installs the addresses in the run loop.
import type { DebugProtocol } from '@vscode/debugprotocol';
import { evaluateNode, parseExpression, ExpressionError, type EvalContext, type ExprNode } from './expression';
import { addressesForLine, labelAddresses, sourceAt, type LoadedProgram } from './program';
import { parseMemoryReference, formatMemoryReference, MemoryReferenceError } from './memory';
import type { BreakpointDecision, BreakpointJudge, ReverseCandidate, StopCause } from './runtimeTypes';
import { hex64 } from './format';

type Kind = 'source' | 'function' | 'instruction';

export interface HitCondition {
  op: '==' | '>=' | '>' | '<=' | '<' | '%';
  count: number;
}

type LogPart = string | ExprNode;

interface Breakpoint {
  readonly id: number;
  readonly kind: Kind;
  addresses: number[];
  /** Recomputes the addresses for a newly loaded program (restart). */
  readonly resolve: (program: LoadedProgram | undefined) => number[];
  readonly condition: ExprNode | undefined;
  readonly hit: HitCondition | undefined;
  readonly log: LogPart[] | undefined;
  hits: number;
}

const REASON: Record<Kind, StopCause> = { source: 'breakpoint', function: 'function breakpoint', instruction: 'instruction breakpoint' };

/** `>= 3`, `% 2`, `== 5`, or a plain `5` (meaning `>= 5`). */
export function parseHitCondition(text: string): HitCondition {
  const match = /^\s*(==|=|>=|>|<=|<|%)?\s*(\d+)\s*$/.exec(text);
  if (!match) throw new ExpressionError(`hit condition '${text}' is not understood: use a count like '5' (5th hit and after), '== 5', '>= 3', '< 4' or '% 2' (every 2nd hit)`);
  const op = match[1] === '=' ? '==' : ((match[1] ?? '>=') as HitCondition['op']);
  const count = Number(match[2]);
  if (op === '%' && count === 0) throw new ExpressionError(`hit condition '% 0' never matches`);
  return { op, count };
}

export function hitMatches(hit: HitCondition, hits: number): boolean {
  switch (hit.op) {
    case '==':
      return hits === hit.count;
    case '>=':
      return hits >= hit.count;
    case '>':
      return hits > hit.count;
    case '<=':
      return hits <= hit.count;
    case '<':
      return hits < hit.count;
    case '%':
      return hits % hit.count === 0;
  }
}

/** Splits `x is {rax}` into text and parsed expressions; `{{` and `}}` are literal braces. */
export function parseLogMessage(text: string): LogPart[] {
  const parts: LogPart[] = [];
  let literal = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if ((c === '{' || c === '}') && text[i + 1] === c) {
      literal += c;
      i++;
    } else if (c === '{') {
      const close = text.indexOf('}', i);
      if (close < 0) throw new ExpressionError(`log message has '{' without a closing '}'`);
      if (literal) parts.push(literal);
      literal = '';
      parts.push(parseExpression(text.slice(i + 1, close)));
      i = close;
    } else literal += c;
  }
  if (literal) parts.push(literal);
  return parts;
}

export class BreakpointManager implements BreakpointJudge {
  private nextId = 1;
  private readonly bySource = new Map<string, Breakpoint[]>();
  private functionBreakpoints: Breakpoint[] = [];
  private instructionBreakpoints: Breakpoint[] = [];
  /** Called whenever the set of addresses changes. */
  onChange: (addresses: Set<number>) => void = () => undefined;

  constructor(private readonly context: () => EvalContext) {}

  /** Replaces the breakpoints of one source file. `lines` are 0-based. */
  setSourceBreakpoints(program: LoadedProgram | undefined, path: string, specs: { line: number; condition?: string; hitCondition?: string; logMessage?: string }[]): DebugProtocol.Breakpoint[] {
    const results: DebugProtocol.Breakpoint[] = [];
    const breakpoints: Breakpoint[] = [];
    for (const spec of specs) {
      const resolve = (p: LoadedProgram | undefined): number[] => (p ? addressesForLine(p, path, spec.line) : []);
      const why = !program ? 'the program is not loaded yet' : program.assembly ? `no instruction at line ${spec.line + 1} (blank, comment, label-only or data line)` : 'the program has no source line information';
      results.push(this.add(breakpoints, 'source', program, resolve, spec, why, { line: spec.line, source: { path } }));
    }
    this.bySource.set(path, breakpoints);
    this.changed();
    return results;
  }

  setFunctionBreakpoints(program: LoadedProgram | undefined, specs: DebugProtocol.FunctionBreakpoint[]): DebugProtocol.Breakpoint[] {
    const breakpoints: Breakpoint[] = [];
    const results = specs.map((spec) => {
      const resolve = (p: LoadedProgram | undefined): number[] => (p ? labelAddresses(p, spec.name) : []);
      const first = resolve(program)[0];
      const line = program && first !== undefined ? sourceAt(program, first) : undefined;
      return this.add(breakpoints, 'function', program, resolve, spec, `no label named '${spec.name}'`, line ? { line: line.line, source: { path: line.file } } : undefined);
    });
    this.functionBreakpoints = breakpoints;
    this.changed();
    return results;
  }

  setInstructionBreakpoints(program: LoadedProgram | undefined, specs: DebugProtocol.InstructionBreakpoint[]): DebugProtocol.Breakpoint[] {
    const breakpoints: Breakpoint[] = [];
    const results = specs.map((spec) => {
      let addresses: number[] = [];
      let why = '';
      try {
        const ref = parseMemoryReference(spec.instructionReference, spec.offset ?? 0);
        if (ref.space !== 'gva') why = `instruction breakpoints take guest-virtual addresses, not ${ref.space}`;
        else addresses = [ref.address];
      } catch (e) {
        if (!(e instanceof MemoryReferenceError)) throw e;
        why = e.message;
      }
      const result = this.add(breakpoints, 'instruction', program, () => addresses, spec, why, undefined);
      if (addresses[0] !== undefined) result.instructionReference = formatMemoryReference('gva', addresses[0]);
      return result;
    });
    this.instructionBreakpoints = breakpoints;
    this.changed();
    return results;
  }

  private add(
    into: Breakpoint[],
    kind: Kind,
    program: LoadedProgram | undefined,
    resolve: (program: LoadedProgram | undefined) => number[],
    spec: { condition?: string; hitCondition?: string; logMessage?: string },
    whyUnverified: string,
    location: { line: number; source: { path: string } } | undefined,
  ): DebugProtocol.Breakpoint {
    const id = this.nextId++;
    const result: DebugProtocol.Breakpoint = { id, verified: false };
    if (location) Object.assign(result, location);
    try {
      const condition = spec.condition?.trim() ? parseExpression(spec.condition) : undefined;
      const hit = spec.hitCondition?.trim() ? parseHitCondition(spec.hitCondition) : undefined;
      const log = spec.logMessage !== undefined && spec.logMessage !== '' ? parseLogMessage(spec.logMessage) : undefined;
      const addresses = resolve(program);
      into.push({ id, kind, addresses, resolve, condition, hit, log, hits: 0 });
      if (addresses.length === 0) {
        result.message = whyUnverified;
        return result;
      }
      result.verified = true;
      return result;
    } catch (e) {
      if (!(e instanceof ExpressionError)) throw e;
      result.message = e.message;
      return result;
    }
  }

  private all(): Breakpoint[] {
    return [...[...this.bySource.values()].flat(), ...this.functionBreakpoints, ...this.instructionBreakpoints];
  }

  addresses(): Set<number> {
    const set = new Set<number>();
    for (const bp of this.all()) for (const address of bp.addresses) set.add(address);
    return set;
  }

  private changed(): void {
    this.onChange(this.addresses());
  }

  /**
   * Resolves every breakpoint again for a newly loaded program (restart, or breakpoints
   * set before launch) and resets hit counts; returns those whose verification changed.
   */
  reresolve(program: LoadedProgram): { id: number; verified: boolean }[] {
    const changed: { id: number; verified: boolean }[] = [];
    for (const bp of this.all()) {
      const before = bp.addresses.length > 0;
      bp.addresses = bp.resolve(program);
      bp.hits = 0;
      if (before !== bp.addresses.length > 0) changed.push({ id: bp.id, verified: bp.addresses.length > 0 });
    }
    this.changed();
    return changed;
  }

  judge(rip: number): BreakpointDecision {
    const decision: BreakpointDecision = { stop: false, reason: 'breakpoint', ids: [], messages: [] };
    const ctx = this.context();
    for (const bp of this.all()) {
      if (!bp.addresses.includes(rip)) continue;
      try {
        if (bp.condition && evaluateNode(bp.condition, ctx) === 0n) continue;
      } catch (e) {
        decision.messages.push(`breakpoint ${bp.id}: condition failed (${(e as Error).message}); stopping`);
        this.stopFor(decision, bp);
        continue;
      }
      bp.hits++;
      if (bp.hit && !hitMatches(bp.hit, bp.hits)) continue;
      if (bp.log) decision.messages.push(this.interpolate(bp.log, ctx));
      else this.stopFor(decision, bp);
    }
    return decision;
  }

  /** Reverse execution: what each breakpoint at `rip` would do now (conditions evaluated, hits not counted). */
  observe(rip: number): ReverseCandidate[] {
    const ctx = this.context();
    const out: ReverseCandidate[] = [];
    for (const bp of this.all()) {
      if (!bp.addresses.includes(rip)) continue;
      try {
        if (bp.condition && evaluateNode(bp.condition, ctx) === 0n) continue;
      } catch {
        out.push({ id: bp.id, reason: REASON[bp.kind], counts: false, matches: () => true });
        continue;
      }
      const hit = bp.hit;
      const matches = (hits: number): boolean => !hit || hitMatches(hit, hits);
      out.push({ id: bp.id, reason: REASON[bp.kind], counts: true, matches, ...(bp.log ? { log: this.interpolate(bp.log, ctx) } : {}) });
    }
    return out;
  }

  hitCount(id: number): number {
    return this.all().find((bp) => bp.id === id)?.hits ?? 0;
  }

  setHitCount(id: number, hits: number): void {
    const bp = this.all().find((b) => b.id === id);
    if (bp) bp.hits = Math.max(0, hits);
  }

  wouldStop(rip: number): boolean {
    const ctx = this.context();
    return this.all().some((bp) => {
      if (!bp.addresses.includes(rip) || bp.log) return false;
      try {
        return !bp.condition || evaluateNode(bp.condition, ctx) !== 0n;
      } catch {
        return true;
      }
    });
  }

  private stopFor(decision: BreakpointDecision, bp: Breakpoint): void {
    if (!decision.stop) decision.reason = REASON[bp.kind];
    decision.stop = true;
    decision.ids.push(bp.id);
  }

  private interpolate(parts: LogPart[], ctx: EvalContext): string {
    return parts
      .map((part) => {
        if (typeof part === 'string') return part;
        try {
          return hex64(evaluateNode(part, ctx));
        } catch (e) {
          return `<${(e as Error).message}>`;
        }
      })
      .join('');
  }
}
