// Completion: at the start of a statement, mnemonics (as operand snippets) and directives;
// in operands, registers, size keywords, labels in scope (local labels under their parent)
// and constants (equ, %define, VMCS fields and exit reasons when vmx.inc is included).
import { CompletionItemKind, InsertTextFormat } from 'vscode-languageserver';
import type { CompletionItem, Position, Range } from 'vscode-languageserver';
import type { LabelNode, SymbolDefinition } from '../asm';
import type { Analysis } from './analysis';
import { directives } from './directiveInfo';
import { definitionsIn } from './macroSymbols';
import { mnemonicInfo, type MnemonicInfo } from './mnemonicInfo';
import { nonRootText } from './mnemonicHover';
import { registers } from './registerInfo';
import { describeVmxConstant, VMX_INCLUDE, vmxConstantsForCompletion } from './vmxConstants';

const sizeKeywords = ['byte', 'word', 'dword', 'qword', 'tword', 'oword', 'rel', 'short', 'near'];

export function computeCompletion(analysis: Analysis, position: Position): CompletionItem[] {
  const before = (analysis.lines[position.line] ?? '').slice(0, position.character);
  if (/;/.test(before)) return [];
  if (/^\s*(?:[A-Za-z_.?$][\w.?$#@~]*:)?\s*%?[\w.]*$/.test(before)) {
    const typed = /%?[\w.]*$/.exec(before)?.[0] ?? '';
    const range: Range = { start: { line: position.line, character: position.character - typed.length }, end: position };
    const items = typed.startsWith('%') ? directiveItems(true) : [...mnemonicItems(), ...directiveItems(false)];
    return items.map((item) => ({ ...item, textEdit: { range, newText: item.insertText ?? item.label } }));
  }
  const byLabel = new Map<string, CompletionItem>();
  for (const item of [...registerItems(), ...sizeItems(), ...symbolItems(analysis, position.line), ...vmxItems(analysis)]) byLabel.set(item.label, item);
  return [...byLabel.values()];
}

function snippetFor(name: string, info: MnemonicInfo): string {
  const form = info.forms[0] ?? '';
  if (form === '') return name;
  const operands = form.split(',').map((operand, index) => `\${${index + 1}:${operand.trim().replace(/[$}\\]/g, '')}}`);
  return `${name} ${operands.join(', ')}`;
}

function mnemonicItems(): CompletionItem[] {
  return Object.entries(mnemonicInfo)
    .filter(([name]) => !name.includes(' '))
    .map(([name, info]) => ({
      label: name,
      kind: CompletionItemKind.Keyword,
      detail: `${info.class === 'ordinary' ? '' : `${info.class} · `}${info.summary}`,
      documentation: `VMX non-root: ${nonRootText(info)}`,
      insertText: snippetFor(name, info),
      insertTextFormat: InsertTextFormat.Snippet,
      sortText: `1${name}`,
    }));
}

function directiveItems(preprocessorOnly: boolean): CompletionItem[] {
  return directives
    .filter((directive) => !preprocessorOnly || directive.name.startsWith('%'))
    .map((directive) => ({
      label: directive.name,
      kind: CompletionItemKind.Keyword,
      detail: directive.summary,
      // The client replaces the typed word; a leading `%` is part of the word in hvasm.
      insertText: `${directive.name}${directive.snippet ?? ''}`,
      insertTextFormat: InsertTextFormat.Snippet,
      sortText: `2${directive.name}`,
    }));
}

function registerItems(): CompletionItem[] {
  return [...registers.values()].map((register) => ({ label: register.name, kind: CompletionItemKind.Variable, detail: `${register.class} register, ${register.bits}-bit`, sortText: `3${register.name}` }));
}

function sizeItems(): CompletionItem[] {
  return sizeKeywords.map((keyword) => ({ label: keyword, kind: CompletionItemKind.Keyword, sortText: `4${keyword}` }));
}

/** The global label in effect at `line`: locals defined under it are offered by their short name. */
function parentLabelAt(analysis: Analysis, line: number): LabelNode | undefined {
  let parent: LabelNode | undefined;
  for (const node of analysis.parsed.lines) {
    if (node.line > line) break;
    if (node.label !== undefined && !node.label.local) parent = node.label;
  }
  return parent;
}

function symbolItems(analysis: Analysis, line: number): CompletionItem[] {
  const parent = parentLabelAt(analysis, line)?.fullName;
  const items = new Map<string, CompletionItem>();
  const add = (definition: SymbolDefinition): void => {
    if (definition.kind === 'local-label') {
      if (parent === undefined || !definition.fullName.startsWith(`${parent}.`)) return;
      items.set(definition.name, { label: definition.name, kind: CompletionItemKind.Field, detail: `local label of ${parent}`, sortText: `0${definition.name}` });
      return;
    }
    const kind = definition.kind === 'label' ? CompletionItemKind.Function : definition.kind === 'macro' ? CompletionItemKind.Module : CompletionItemKind.Constant;
    items.set(definition.fullName, { label: definition.fullName, kind, detail: definition.kind, sortText: `0${definition.fullName}` });
  };
  for (const file of analysis.allFiles()) for (const definition of definitionsIn(file)) add(definition);
  return [...items.values()];
}

function vmxItems(analysis: Analysis): CompletionItem[] {
  const included = analysis.parsed.includes.some((edge) => edge.path === VMX_INCLUDE);
  if (!included) return [];
  return vmxConstantsForCompletion().map((constant, index) => ({
    label: constant.name,
    kind: CompletionItemKind.Constant,
    detail: `0x${constant.value.toString(16).toUpperCase()} ${constant.description}`,
    documentation: { kind: 'markdown', value: describeVmxConstant(constant).join('\n') },
    sortText: `5${String(index).padStart(4, '0')}`,
  }));
}
