// The preprocessor: reads files through the injected host, follows %include (built-in
// includes first), handles %define/%xdefine/%undef/%assign (defines.ts), %if and friends,
// %error/%warning, multi-line %macro and %rep (macros.ts), and expands defines in every
// other line's tokens before it is parsed. Lines run through frames: a file, one macro
// expansion or one %rep iteration, each with its own %if stack.
import { type LexedLine, lexLine, type Token, TokenKind } from './lexer';
import { type LineContext, type ParsedLine, parseLine } from './statement';
import { includeFile } from './includes';
import { constantValue, defineFromTokens, type Defines, expandDefines } from './defines';
import { type BodyLine, leadingDirective, type MacroDefinition, parseMacroHeader, splitMacroArguments, substituteMacroLine } from './macros';
import type { AssembleHost, Diagnostic, DirectiveNode, IncludeEdge, LineNode, Range, SymbolDefinition, SymbolReference } from './types';

/** Where the text of an expanded line came from: a macro invocation at these columns. */
export interface LineOrigin {
  macro: string;
  start: number;
  end: number;
}

export interface ProgramLine {
  file: string;
  line: number;
  source: string;
  label: ParsedLine['label'];
  statement: ParsedLine['statement'];
  /** Set for lines out of a macro expansion: `source` is the expanded text, columns point here. */
  origin?: LineOrigin;
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

interface State {
  host: AssembleHost | undefined;
  /** Build AST nodes and references (parse()), or only statements (assemble()). */
  ast: boolean;
  program: Program;
  defines: Defines;
  macros: Map<string, MacroDefinition>;
  /** Numbers macro expansions, for `%%label`. */
  expansions: number;
  /** Lines produced by %rep and macros so far (a runaway %rep stops at a limit). */
  generatedLines: number;
  globalLabel: string;
  /** Nesting of includes and expansions. */
  depth: number;
}

interface Condition {
  active: boolean;
  taken: boolean;
  parentActive: boolean;
}

/** A %macro or %rep body being collected up to its matching %endmacro / %endrep. */
interface Collector {
  kind: 'macro' | 'rep';
  depth: number;
  lines: BodyLine[];
  startLine: number;
  macro?: { name: string; params: number; greedy: boolean };
  repeat?: number;
}

/** One run of lines: a file, a macro expansion or a %rep iteration. */
interface Frame {
  file: string;
  ctx: LineContext;
  /** AST nodes of a file frame (parse()); undefined for expansions and when assembling. */
  nodes: LineNode[] | undefined;
  conditions: Condition[];
  collecting?: Collector;
  /** Expansion frames: the invocation the lines stand for. */
  origin?: LineOrigin & { line: number };
  /** The block whose closing line is being fed (set by collectLine for preprocessorLine). */
  closed?: Collector;
  /** %exitrep was seen: stop the current %rep. */
  exitRep: boolean;
}

const MAX_DEPTH = 64;
const MAX_GENERATED_LINES = 1_000_000;

function rangeOf(line: number, start: number, end: number): Range {
  return { start: { line, column: start }, end: { line, column: end } };
}

/**
 * Preprocesses and parses `text` as `file`; follows includes only when `host` is given.
 * With `ast` false (assembling) the per-line AST nodes and references are not built.
 */
export function loadProgram(text: string, file: string, host: AssembleHost | undefined, ast = true): Program {
  const program: Program = { lines: [], nodes: new Map(), files: [], includes: [], definitions: [], references: [], diagnostics: [] };
  const state: State = { host, ast, program, defines: new Map(), macros: new Map(), expansions: 0, generatedLines: 0, globalLabel: '', depth: 0 };
  processFile(state, text, file);
  return program;
}

function newFrame(state: State, file: string, nodes: LineNode[] | undefined, origin?: Frame['origin']): Frame {
  const { program } = state;
  // One context per frame, updated line by line (its resolver closure stays valid).
  const ctx: LineContext = { file, line: 0, source: '', globalLabel: '', definitions: program.definitions, references: program.references, diagnostics: program.diagnostics, ast: state.ast };
  return { file, ctx, nodes, conditions: [], origin, exitRep: false };
}

function processFile(state: State, text: string, file: string): void {
  state.program.files.push(file);
  const nodes: LineNode[] | undefined = state.ast ? [] : undefined;
  if (nodes !== undefined || !state.program.nodes.has(file)) state.program.nodes.set(file, nodes ?? []);
  const frame = newFrame(state, file, nodes);
  let lineNumber = 0;
  let from = 0;
  while (from <= text.length) {
    let to = text.indexOf('\n', from);
    if (to < 0) to = text.length;
    feedLine(state, frame, text.slice(from, to > from && text.charCodeAt(to - 1) === 13 ? to - 1 : to), lineNumber);
    lineNumber++;
    from = to + 1;
  }
  finishFrame(state, frame, lineNumber - 1);
}

/** Reports what a frame left open. */
function finishFrame(state: State, frame: Frame, lastLine: number): void {
  const report = (message: string): void => reportAt(state, frame, message, lastLine, 0, 0);
  if (frame.conditions.length > 0) report('missing %endif');
  if (frame.collecting !== undefined) report(`missing ${frame.collecting.kind === 'macro' ? '%endmacro' : '%endrep'} for the ${frame.collecting.kind === 'macro' ? '%macro' : '%rep'} on line ${frame.collecting.startLine + 1}`);
}

/** Reports at `line` of the frame, or at its macro invocation (naming the macro unless `named` is false). */
function reportAt(state: State, frame: Frame, message: string, line: number, start: number, end: number, named = true): void {
  const origin = frame.origin;
  const range = origin === undefined ? rangeOf(line, start, end) : rangeOf(origin.line, origin.start, origin.end);
  state.program.diagnostics.push({ file: frame.file, severity: 'error', message: origin === undefined || !named ? message : `${message} (in macro '${origin.macro}')`, range });
}

/** Whether a line holds nothing but blanks and a comment. */
function isBlank(source: string): boolean {
  let i = 0;
  while (i < source.length && (source.charCodeAt(i) === 32 || source.charCodeAt(i) === 9)) i++;
  return i === source.length || source.charCodeAt(i) === 59;
}

/** Processes one line of a frame. */
function feedLine(state: State, frame: Frame, source: string, lineNumber: number): void {
  if (frame.collecting !== undefined && collectLine(state, frame, frame.collecting, source, lineNumber)) return;
  if (!state.ast && isBlank(source)) return; // assembling: nothing to parse, emit or check
  const { program } = state;
  const marks = frame.origin === undefined ? undefined : [program.diagnostics.length, program.definitions.length, program.references.length];
  const line = frame.origin?.line ?? lineNumber;
  const lexed = lexLine(source);
  const active = frame.conditions.length === 0 || (frame.conditions[frame.conditions.length - 1]?.active ?? true);
  const ctx = frame.ctx;
  ctx.line = line;
  ctx.source = source;
  ctx.globalLabel = state.globalLabel;
  for (const e of lexed.errors) program.diagnostics.push({ file: frame.file, severity: 'error', message: e.message, range: rangeOf(line, e.start, e.end) });
  const first = lexed.tokens[0];
  if (first?.text === '%' && lexed.tokens[1]?.kind === TokenKind.Ident && lexed.tokens[1].start === first.end) {
    const node = preprocessorLine(state, frame, lexed, active);
    frame.nodes?.push(node);
  } else if (active && state.macros.size > 0 && invokesMacro(state, frame, lexed, line)) {
    frame.nodes?.push({ line });
  } else if (active) {
    const tokens = expandDefines(state.defines, lexed.tokens, 0);
    const parsed = parseLine(tokens, lexed.commentStart, ctx);
    state.globalLabel = ctx.globalLabel;
    if (parsed.node !== undefined) frame.nodes?.push(parsed.node);
    const programLine: ProgramLine = { file: frame.file, line, source, label: parsed.label, statement: parsed.statement };
    if (frame.origin !== undefined) programLine.origin = { macro: frame.origin.macro, start: frame.origin.start, end: frame.origin.end };
    program.lines.push(programLine);
  } else frame.nodes?.push({ line });
  if (marks !== undefined && frame.origin !== undefined) pointAtInvocation(state, frame.origin, marks);
}

/** Diagnostics, definitions and references from expanded text point at the invocation. */
function pointAtInvocation(state: State, origin: NonNullable<Frame['origin']>, [diagnostics, definitions, references]: number[]): void {
  const { program } = state;
  const range = rangeOf(origin.line, origin.start, origin.end);
  for (let i = diagnostics ?? 0; i < program.diagnostics.length; i++) {
    const d = program.diagnostics[i] as Diagnostic;
    d.range = range;
    if (!d.message.endsWith(`(in macro '${origin.macro}')`)) d.message += ` (in macro '${origin.macro}')`;
  }
  for (let i = definitions ?? 0; i < program.definitions.length; i++) (program.definitions[i] as SymbolDefinition).range = range;
  for (let i = references ?? 0; i < program.references.length; i++) (program.references[i] as SymbolReference).range = range;
}

/** Adds a line to the body being collected; true unless it closed the block and must not be fed. */
function collectLine(state: State, frame: Frame, collector: Collector, source: string, lineNumber: number): boolean {
  const directive = leadingDirective(source);
  const opens = collector.kind === 'macro' ? directive === '%macro' || directive === '%imacro' : directive === '%rep';
  const closes = collector.kind === 'macro' ? directive === '%endmacro' || directive === '%endm' : directive === '%endrep';
  if (opens) collector.depth++;
  if (closes && --collector.depth === 0) {
    frame.collecting = undefined;
    frame.closed = collector;
    return false; // fed as a directive line: preprocessorLine finishes the block
  }
  collector.lines.push({ text: source, line: lineNumber });
  if (frame.nodes !== undefined) frame.nodes.push(bodyNode(frame, source, lineNumber));
  return true;
}

/**
 * The AST node of a %macro or %rep body line as written (for highlighting and hover). It is
 * parsed on the side: its symbols and problems count only where the body is expanded.
 */
function bodyNode(frame: Frame, source: string, line: number): LineNode {
  const lexed = lexLine(source);
  const first = lexed.tokens[0];
  if (first?.text === '%' || lexed.tokens.length === 0) {
    const node: LineNode = { line };
    if (lexed.commentStart >= 0) node.comment = { text: source.slice(lexed.commentStart), range: rangeOf(line, lexed.commentStart, source.length) };
    return node;
  }
  const side: LineContext = { ...frame.ctx, line, source, definitions: [], references: [], diagnostics: [], resolver: undefined };
  return parseLine(lexed.tokens, lexed.commentStart, side).node ?? { line };
}

function preprocessorLine(state: State, frame: Frame, lexed: LexedLine, active: boolean): LineNode {
  const { ctx, conditions } = frame;
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
      if (active) value = name === '%if' ? (constantValue(state.defines, args, '%if condition', report) ?? 0n) !== 0n : state.defines.has(args[0]?.text ?? '') === (name === '%ifdef');
      conditions.push({ active: active && value, taken: value, parentActive: active });
      return node;
    }
    case '%elif':
    case '%else':
      if (top === undefined) report(`${name} without %if`);
      else {
        const value = name === '%else' ? true : (constantValue(state.defines, args, '%elif condition', report) ?? 0n) !== 0n;
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
      defineFromTokens(state.defines, args, name, ctx, report);
      break;
    case '%undef':
      state.defines.delete(args[0]?.text ?? '');
      break;
    case '%include':
      includeFile({ host: state.host, program: state.program, depth: state.depth }, args, ctx, directive.range, report, (text, file) => {
        state.depth++;
        processFile(state, text, file);
        state.depth--;
      });
      break;
    case '%error':
    case '%warning':
      report(ctx.source.slice(nameToken.end).trim().replace(/^["']|["']$/g, ''), name === '%error' ? 'error' : 'warning');
      break;
    case '%macro':
    case '%imacro': {
      const header = parseMacroHeader(args);
      if (typeof header === 'string') report(header);
      if (name === '%imacro') report('%imacro (case-insensitive macros) is not supported; use %macro');
      frame.collecting = { kind: 'macro', depth: 1, lines: [], startLine: line, macro: typeof header === 'string' || name === '%imacro' ? undefined : header };
      break;
    }
    case '%rep': {
      const count = constantValue(state.defines, args, '%rep count', report);
      if (count !== undefined && count < 0n) report('%rep count is negative');
      frame.collecting = { kind: 'rep', depth: 1, lines: [], startLine: line, repeat: count === undefined || count < 0n ? 0 : Number(count) };
      break;
    }
    case '%endmacro':
    case '%endm':
    case '%endrep': {
      const block = frame.closed;
      frame.closed = undefined;
      if (block === undefined) report(`${name} without ${name === '%endrep' ? '%rep' : '%macro'}`);
      else if (block.kind === 'macro' && block.macro !== undefined) state.macros.set(block.macro.name, { ...block.macro, body: block.lines });
      else if (block.kind === 'rep') repeat(state, frame, block, report);
      break;
    }
    case '%exitrep':
      frame.exitRep = true;
      break;
    default:
      report(`unsupported preprocessor directive ${name}`);
  }
  return node;
}

/** Runs a %rep body `block.repeat` times, each iteration a frame over the body's own lines. */
function repeat(state: State, frame: Frame, block: Collector, report: (message: string) => void): void {
  if (state.depth >= MAX_DEPTH) return report('%rep nested too deeply');
  state.depth++;
  for (let i = 0; i < (block.repeat ?? 0); i++) {
    state.generatedLines += block.lines.length;
    if (state.generatedLines > MAX_GENERATED_LINES) {
      report(`%rep produces more than ${MAX_GENERATED_LINES} lines`);
      break;
    }
    const iteration = newFrame(state, frame.file, undefined, frame.origin);
    for (const body of block.lines) {
      feedLine(state, iteration, body.text, body.line);
      if (iteration.exitRep) break;
    }
    if (iteration.exitRep) break; // the %exitrep may sit inside an %if this iteration never closes
    finishFrame(state, iteration, block.lines[block.lines.length - 1]?.line ?? block.startLine);
  }
  state.depth--;
}

/**
 * Expands the line if it invokes a macro (`name args` or `label: name args`); false when
 * it does not. The expansion's lines all stand for this line.
 */
function invokesMacro(state: State, frame: Frame, lexed: LexedLine, line: number): boolean {
  const tokens = lexed.tokens;
  const labelled = tokens[1]?.text === ':' && tokens[0]?.kind === TokenKind.Ident;
  const at = labelled ? 2 : 0;
  const nameToken = tokens[at];
  const macro = nameToken?.kind === TokenKind.Ident ? state.macros.get(nameToken.text) : undefined;
  if (macro === undefined || nameToken === undefined) return false;
  const source = frame.ctx.source;
  const origin = { macro: macro.name, line, start: tokens[0]?.start ?? 0, end: tokens[tokens.length - 1]?.end ?? 0 };
  const args = splitMacroArguments(source, tokens, at + 1, macro.params, macro.greedy);
  const fits = args.length === macro.params; // a greedy last parameter has absorbed any extra commas
  const expansion = newFrame(state, frame.file, undefined, origin);
  if (!fits) {
    reportAt(state, expansion, `macro '${macro.name}' takes ${macro.params}${macro.greedy ? ' or more' : ''} parameter${macro.params === 1 ? '' : 's'}, got ${args.length}`, line, 0, 0, false);
    return true;
  }
  if (state.depth >= MAX_DEPTH || (state.generatedLines += macro.body.length) > MAX_GENERATED_LINES) {
    reportAt(state, expansion, state.depth >= MAX_DEPTH ? 'macros nested too deeply (recursive macro?)' : `macros produce more than ${MAX_GENERATED_LINES} lines`, line, 0, 0);
    return true;
  }
  const id = ++state.expansions;
  state.depth++;
  if (labelled) feedLine(state, expansion, source.slice(tokens[0]?.start ?? 0, tokens[1]?.end ?? 0), line);
  for (const body of macro.body) feedLine(state, expansion, substituteMacroLine(body.text, args, id), body.line);
  finishFrame(state, expansion, line);
  state.depth--;
  return true;
}
