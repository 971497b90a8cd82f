// Hover: mnemonics, registers, numbers, directives, labels (address) and constants
// (equ values; VMCS field encodings and exit reasons from hyperscope/vmx.inc).
import type { Hover, Position } from 'vscode-languageserver';
import { builtinIncludes } from '../asm';
import type { Analysis } from './analysis';
import { lookupDirective } from './directiveInfo';
import { lookupMnemonic } from './mnemonicInfo';
import { mnemonicMarkdown } from './mnemonicHover';
import { describeNumber, parseNasmNumber } from './numbers';
import { lookupRegister } from './registerInfo';
import { tokenAt, type SourceToken } from './sourceTokens';
import { describeVmxConstant, lookupVmxConstant } from './vmxConstants';

export function computeHover(analysis: Analysis, position: Position): Hover | null {
  const text = analysis.lines[position.line] ?? '';
  const token = tokenAt(text, position.character);
  if (token === undefined) return null;
  const markdown = token.kind === 'number' ? numberMarkdown(token.text) : identifierMarkdown(analysis, position.line, token);
  if (markdown === undefined) return null;
  return {
    contents: { kind: 'markdown', value: markdown },
    range: { start: { line: position.line, character: token.start }, end: { line: position.line, character: token.end } },
  };
}

function numberMarkdown(text: string): string | undefined {
  const value = parseNasmNumber(text);
  if (value === undefined) return undefined;
  const { hex, decimal, binary } = describeNumber(value);
  return `\`${text}\` = ${hex} = ${decimal} = ${binary}`;
}

function identifierMarkdown(analysis: Analysis, line: number, token: SourceToken): string | undefined {
  const statement = analysis.parsed.lines.find((node) => node.line === line)?.statement;
  const isMnemonic = statement?.kind === 'instruction' ? statement.mnemonicRange.start.column === token.start : firstWordOf(analysis.lines[line] ?? '') === token.start;
  if (isMnemonic) {
    const operands = statement?.kind === 'instruction' ? statement.operands.map((operand) => operand.text).join(', ') : (analysis.lines[line] ?? '').slice(token.end);
    const info = lookupMnemonic(token.text, operands);
    if (info !== undefined) return mnemonicMarkdown(token.text.toLowerCase(), info);
  }
  const register = lookupRegister(token.text);
  if (register !== undefined) return `**${register.name.toUpperCase()}** — ${register.class} register, ${register.bits}-bit\n\n${register.role}`;
  const directive = lookupDirective(token.text);
  if (directive !== undefined) return `**${directive.name}** — ${directive.summary}`;
  return symbolMarkdown(analysis, line, token);
}

/** Column of the first word after an optional `label:`, or -1. */
function firstWordOf(text: string): number {
  const match = /^(\s*(?:[A-Za-z_.?$][\w.?$#@~]*:)?\s*)[A-Za-z]/.exec(text);
  return match?.[1] === undefined ? -1 : match[1].length;
}

function symbolMarkdown(analysis: Analysis, line: number, token: SourceToken): string | undefined {
  const symbol = analysis.symbolAt(line, token.start);
  const fullName = symbol?.fullName ?? token.text;
  const assembled = analysis.assembled.symbols.find((candidate) => candidate.name === fullName);
  const vmx = lookupVmxConstant(fullName);
  if (assembled?.kind === 'label') {
    const where = assembled.section === undefined ? '' : ` in section ${assembled.section}`;
    return `**${fullName}** — label at address \`0x${assembled.value.toString(16).toUpperCase()}\`${where}`;
  }
  const userDefined = analysis.definitionsOf(fullName).some((definition) => !Object.hasOwn(builtinIncludes, definition.file));
  if (vmx !== undefined && !userDefined) return describeVmxConstant(vmx).join('\n');
  if (assembled?.kind === 'equ') return `**${fullName}** = \`0x${assembled.value.toString(16).toUpperCase()}\` (${assembled.value})`;
  const definition = analysis.definitionsOf(fullName)[0];
  if (definition === undefined) return undefined;
  const where = `${definition.file}:${definition.range.start.line + 1}`;
  if (definition.kind !== 'define') return `**${fullName}** — ${definition.kind} defined in ${where}`;
  const body = (analysis.readSource(definition.file)?.split(/\r?\n/)[definition.range.start.line] ?? '').slice(definition.range.end.column).replace(/;.*$/, '').trim();
  const value = parseNasmNumber(body);
  const numeric = value === undefined ? '' : ` = ${describeNumber(value).hex} = ${value}`;
  return `**${fullName}** — \`%define ${fullName} ${body}\`${numeric}\n\ndefined in ${where}`;
}
