// Public types of the assembler: the AST handed to the language server, the result of
// assembling, diagnostics. Lines and columns are 0-based everywhere (LSP convention);
// the CLI adds 1 when printing `file:line:col`.

/** A position in a source file: 0-based line, 0-based UTF-16 column. */
export interface Position {
  line: number;
  column: number;
}

/** A half-open range [start, end) within one file. */
export interface Range {
  start: Position;
  end: Position;
}

export type Severity = 'error' | 'warning';

/** An error or warning the user can act on: what, and where. */
export interface Diagnostic {
  file: string;
  severity: Severity;
  message: string;
  range: Range;
}

// ---------------------------------------------------------------- AST

/** A label definition at the start of a line (`name:` or `.local:`). */
export interface LabelNode {
  kind: 'label';
  /** As written, e.g. `.loop`. */
  name: string;
  /** Fully qualified: local labels are prefixed by the enclosing global, e.g. `main.loop`. */
  fullName: string;
  local: boolean;
  range: Range;
}

export type OperandKind = 'register' | 'memory' | 'immediate';

/** One operand of an instruction, as written (after %define expansion). */
export interface OperandNode {
  kind: OperandKind;
  text: string;
  range: Range;
  /** `byte`/`word`/`dword`/`qword`/`tword`/`oword` if given. */
  sizeKeyword?: string;
}

export interface PrefixNode {
  name: string;
  range: Range;
}

/** A machine instruction: prefixes (lock, rep...), mnemonic and operands. */
export interface InstructionNode {
  kind: 'instruction';
  prefixes: PrefixNode[];
  mnemonic: string;
  mnemonicRange: Range;
  operands: OperandNode[];
  range: Range;
}

export interface DirectiveArgument {
  text: string;
  range: Range;
}

/**
 * A directive: assembler (`db`, `times`, `section`, `equ`, `org`, `bits`, `align`, ...) or
 * preprocessor (`%define`, `%include`, ...; `preprocessor` is true and `name` keeps the `%`).
 */
export interface DirectiveNode {
  kind: 'directive';
  name: string;
  nameRange: Range;
  preprocessor: boolean;
  args: DirectiveArgument[];
  range: Range;
}

export interface CommentNode {
  text: string;
  range: Range;
}

/** One source line: any of label, statement and comment may be present. */
export interface LineNode {
  line: number;
  label?: LabelNode;
  statement?: InstructionNode | DirectiveNode;
  comment?: CommentNode;
}

export type SymbolKind = 'label' | 'local-label' | 'equ' | 'define' | 'macro';

/** Where a symbol is defined. */
export interface SymbolDefinition {
  name: string;
  fullName: string;
  kind: SymbolKind;
  file: string;
  range: Range;
}

/** A use of a symbol (label, equ constant or %define) in an operand or directive. */
export interface SymbolReference {
  name: string;
  fullName: string;
  file: string;
  range: Range;
}

/** An `%include "path"` line and the file it resolved to (if it did). */
export interface IncludeEdge {
  from: string;
  path: string;
  resolved?: string;
  range: Range;
}

/** The result of parsing one file on its own (no include following). */
export interface ParsedFile {
  fileName: string;
  lines: LineNode[];
  definitions: SymbolDefinition[];
  references: SymbolReference[];
  includes: IncludeEdge[];
  /** Syntax errors only; semantic errors need `assemble`. */
  diagnostics: Diagnostic[];
}

// ---------------------------------------------------------------- assembling

/** Injected host access: the assembler never touches the file system itself. */
export interface AssembleHost {
  /** Returns the text of a file, or undefined if it does not exist. */
  readFile(path: string): string | undefined;
  /** Directories searched for `%include` after the including file's directory. */
  includePaths?: string[];
}

export interface AssembleOptions {
  /** Initial `bits` (default 64). */
  bits?: 16 | 32 | 64;
  /** `bin` (flat image like `nasm -f bin`, default) or `elf64` (relocatable object). */
  format?: 'bin' | 'elf64';
}

/** A symbol in the assembled program. */
export interface AssembledSymbol {
  name: string;
  kind: 'label' | 'equ';
  /** Address for labels, value for equ constants. */
  value: bigint;
  section?: string;
  file: string;
  range: Range;
}

/** One emitted item: an instruction or a data directive. Sorted by address. */
export interface LineMapEntry {
  address: number;
  length: number;
  file: string;
  /** 0-based source line. */
  line: number;
  kind: 'instruction' | 'data';
}

export interface AssembleResult {
  /** The output: the flat image (`bin`) or an ELF64 object (`elf64`). */
  bytes: Uint8Array;
  /** Address of bytes[0] (the `org`). */
  origin: number;
  symbols: AssembledSymbol[];
  lineMap: LineMapEntry[];
  /** Text like `nasm -l`: line number, address, bytes, source. */
  listing: string;
  /** Every file read, entry first. */
  files: string[];
  includes: IncludeEdge[];
  diagnostics: Diagnostic[];
  /** True when there is no error (warnings allowed). */
  ok: boolean;
}
