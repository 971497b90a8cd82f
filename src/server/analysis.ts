// One document's view of the assembler: its AST (parse), the assembled program (lazy) and
// the files it includes. Features read only this; file access comes in through SourceHost.
import { assemble, builtinIncludes, parse } from '../asm';
import type { AssembleResult, ParsedFile, SymbolDefinition, SymbolReference } from '../asm';
import { definitionsIn, macroUses } from './macroSymbols';

/** Injected file access: open editor buffers first, then the disk. */
export interface SourceHost {
  readFile(file: string): string | undefined;
  /** Directories searched for `%include` after the including file's directory. */
  includePaths: string[];
}

const includeCache = new Map<string, { text: string; parsed: ParsedFile }>();

/** Parses `file` from `text`, reusing the previous result while the text is unchanged. */
export function parseCached(file: string, text: string): ParsedFile {
  const cached = includeCache.get(file);
  if (cached && cached.text === text) return cached.parsed;
  const parsed = parse(text, file);
  includeCache.set(file, { text, parsed });
  return parsed;
}

export class Analysis {
  readonly lines: string[];
  private parsedFile?: ParsedFile;
  private assembledProgram?: AssembleResult;
  private macroNames?: Set<string>;
  private readonly referenceLists = new Map<string, SymbolReference[]>();

  constructor(
    readonly file: string,
    readonly text: string,
    readonly host: SourceHost,
  ) {
    this.lines = text.split(/\r?\n/);
  }

  get parsed(): ParsedFile {
    this.parsedFile ??= parse(this.text, this.file);
    return this.parsedFile;
  }

  /** The whole program with this document as the entry file, includes followed. */
  get assembled(): AssembleResult {
    this.assembledProgram ??= assemble(this.file, { readFile: (file) => this.readSource(file), includePaths: this.host.includePaths });
    return this.assembledProgram;
  }

  /** Text of this document, another file, or a built-in include. */
  readSource(file: string): string | undefined {
    if (file === this.file) return this.text;
    return this.host.readFile(file) ?? (Object.hasOwn(builtinIncludes, file) ? builtinIncludes[file] : undefined);
  }

  /** Every file this document includes, directly or not, parsed; each once, in include order. */
  includedFiles(): ParsedFile[] {
    const out: ParsedFile[] = [];
    const seen = new Set([this.file]);
    const edges = [...this.parsed.includes, ...this.assembled.includes];
    for (const edge of edges) {
      const file = edge.resolved;
      if (file === undefined || seen.has(file)) continue;
      seen.add(file);
      const text = this.readSource(file);
      if (text !== undefined) out.push(parseCached(file, text));
    }
    return out;
  }

  /** This file and its includes. */
  allFiles(): ParsedFile[] {
    return [this.parsed, ...this.includedFiles()];
  }

  /** The parser's references in `parsed` plus the uses of %defines and macros it expanded away. */
  referencesIn(parsed: ParsedFile): SymbolReference[] {
    let list = this.referenceLists.get(parsed.fileName);
    if (list === undefined) {
      this.macroNames ??= new Set(this.allFiles().flatMap((file) => definitionsIn(file).filter((definition) => definition.kind === 'define' || definition.kind === 'macro').map((definition) => definition.name)));
      list = [...parsed.references, ...macroUses(parsed, this.readSource(parsed.fileName) ?? '', this.macroNames)];
      this.referenceLists.set(parsed.fileName, list);
    }
    return list;
  }

  /** The definition or reference whose name range contains the position, in this file. */
  symbolAt(line: number, column: number): SymbolDefinition | SymbolReference | undefined {
    const hit = (range: SymbolReference['range']): boolean =>
      range.start.line === line && range.start.column <= column && column <= range.end.column;
    return definitionsIn(this.parsed).find((definition) => hit(definition.range)) ?? this.referencesIn(this.parsed).find((reference) => hit(reference.range));
  }

  /** Definitions of `fullName` in this file and its includes. */
  definitionsOf(fullName: string): SymbolDefinition[] {
    return this.allFiles().flatMap((file) => definitionsIn(file).filter((definition) => definition.fullName === fullName));
  }

  /** References to `fullName` in this file and its includes. */
  referencesTo(fullName: string): SymbolReference[] {
    return this.allFiles().flatMap((file) => this.referencesIn(file).filter((reference) => reference.fullName === fullName));
  }
}
