// Conditions of the exception-breakpoint filters (VM exits, guest exceptions, hypercalls and
// IOMMU faults): compiled when the filters are set, so a condition that does not parse or
// names something unknown gets an unverified breakpoint with the reason, instead of never
// holding. They are checked per event with conditionHolds (expression.ts).
import { evaluateNode, ExpressionError, type EvalContext, type ExprNode } from './expression';
import { lookupRegister } from './registers';

/** A filter entry's breakpoint, as setExceptionBreakpoints answers it. */
export interface FilterBreakpoint {
  id: number;
  verified: boolean;
  message?: string;
}

/** An entry whose condition compiled (or that has none). */
export interface CompiledEntry<E, C> {
  readonly entry: E;
  readonly condition: C | undefined;
  /** The trimmed condition text, undefined for none. */
  readonly text: string | undefined;
}

/**
 * One breakpoint per entry, in order, ids from `nextId`. An entry's condition (trimmed; empty
 * is none) goes through `compile`; an ExpressionError makes that entry's breakpoint unverified
 * with the message prefixed by `label(entry)`. The entries that compiled are returned in `kept`.
 */
export function compileFilterEntries<E extends { condition?: string }, C>(
  entries: readonly E[],
  nextId: () => number,
  label: (entry: E) => string,
  compile: (text: string, entry: E) => C,
): { breakpoints: FilterBreakpoint[]; kept: CompiledEntry<E, C>[] } {
  const kept: CompiledEntry<E, C>[] = [];
  const breakpoints = entries.map((entry): FilterBreakpoint => {
    const id = nextId();
    const text = entry.condition?.trim() || undefined;
    try {
      kept.push({ entry, condition: text === undefined ? undefined : compile(text, entry), text });
      return { id, verified: true };
    } catch (e) {
      if (!(e instanceof ExpressionError)) throw e;
      return { id, verified: false, message: `${label(entry)}: ${e.message}` };
    }
  });
  return { breakpoints, kept };
}

/** A context for checking a condition's names: `fields` (any case) and the registers read 0, `symbols` as given, memory 0. */
export function probeContext(fields: Iterable<string>, symbols?: ReadonlyMap<string, bigint>): EvalContext {
  const names = new Set([...fields].map((name) => name.toLowerCase()));
  return {
    register: (name) => (names.has(name.toLowerCase()) || lookupRegister(name) !== undefined ? 0n : undefined),
    symbol: (name) => symbols?.get(name),
    readMemory: () => 0n,
  };
}

/** `base` with an event's fields (lower-case names) in front of the registers of the same name. */
export function withFields(fields: ReadonlyMap<string, bigint>, base: EvalContext): EvalContext {
  return { ...base, register: (name) => fields.get(name.toLowerCase()) ?? base.register(name) };
}

/** Evaluates `node` against `probe` and throws only an unknown-name ExpressionError (others, e.g. a division by the probe's zeros, pass). */
export function rejectUnknownNames(node: ExprNode, probe: EvalContext): void {
  try {
    evaluateNode(node, probe);
  } catch (e) {
    if (e instanceof ExpressionError && /unknown register or symbol/.test(e.message)) throw e;
  }
}
