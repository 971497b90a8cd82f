// The text of `hyperscope/vmx.inc`, rendered once from the typed table so the include and
// hover can never disagree. One `NAME equ 0x... ; meaning` line per constant.
import { vmxConstantGroups } from './vmxConstants';
import type { VmxConstant, VmxConstantKind } from './vmxTypes';

const HEADER = [
  '; hyperscope/vmx.inc: VMX constants for NASM-syntax guests and hypervisors.',
  '; Generated from src/asm/include/vmxConstants.ts; values from x86-virtualization-facts.md §1-6.',
  "; 'single source' = the fact sheet found it in one source only; 'unconfirmed' = verify with the SDM.",
];

/** Kinds whose values are numbers, not bit patterns: printed in decimal like the fact sheet. */
const DECIMAL_KINDS: ReadonlySet<VmxConstantKind> = new Set(['exit-reason', 'vm-instruction-error', 'invalidation-type', 'guest-activity-state']);

function isDecimal(c: VmxConstant): boolean {
  return DECIMAL_KINDS.has(c.kind) || c.name.endsWith('_SHIFT');
}

/** Hex digits for a group: 4, 8 or 16, enough for its largest value, so columns line up. */
function hexDigits(constants: readonly VmxConstant[]): number {
  const largest = constants.reduce((max, c) => (!isDecimal(c) && c.value > max ? c.value : max), 0n);
  return largest > 0xffffffffn ? 16 : largest > 0xffffn ? 8 : 4;
}

function formatValue(c: VmxConstant, digits: number): string {
  return isDecimal(c) ? c.value.toString() : `0x${c.value.toString(16).toUpperCase().padStart(digits, '0')}`;
}

function comment(c: VmxConstant): string {
  const bit = c.bit === undefined ? '' : ` (bit ${c.bit})`;
  const confidence = c.confidence === 'unconfirmed' ? '; unconfirmed' : c.confidence === 'single-source' ? '; single source' : '';
  return `${c.description}${bit}${confidence}`;
}

function render(): string {
  const lines = [...HEADER];
  for (const group of vmxConstantGroups) {
    const nameWidth = Math.max(...group.constants.map((c) => c.name.length));
    const digits = hexDigits(group.constants);
    const valueWidth = Math.max(...group.constants.map((c) => formatValue(c, digits).length));
    lines.push('', `; --- ${group.title} (${group.source})`);
    for (const c of group.constants) lines.push(`${c.name.padEnd(nameWidth)} equ ${formatValue(c, digits).padEnd(valueWidth)} ; ${comment(c)}`);
  }
  return lines.join('\n') + '\n';
}

/** Text of `hyperscope/vmx.inc`. */
export const vmxIncludeText: string = render();
