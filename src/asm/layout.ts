// Layout: runs the program in passes like nasm's optimizer — sizes every item with the
// symbol values of the previous pass, grows jumps that do not reach, and repeats until
// no address changes; then one final pass emits bytes, the line map and diagnostics.
import { evaluate, type Expr, type Value } from './expr';
import { dataSize, emitData } from './data';
import { encodeStatement, type EncodeContext, type EncodeWarning, newInstructionState } from './instruction';
import { ByteArena, hasSymbols, type Item, newItem, type Report, usesLocation } from './layoutItems';
import { placeSections, type Section } from './sections';
import type { ProgramLine } from './preprocess';
import type { Statement } from './statement';
export type { Section } from './sections';
import { LocatedError } from './errorColumns';
import type { Diagnostic, LineMapEntry } from './types';

interface Label {
  section: Section;
  offset: number;
  known: boolean;
  /** The pass that last defined the label (a second definition in one pass is an error). */
  pass: number;
  /** The label's value as of `valueAddress`, reused while the address stays the same. */
  value?: Value;
  valueAddress?: number;
}

export interface LayoutResult {
  sections: Section[];
  origin: number;
  labels: Map<string, { value: bigint; section: string }>;
  equs: Map<string, bigint>;
  /** Emitted items in source order (callers sort a copy by address). */
  lineMap: LineMapEntry[];
}

const MAX_PASSES = 40;

/** Lays out and emits the program; diagnostics go to `diagnostics`. */
export function layout(lines: ProgramLine[], initialBits: 16 | 32 | 64, diagnostics: Diagnostic[]): LayoutResult {
  return new Layout(lines, initialBits, diagnostics).run();
}

class Layout {
  private readonly sections = new Map<string, Section>();
  private readonly labels = new Map<string, Label>();
  /** equ constants; `constant` caches the value of an expression that uses no symbol and no `$`. */
  private readonly equs = new Map<string, { expr: Expr; section: Section; offset: number; constant?: Value; busy: boolean }>();
  private readonly items: Item[];
  private origin = 0;
  private final = false;
  private changed = false;
  private unresolved = false;
  private current!: Section;
  private currentLine!: ProgramLine;
  /** Counts passes, for telling a redefinition from the previous pass's definition. */
  private passNumber = 0;
  /** `$`: address of the current line. */
  private here = 0;
  /** Errors reported through the evaluation context so far (an equ that gave one is not cached). */
  private evaluationErrors = 0;
  /** Columns of the operand or data item being evaluated (0, 0: the whole line). */
  private focusStart = 0;
  private focusEnd = 0;
  /** Inside an equ evaluated for a reference: its problems are reported at its own line instead. */
  private quiet = 0;
  /** While encoding a symbol-free instruction before the final pass: what it reports, kept for that pass. */
  private recorded: Report[] | undefined;
  private readonly lineMap: LineMapEntry[] = [];
  /** The one evaluation context, refreshed by context() before each use; `$` and `$$` are made BigInts only when read. */
  private readonly ctx: EncodeContext = Object.defineProperties({
    symbol: (name: string, start: number, end: number) => this.symbol(name, start, end),
    here: 0n,
    sectionBase: 0n,
    error: (message: string) => {
      this.evaluationErrors++;
      this.error(message, this.focusStart, this.focusEnd);
    },
    focus: (start: number, end: number) => {
      this.focusStart = start;
      this.focusEnd = end;
    },
    warn: (message: string, start = 0, end = 0) => this.error(message, start, end, 'warning'),
    bitness: 64 as 16 | 32 | 64,
    defaultRel: false,
    final: false,
  }, {
    here: { get: (): bigint => BigInt(this.here) },
    sectionBase: { get: (): bigint => BigInt(this.current.start) },
  });
  /** Bytes of the symbol-free instructions, encoded once in the first pass. */
  private readonly arena = new ByteArena();

  constructor(
    private readonly lines: ProgramLine[],
    private readonly initialBits: 16 | 32 | 64,
    private readonly diagnostics: Diagnostic[],
  ) {
    this.items = lines.map(newItem);
    this.section('.text');
  }

  run(): LayoutResult {
    for (let pass = 0; pass < MAX_PASSES; pass++) {
      this.changed = false;
      this.unresolved = false;
      this.pass();
      if (!this.changed && pass > 0 && (!this.unresolved || pass > 1)) break;
      if (pass === MAX_PASSES - 1) this.error('layout did not converge (jumps or symbols keep changing size)', 0, 0);
    }
    this.final = true;
    for (const s of this.sections.values()) s.bytes = new Uint8Array(s.nobits ? 0 : s.size);
    this.pass();
    const labels = new Map<string, { value: bigint; section: string }>();
    for (const [name, label] of this.labels) labels.set(name, { value: BigInt(label.section.start + label.offset), section: label.section.name });
    const equs = new Map<string, bigint>();
    this.quiet++;
    for (const name of this.equs.keys()) {
      const v = this.symbol(name, 0, 0);
      if (v !== undefined) equs.set(name, v.value);
    }
    this.quiet--;
    return { sections: [...this.sections.values()], origin: this.origin, labels, equs, lineMap: this.lineMap };
  }

  private section(name: string): Section {
    let s = this.sections.get(name);
    if (s === undefined) {
      s = { name, align: 4, nobits: name === '.bss' || name.startsWith('.bss.'), size: 0, start: 0, bytes: new Uint8Array(0) };
      this.sections.set(name, s);
    }
    this.current = s;
    return s;
  }

  private error(message: string, start: number, end: number, severity: 'error' | 'warning' = 'error'): void {
    if (this.recorded !== undefined) {
      this.recorded.push({ message, start, end, severity });
      return;
    }
    if (this.quiet > 0 && !message.startsWith('circular definition')) return;
    if (!this.final && severity === 'error' && message !== 'layout did not converge (jumps or symbols keep changing size)') return;
    if (!this.final && severity === 'warning') return;
    const pl = this.currentLine as ProgramLine | undefined;
    const line = pl?.line ?? 0;
    const origin = pl?.origin;
    // Columns of an expanded line mean nothing in the editor: point at the macro invocation.
    const range = origin !== undefined ? { start: { line, column: origin.start }, end: { line, column: origin.end } } : { start: { line, column: start }, end: { line, column: end > start ? end : (pl?.source.length ?? 0) } };
    this.diagnostics.push({ file: pl?.file ?? '', severity, message: origin !== undefined ? `${message} (in macro '${origin.macro}')` : message, range });
  }


  /** Symbol value for expressions: labels (previous pass if forward), equ constants. */
  symbol(name: string, start: number, end: number): Value | undefined {
    const label = this.labels.get(name);
    if (label !== undefined && label.known) {
      const address = label.section.start + label.offset;
      if (label.value === undefined || label.valueAddress !== address) {
        label.value = { value: BigInt(address), reloc: 1 };
        label.valueAddress = address;
      }
      return label.value;
    }
    const equ = this.equs.get(name);
    if (equ !== undefined) {
      if (equ.constant !== undefined) return equ.constant;
      if (equ.busy) {
        this.error(`circular definition of '${name}'`, start, end);
        return undefined;
      }
      equ.busy = true;
      // The context is shared: evaluate with the equ's `$`, then give the caller its own back.
      const saved = this.here;
      this.here = equ.section.start + equ.offset;
      const errorsBefore = this.evaluationErrors;
      this.quiet++;
      const value = evaluate(equ.expr, this.context());
      this.quiet--;
      this.here = saved;
      equ.busy = false;
      if (value !== undefined && errorsBefore === this.evaluationErrors && !usesLocation(equ.expr)) equ.constant = value;
      return value;
    }
    this.unresolved = true;
    if (this.final) this.error(`undefined symbol '${name.includes('.') && !name.startsWith('.') ? name.slice(name.indexOf('.')) : name}'`, start, end);
    return undefined;
  }

  private context(): EncodeContext {
    const ctx = this.ctx;
    ctx.bitness = this.bits;
    ctx.defaultRel = this.defaultRel;
    ctx.final = this.final;
    return ctx;
  }

  private bits: 16 | 32 | 64 = 64;
  private defaultRel = false;
  private orgSeen = false;

  private pass(): void {
    for (const s of this.sections.values()) s.size = 0;
    this.section('.text');
    this.bits = this.initialBits;
    this.defaultRel = false;
    this.orgSeen = false;
    this.passNumber++;
    for (let index = 0; index < this.lines.length; index++) {
      const pl = this.lines[index] as ProgramLine;
      this.currentLine = pl;
      const item = this.items[index] as Item;
      const { label, statement } = pl;
      this.here = this.current.start + this.current.size;
      this.focusStart = this.focusEnd = 0;
      if (label !== undefined) this.defineLabel(label.fullName, statement, label.start, label.end);
      const size = this.statement(statement, item, pl);
      if (size !== item.size) {
        item.size = size;
        this.changed = true;
      }
      this.current.size += size;
    }
    if (placeSections(this.sections.values(), this.origin)) this.changed = true;
  }

  private defineLabel(name: string, statement: Statement, start: number, end: number): void {
    if (statement.k === 'equ') {
      const existing = this.equs.get(name);
      if (existing === undefined) {
        if (this.labels.has(name)) this.error(`symbol '${name}' redefined`, start, end);
        this.equs.set(name, { expr: statement.expr, section: this.current, offset: this.current.size, busy: false });
      } else if (existing.expr !== statement.expr) this.error(`symbol '${name}' redefined`, start, end);
      else {
        existing.section = this.current;
        existing.offset = this.current.size;
      }
      return;
    }
    const label = this.labels.get(name);
    if (label === undefined) {
      if (this.equs.has(name)) this.error(`symbol '${name}' redefined`, start, end);
      this.labels.set(name, { section: this.current, offset: this.current.size, known: true, pass: this.passNumber, value: undefined, valueAddress: undefined });
      this.changed = true;
      return;
    }
    if (label.pass === this.passNumber) {
      this.error(`label '${name}' redefined`, start, end);
      return;
    }
    label.pass = this.passNumber;
    if (label.section !== this.current || label.offset !== this.current.size) this.changed = true;
    label.section = this.current;
    label.offset = this.current.size;
  }


  /** Final pass, at an equ's own line: evaluates it once more so its problems are reported there. */
  private checkEqu(name: string): void {
    const equ = this.equs.get(name);
    if (equ === undefined || equ.constant !== undefined) return;
    equ.busy = true;
    const saved = this.here;
    this.here = equ.section.start + equ.offset;
    evaluate(equ.expr, this.context());
    this.here = saved;
    equ.busy = false;
  }

  private value(expr: Expr, what: string): bigint | undefined {
    const v = evaluate(expr, this.context());
    if (v === undefined) {
      this.unresolved = true;
      if (this.final) this.error(`${what} must be known here (no forward references)`, 0, 0);
    }
    return v?.value;
  }

  /** Size of one statement in this pass; in the final pass also emits it. */
  private statement(stmt: Statement, item: Item, pl: ProgramLine): number {
    switch (stmt.k) {
      case 'none':
      case 'equ':
        if (this.final && pl.label !== undefined) this.checkEqu(pl.label.fullName);
        return 0;
      case 'section':
        this.section(stmt.name);
        if (stmt.align !== undefined) this.current.align = stmt.align;
        return 0;
      case 'bits':
        this.bits = stmt.bits;
        return 0;
      case 'default':
        this.defaultRel = stmt.rel;
        return 0;
      case 'org': {
        const v = this.value(stmt.expr, 'org');
        if (this.orgSeen) this.error('org given more than once', 0, 0);
        this.orgSeen = true;
        if (v !== undefined && Number(v) !== this.origin) {
          this.origin = Number(v);
          this.changed = true;
        }
        return 0;
      }
      case 'align': {
        const n = Number(this.value(stmt.expr, 'align boundary') ?? 1n);
        if (n <= 0 || (n & (n - 1)) !== 0) {
          this.error('align boundary must be a power of two', 0, 0);
          return 0;
        }
        if (!stmt.bss) this.current.align = Math.max(this.current.align, n);
        const pad = (n - (this.current.size % n)) % n;
        if (this.final && !this.current.nobits && pad > 0) {
          const fill = stmt.fill?.k === 'data' && stmt.fill.items[0]?.expr !== undefined ? Number((evaluate(stmt.fill.items[0].expr, this.context())?.value ?? 0n) & 0xffn) : stmt.bss ? 0 : 0x90;
          this.current.bytes.fill(fill, this.current.size, this.current.size + pad);
          this.record(pl, pad, 'data');
        }
        return pad;
      }
      case 'res': {
        const count = Number(this.value(stmt.count, 'reserve count') ?? 0n);
        if (count < 0) this.error('reserve count is negative', 0, 0);
        return Math.max(0, count) * stmt.unit;
      }
      case 'times': {
        const count = Number(this.value(stmt.count, 'times count') ?? 0n);
        if (count < 0) {
          this.error('times count is negative', 0, 0);
          return 0;
        }
        let total = 0;
        const saved = this.current.size;
        for (let i = 0; i < count; i++) {
          const size = this.statement(stmt.body, item, pl);
          total += size;
          this.current.size += size; // `$` stays the start of the line, as in nasm
          if (!this.final && i === 0 && stmt.body.k !== 'insn') {
            total = size * count;
            break;
          }
        }
        this.current.size = saved;
        return total;
      }
      case 'data': {
        const size = dataSize(stmt.unit, stmt.items);
        if (this.final) {
          if (this.current.nobits) this.error('data in a nobits section (.bss) is ignored', 0, 0, 'warning');
          else emitData(stmt.unit, stmt.items, this.context(), this.current.bytes, this.current.size);
          this.record(pl, size, 'data');
        }
        return size;
      }
      case 'insn':
        return this.instruction(stmt, item, pl);
    }
  }

  private instruction(stmt: Extract<Statement, { k: 'insn' }>, item: Item, pl: ProgramLine): number {
    item.symbolic ??= hasSymbols(stmt);
    let bytes: Uint8Array | undefined;
    let length = item.fixedLength;
    let warnings: readonly EncodeWarning[] | undefined;
    if (item.fixedAt < 0) {
      // A symbol-free instruction is encoded once, before the final pass: keep what it reports.
      const recording = !item.symbolic && !this.final;
      if (recording) this.recorded = [];
      try {
        const encoded = encodeStatement(stmt, (item.state ??= newInstructionState()), this.context(), this.current.start + this.current.size, item.symbolic);
        bytes = encoded.bytes;
        length = encoded.length;
        warnings = encoded.warnings;
      } catch (e) {
        if (e instanceof LocatedError) this.error(e.message, e.start, e.end);
        else {
          // iced's own messages end in a parenthesised detail the user cannot act on
          const message = e instanceof Error ? e.message.replace(/ \(.*\)$/, '') : String(e);
          if (message !== '') this.error(message, stmt.start, stmt.end);
        }
        if (recording) this.recorded = undefined;
        return item.size;
      }
      if (recording) {
        const reports = relativeReports(this.recorded ?? [], warnings, stmt.start);
        this.recorded = undefined;
        warnings = undefined;
        if (bytes !== undefined) {
          item.fixedAt = this.arena.add(bytes);
          item.fixedLength = bytes.length;
          item.state = undefined; // never encoded again: let it die young
          item.fixedReports = reports.length > 0 ? reports : undefined;
        }
      }
    }
    if (this.final) {
      for (const r of item.fixedReports ?? []) this.error(r.message, r.start + stmt.start, r.end + stmt.start, r.severity);
      for (const w of warnings ?? []) this.error(w.message, w.start, w.end, 'warning');
    }
    if (this.final && (bytes !== undefined || item.fixedAt >= 0)) {
      if (this.current.nobits) this.error('instruction in a nobits section (.bss) is ignored', 0, 0, 'warning');
      else if (bytes !== undefined) this.current.bytes.set(bytes, this.current.size);
      else this.arena.copy(item.fixedAt, item.fixedLength, this.current.bytes, this.current.size);
      this.record(pl, bytes?.length ?? item.fixedLength, 'instruction');
    }
    return length;
  }

  private record(pl: ProgramLine, length: number, kind: LineMapEntry['kind']): void {
    if (this.current.nobits) return;
    this.lineMap.push({ address: this.current.start + this.current.size, length, file: pl.file, line: pl.line, kind });
  }
}

/** What a symbol-free instruction reported, columns relative to the instruction's start. */
function relativeReports(recorded: readonly Report[], warnings: readonly EncodeWarning[] | undefined, start: number): Report[] {
  if (recorded.length === 0 && (warnings === undefined || warnings.length === 0)) return [];
  return [...recorded, ...(warnings ?? []).map((w): Report => ({ ...w, severity: 'warning' }))].map((r) => ({ ...r, start: r.start - start, end: r.end - start }));
}
