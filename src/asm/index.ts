// Public API of the assembler (src/asm). Pure: no file system, file reading is injected.
//
//   parse(text, fileName)                 → ParsedFile (AST with ranges, symbols, includes)
//   assemble(entryFile, host, options?)   → AssembleResult (bytes, symbols, line map, listing, diagnostics)
//   assembleSource(text, fileName?, ...)  → same, for a source held in memory (tests, benchmark)
//   addressToLine / lineToAddresses       → queries over AssembleResult.lineMap
//
// Never throws on any input: problems come back as diagnostics.

export type {
  AssembledSymbol,
  AssembleHost,
  AssembleOptions,
  AssembleResult,
  CommentNode,
  Diagnostic,
  DirectiveArgument,
  DirectiveNode,
  IncludeEdge,
  InstructionNode,
  LabelNode,
  LineMapEntry,
  LineNode,
  OperandKind,
  OperandNode,
  ParsedFile,
  Position,
  PrefixNode,
  Range,
  Severity,
  SymbolDefinition,
  SymbolKind,
  SymbolReference,
} from './types';
export { parse } from './parse';
export { assemble, assembleSource, measureAssembler } from './assemble';
export { addressToLine, lineToAddresses } from './lineMap';
export { builtinIncludes } from './builtins';
export { vmxConstant, vmxConstantGroups, vmxConstantTable } from './include/vmxConstants';
export type { VmcsFieldShape, VmcsFieldType, VmcsFieldWidth, VmxConfidence, VmxConstant, VmxConstantGroup, VmxConstantKind } from './include/vmxConstants';
