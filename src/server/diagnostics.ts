// Diagnostics for one document: the assembler's errors in the document itself, and errors in
// the files it includes reported on the `%include` line that brings them in.
import { DiagnosticSeverity } from 'vscode-languageserver';
import type { Diagnostic, DiagnosticRelatedInformation } from 'vscode-languageserver';
import type { Diagnostic as AsmDiagnostic, IncludeEdge } from '../asm';
import type { Analysis } from './analysis';
import { toLspRange } from './positions';

export function computeDiagnostics(analysis: Analysis, uriOf: (file: string) => string): Diagnostic[] {
  const program = analysis.assembled;
  const seen = new Set<string>();
  const out: Diagnostic[] = [];
  const includeLineOf = includeLineFinder(analysis.file, program.includes);
  for (const found of program.diagnostics) {
    const key = `${found.file}:${found.range.start.line}:${found.range.start.column}:${found.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    if (found.file === analysis.file) {
      out.push(toLspDiagnostic(found));
      continue;
    }
    const edge = includeLineOf(found.file);
    if (edge === undefined) continue;
    const where = `${edge.path}:${found.range.start.line + 1}:${found.range.start.column + 1}`;
    const related: DiagnosticRelatedInformation = { location: { uri: uriOf(found.file), range: toLspRange(found.range) }, message: found.message };
    out.push({ ...toLspDiagnostic(found), range: toLspRange(edge.range), message: `in included file ${where}: ${found.message}`, relatedInformation: [related] });
  }
  return out;
}

function toLspDiagnostic(found: AsmDiagnostic): Diagnostic {
  return {
    range: toLspRange(found.range),
    severity: found.severity === 'error' ? DiagnosticSeverity.Error : DiagnosticSeverity.Warning,
    source: 'hvasm',
    message: found.message,
  };
}

/** Maps a file to the `%include` edge in `entry` through which it is (transitively) included. */
function includeLineFinder(entry: string, edges: readonly IncludeEdge[]): (file: string) => IncludeEdge | undefined {
  const parentOf = new Map<string, IncludeEdge>();
  for (const edge of edges) if (edge.resolved !== undefined && !parentOf.has(edge.resolved)) parentOf.set(edge.resolved, edge);
  return (file) => {
    let edge = parentOf.get(file);
    for (let depth = 0; edge !== undefined && edge.from !== entry && depth < 64; depth++) edge = parentOf.get(edge.from);
    return edge?.from === entry ? edge : undefined;
  };
}
