// Folding ranges: sections, global-label blocks, %macro/%if/%rep blocks, runs of comment lines.
import { FoldingRangeKind } from 'vscode-languageserver';
import type { FoldingRange } from 'vscode-languageserver';
import type { Analysis } from './analysis';

const opens: Record<string, string> = { '%macro': '%endmacro', '%imacro': '%endmacro', '%rmacro': '%endmacro', '%rep': '%endrep' };
const isIf = (name: string): boolean => /^%if/.test(name);

export function computeFolding(analysis: Analysis): FoldingRange[] {
  const out: FoldingRange[] = [];
  const add = (start: number, end: number, kind?: FoldingRangeKind): void => {
    if (end > start) out.push({ startLine: start, endLine: end, ...(kind === undefined ? {} : { kind }) });
  };
  const lastCodeLine = (before: number): number => {
    let line = before - 1;
    while (line > 0 && (analysis.lines[line] ?? '').trim() === '') line--;
    return line;
  };
  const blocks: { name: string; line: number }[] = [];
  let section: number | undefined;
  let label: number | undefined;
  for (const node of analysis.parsed.lines) {
    const statement = node.statement;
    const isEqu = statement?.kind === 'directive' && statement.name.toLowerCase() === 'equ';
    if (node.label !== undefined && !node.label.local && !isEqu) {
      if (label !== undefined) add(label, lastCodeLine(node.line));
      label = node.line;
    }
    if (statement?.kind !== 'directive') continue;
    const name = statement.name.toLowerCase();
    if (name === 'section' || name === 'segment') {
      if (section !== undefined) add(section, lastCodeLine(node.line));
      if (label !== undefined) add(label, lastCodeLine(node.line));
      section = node.line;
      label = undefined;
    } else if (opens[name] !== undefined || isIf(name)) {
      blocks.push({ name, line: node.line });
    } else if (name === '%else' || name.startsWith('%elif')) {
      const open = blocks.at(-1);
      if (open !== undefined && isIf(open.name)) {
        add(open.line, node.line - 1);
        open.line = node.line;
      }
    } else if (name === '%endmacro' || name === '%endm' || name === '%endrep' || name === '%endif') {
      const want = name === '%endm' ? '%endmacro' : name;
      let index = blocks.length - 1;
      while (index >= 0 && !matches(blocks[index]?.name ?? '', want)) index--;
      const open = blocks[index];
      if (open !== undefined) {
        add(open.line, node.line);
        blocks.splice(index);
      }
    }
  }
  const end = lastCodeLine(analysis.lines.length);
  if (label !== undefined) add(label, end);
  if (section !== undefined) add(section, end);
  addCommentBlocks(analysis.lines, add);
  return out;
}

function matches(open: string, close: string): boolean {
  return close === '%endif' ? isIf(open) : opens[open] === close;
}

function addCommentBlocks(lines: readonly string[], add: (start: number, end: number, kind?: FoldingRangeKind) => void): void {
  let start = -1;
  lines.forEach((text, line) => {
    const comment = /^\s*;/.test(text);
    if (comment && start < 0) start = line;
    if (!comment && start >= 0) {
      add(start, line - 1, FoldingRangeKind.Comment);
      start = -1;
    }
  });
  if (start >= 0) add(start, lines.length - 1, FoldingRangeKind.Comment);
}
