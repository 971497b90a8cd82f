// Semantic tokens: labels, local labels, mnemonics by class (ordinary, privileged, VMX),
// registers, numbers, strings, directives, macros and constants, from the AST plus a scan
// of each line's operands.
import { SemanticTokensBuilder } from 'vscode-languageserver';
import type { SemanticTokens, SemanticTokensLegend } from 'vscode-languageserver';
import type { LineNode, SymbolDefinition } from '../asm';
import type { Analysis } from './analysis';
import { definitionsIn } from './macroSymbols';
import { mnemonicClass } from './mnemonicInfo';
import { lookupRegister } from './registerInfo';
import { scanLine, type SourceToken } from './sourceTokens';
import { lookupVmxConstant } from './vmxConstants';

export const tokenTypes = ['label', 'localLabel', 'mnemonic', 'privilegedMnemonic', 'vmxMnemonic', 'register', 'number', 'string', 'directive', 'macro', 'constant'] as const;
export type TokenType = (typeof tokenTypes)[number];
export const semanticTokensLegend: SemanticTokensLegend = { tokenTypes: [...tokenTypes], tokenModifiers: ['declaration'] };

const typeIndex = new Map<TokenType, number>(tokenTypes.map((type, index) => [type, index]));
const symbolType: Record<SymbolDefinition['kind'], TokenType> = { label: 'label', 'local-label': 'localLabel', equ: 'constant', define: 'macro', macro: 'macro' };
const mnemonicType = { ordinary: 'mnemonic', privileged: 'privilegedMnemonic', vmx: 'vmxMnemonic' } as const;

export function computeSemanticTokens(analysis: Analysis): SemanticTokens {
  const builder = new SemanticTokensBuilder();
  const kinds = new Map<string, SymbolDefinition['kind']>();
  for (const file of analysis.allFiles()) for (const definition of definitionsIn(file)) if (!kinds.has(definition.fullName)) kinds.set(definition.fullName, definition.kind);
  const nodes = new Map<number, LineNode>(analysis.parsed.lines.map((node) => [node.line, node]));
  const symbolsByLine = new Map<number, { column: number; fullName: string; declaration: boolean }[]>();
  for (const definition of definitionsIn(analysis.parsed)) pushTo(symbolsByLine, definition.range.start.line, { column: definition.range.start.column, fullName: definition.fullName, declaration: true });
  for (const reference of analysis.referencesIn(analysis.parsed)) pushTo(symbolsByLine, reference.range.start.line, { column: reference.range.start.column, fullName: reference.fullName, declaration: false });
  analysis.lines.forEach((text, line) => {
    const node = nodes.get(line);
    const symbols = symbolsByLine.get(line) ?? [];
    for (const token of scanLine(text)) {
      if (token.kind === 'comment' || token.kind === 'operator') continue;
      const symbol = symbols.find((candidate) => candidate.column === token.start);
      const classified = classify(token, node, symbol === undefined ? undefined : (kinds.get(symbol.fullName) ?? 'label'), text);
      if (classified !== undefined) builder.push(line, token.start, token.end - token.start, typeIndex.get(classified) ?? 0, symbol?.declaration ? 1 : 0);
    }
  });
  return builder.build();
}

function classify(token: SourceToken, node: LineNode | undefined, symbolKind: SymbolDefinition['kind'] | undefined, text: string): TokenType | undefined {
  if (token.kind === 'number') return 'number';
  if (token.kind === 'string') return 'string';
  if (node?.label !== undefined && node.label.range.start.column === token.start) return node.label.local ? 'localLabel' : 'label';
  const statement = node?.statement;
  if (statement?.kind === 'instruction') {
    if (statement.mnemonicRange.start.column === token.start) return mnemonicType[mnemonicClass(token.text, text.slice(token.end))];
    if (statement.prefixes.some((prefix) => prefix.range.start.column === token.start)) return 'mnemonic';
  }
  if (statement?.kind === 'directive' && statement.nameRange.start.column === token.start) return 'directive';
  if (symbolKind !== undefined) return symbolType[symbolKind];
  if (lookupRegister(token.text) !== undefined) return 'register';
  if (lookupVmxConstant(token.text) !== undefined) return 'constant';
  return undefined;
}

function pushTo<T>(map: Map<number, T[]>, key: number, value: T): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [value]);
  else list.push(value);
}
