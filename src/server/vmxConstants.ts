// The named constants of the built-in `hyperscope/vmx.inc`, read from its text, and what a
// constant is: a VMCS field encoding, an exit reason, or another number.
import { builtinIncludes } from '../asm';
import { parseNasmNumber } from './numbers';
import { decodeFieldEncoding, exitReasonNames, fieldMeaning } from './vmcsFields';

export const VMX_INCLUDE = 'hyperscope/vmx.inc';

export interface VmxConstant {
  name: string;
  value: bigint;
  /** The comment on the constant's line, if any. */
  comment: string;
}

const definitionLine = /^\s*(?:%(?:x|i)?define\s+([A-Za-z_.?][\w.?$#@~]*)|([A-Za-z_.?][\w.?$#@~]*):?\s+equ)\s+([^;]+?)\s*(?:;\s*(.*))?$/i;

/** Name → constant for every `NAME equ number` / `%define NAME number` line of `text`. */
export function readConstants(text: string): Map<string, VmxConstant> {
  const out = new Map<string, VmxConstant>();
  for (const line of text.split(/\r?\n/)) {
    const match = definitionLine.exec(line);
    const name = match?.[1] ?? match?.[2];
    const value = match?.[3] === undefined ? undefined : parseNasmNumber(match[3].replace(/^\(|\)$/g, ''));
    if (name !== undefined && value !== undefined) out.set(name, { name, value, comment: match?.[4]?.trim() ?? '' });
  }
  return out;
}

let builtin: Map<string, VmxConstant> | undefined;

/** The constants of `hyperscope/vmx.inc` (read once). */
export function vmxConstants(): Map<string, VmxConstant> {
  builtin ??= readConstants(Object.hasOwn(builtinIncludes, VMX_INCLUDE) ? (builtinIncludes[VMX_INCLUDE] ?? '') : '');
  return builtin;
}

export type ConstantKind = 'field' | 'exit-reason' | 'other';

/** Guesses from the name, then checks the value: a field needs a valid, known encoding. */
export function classifyConstant(name: string, value: bigint): ConstantKind {
  const upper = name.toUpperCase();
  if (/(^|_)EXIT_REASON|^EXIT_|^REASON_/.test(upper) && value < 100n) return 'exit-reason';
  if (/(_BIT|_MASK|_SHIFT|MSR|ERROR|ERR_|CTRL_|CONTROL_|_EXITING$)/.test(upper) && !upper.startsWith('VMCS_')) return 'other';
  if (value <= 0xffffn && decodeFieldEncoding(Number(value)) !== undefined && fieldMeaning(Number(value)) !== undefined) return 'field';
  return 'other';
}

/** Markdown lines describing a VMX constant. */
export function describeConstant(name: string, value: bigint, comment = ''): string[] {
  const hex = `0x${value.toString(16).toUpperCase()}`;
  const kind = classifyConstant(name, value);
  const note = comment === '' ? [] : ['', comment];
  if (kind === 'field') {
    const encoding = Number(value);
    const decoded = decodeFieldEncoding(encoding);
    const meaning = fieldMeaning(encoding) ?? '';
    return [
      `**${name}** — VMCS field \`${hex}\``,
      '',
      `${meaning.charAt(0).toUpperCase()}${meaning.slice(1)}.`,
      '',
      `encoding ${hex}: width ${decoded?.width}, type ${decoded?.type}, index ${decoded?.index}${decoded?.high ? ', high 32 bits' : ''}`,
      ...note,
    ];
  }
  if (kind === 'exit-reason') {
    const reason = exitReasonNames[Number(value)] ?? 'unknown';
    return [`**${name}** — basic exit reason ${value} (${reason})`, ...note];
  }
  return [`**${name}** = \`${hex}\` (${value})`, ...note];
}
