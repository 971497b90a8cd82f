// Document symbols (global labels with their local labels nested, constants, %defines,
// macros) and workspace symbols (the same, flat, across files, filtered by a query).
import { SymbolKind } from 'vscode-languageserver';
import type { DocumentSymbol, SymbolInformation } from 'vscode-languageserver';
import type { ParsedFile, SymbolDefinition } from '../asm';
import { definitionsIn } from './macroSymbols';
import { toLspRange } from './positions';

const kindOf: Record<SymbolDefinition['kind'], SymbolKind> = {
  label: SymbolKind.Function,
  'local-label': SymbolKind.Field,
  equ: SymbolKind.Constant,
  define: SymbolKind.Constant,
  macro: SymbolKind.Module,
};

/** Symbols of one file; a global label's range runs to the line before the next global label. */
export function documentSymbols(parsed: ParsedFile, lineCount: number): DocumentSymbol[] {
  const definitions = definitionsIn(parsed)
    .filter((definition) => definition.file === parsed.fileName)
    .sort((a, b) => a.range.start.line - b.range.start.line || a.range.start.column - b.range.start.column);
  const globalLines = definitions.filter((definition) => definition.kind === 'label').map((definition) => definition.range.start.line);
  const localsByParent = new Map<string, DocumentSymbol[]>();
  for (const local of definitions) {
    if (local.kind !== 'local-label') continue;
    const parent = local.fullName.slice(0, local.fullName.length - local.name.length);
    const list = localsByParent.get(parent) ?? [];
    list.push({ name: local.name, detail: local.fullName, kind: kindOf[local.kind], range: toLspRange(local.range), selectionRange: toLspRange(local.range) });
    localsByParent.set(parent, list);
  }
  const out: DocumentSymbol[] = [];
  let globalIndex = 0;
  for (const definition of definitions) {
    if (definition.kind === 'local-label') continue;
    const selectionRange = toLspRange(definition.range);
    const symbol: DocumentSymbol = { name: definition.name, detail: definition.kind, kind: kindOf[definition.kind], range: selectionRange, selectionRange };
    if (definition.kind === 'label') {
      const nextLine = globalLines[++globalIndex] ?? lineCount;
      symbol.range = { start: selectionRange.start, end: { line: Math.max(definition.range.start.line, nextLine - 1), character: 0 } };
      symbol.children = localsByParent.get(definition.fullName) ?? [];
    }
    out.push(symbol);
  }
  return out;
}

/** Definitions across files whose name contains `query` (case-insensitive). */
export function workspaceSymbols(files: readonly ParsedFile[], query: string, uriOf: (file: string) => string, limit = 500): SymbolInformation[] {
  const needle = query.toLowerCase();
  const out: SymbolInformation[] = [];
  for (const parsed of files) {
    for (const definition of definitionsIn(parsed)) {
      if (definition.file !== parsed.fileName || !definition.fullName.toLowerCase().includes(needle)) continue;
      out.push({ name: definition.fullName, kind: kindOf[definition.kind], location: { uri: uriOf(definition.file), range: toLspRange(definition.range) } });
      if (out.length >= limit) return out;
    }
  }
  return out;
}
