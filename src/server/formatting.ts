// Document formatting: labels at column 0; instructions and data directives indented with
// their mnemonics padded so operands line up; section-level directives and preprocessor
// lines at column 0; trailing comments aligned. Lines with syntax errors are left alone.
import type { FormattingOptions, TextEdit } from 'vscode-languageserver';
import type { LineNode } from '../asm';
import type { Analysis } from './analysis';
import { sliceRange } from './positions';

const columnZero = new Set(['section', 'segment', 'bits', 'org', 'default', 'global', 'extern', 'common', 'static', 'cpu', 'use16', 'use32', 'use64', 'absolute', 'struc', 'endstruc']);
const maxMnemonicWidth = 10;
const maxCommentColumn = 56;

interface Rendered {
  line: number;
  code: string;
  comment?: string;
}

export function computeFormatting(analysis: Analysis, options: FormattingOptions): TextEdit[] {
  const indent = options.insertSpaces ? ' '.repeat(options.tabSize) : '\t';
  const indentWidth = options.insertSpaces ? options.tabSize : 8;
  const broken = new Set(analysis.parsed.diagnostics.flatMap((diagnostic) => rangeLines(diagnostic.range.start.line, diagnostic.range.end.line)));
  const nodes = analysis.parsed.lines.filter((node) => !broken.has(node.line) && (node.label !== undefined || node.statement !== undefined || node.comment !== undefined));
  const width = Math.min(maxMnemonicWidth, Math.max(0, ...nodes.map((node) => (indented(node) ? statementHead(analysis, node).length : 0)))) + 1;
  const rendered = nodes.map((node) => render(analysis, node, indent, indentWidth, width));
  const commentColumn = Math.min(maxCommentColumn, Math.max(0, ...rendered.filter((row) => row.comment !== undefined && row.code !== '').map((row) => visualWidth(row.code, indentWidth) + 1)));
  const edits: TextEdit[] = [];
  for (const row of rendered) {
    const code = row.code.replace(/\s+$/, '');
    const padding = Math.max(1, commentColumn - visualWidth(code, indentWidth));
    const text = row.comment === undefined ? code : code === '' ? row.comment : `${code}${' '.repeat(padding)}${row.comment}`;
    const original = analysis.lines[row.line] ?? '';
    if (text !== original) edits.push({ range: { start: { line: row.line, character: 0 }, end: { line: row.line, character: original.length } }, newText: text });
  }
  return edits;
}

function rangeLines(first: number, last: number): number[] {
  return Array.from({ length: last - first + 1 }, (_, index) => first + index);
}

function indented(node: LineNode): boolean {
  const statement = node.statement;
  if (statement === undefined) return false;
  if (statement.kind === 'instruction') return true;
  const name = statement.name.toLowerCase();
  return !statement.preprocessor && !columnZero.has(name) && name !== 'equ';
}

/** Prefixes and mnemonic, or the directive name, as written. */
function statementHead(analysis: Analysis, node: LineNode): string {
  const statement = node.statement;
  if (statement === undefined) return '';
  if (statement.kind === 'directive') return sliceRange(analysis.lines, statement.nameRange);
  return [...statement.prefixes.map((prefix) => sliceRange(analysis.lines, prefix.range)), sliceRange(analysis.lines, statement.mnemonicRange)].join(' ');
}

function statementTail(analysis: Analysis, node: LineNode, codeEnd: number): string {
  const statement = node.statement;
  if (statement === undefined) return '';
  if (statement.kind === 'instruction') return statement.operands.map((operand) => sliceRange(analysis.lines, operand.range).trim()).join(', ');
  return (analysis.lines[node.line] ?? '').slice(statement.nameRange.end.column, codeEnd).trim();
}

function render(analysis: Analysis, node: LineNode, indent: string, indentWidth: number, width: number): Rendered {
  const text = analysis.lines[node.line] ?? '';
  const codeEnd = node.comment?.range.start.column ?? text.length;
  const comment = node.comment === undefined ? undefined : text.slice(node.comment.range.start.column).trimEnd();
  const head = statementHead(analysis, node);
  const tail = statementTail(analysis, node, codeEnd);
  const statement = node.statement === undefined ? '' : indented(node) && tail !== '' ? `${head.padEnd(width)}${tail}` : `${head}${tail === '' ? '' : ` ${tail}`}`;
  let code: string;
  if (node.label !== undefined) {
    const after = text.slice(node.label.range.end.column);
    const label = `${sliceRange(analysis.lines, node.label.range)}${/^\s*:/.test(after) ? ':' : ''}`;
    const gap = statement === '' ? '' : indented(node) && label.length < indentWidth ? ' '.repeat(indentWidth - label.length) : ' ';
    code = `${label}${gap}${statement}`;
  } else if (node.statement !== undefined) {
    code = `${indented(node) ? indent : ''}${statement}`;
  } else {
    code = '';
  }
  const commentOnly = code === '' && comment !== undefined;
  const commentIndent = commentOnly && node.comment !== undefined && node.comment.range.start.column > 0 ? indent : '';
  return { line: node.line, code, ...(comment === undefined ? {} : { comment: commentOnly ? `${commentIndent}${comment}` : comment }) };
}

function visualWidth(text: string, tabWidth: number): number {
  let width = 0;
  for (const char of text) width = char === '\t' ? width + tabWidth - (width % tabWidth) : width + 1;
  return width;
}
