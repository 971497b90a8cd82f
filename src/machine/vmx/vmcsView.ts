/**
 * The current VMCS as the debugger shows it: grouped (controls, exit information, guest
 * state, host state), every field by name with its value, control words bit by bit and
 * the exit reason and qualification in words.
 */
import { EntryCtl, ExitCtl, Pin, Primary, Secondary, bitNames } from './controls';
import { exitReasonName } from './exitReasons';
import { describeQualification } from './exitQualification';
import { F, VMCS_FIELDS, type FieldType } from './fields';
import { instructionErrorText } from './instructionErrors';
import type { Vmcs } from './vmcs';

export interface VmcsFieldView {
  readonly name: string;
  readonly encoding: number;
  readonly value: string;
  readonly decoded?: string;
}

export interface VmcsGroupView {
  readonly group: 'Controls' | 'Exit information' | 'Guest state' | 'Host state';
  readonly fields: VmcsFieldView[];
}

const GROUPS: Record<FieldType, VmcsGroupView['group']> = { control: 'Controls', 'read-only': 'Exit information', guest: 'Guest state', host: 'Host state' };

const CONTROL_BITS: Readonly<Record<number, Record<string, number>>> = {
  [F.PIN_BASED_VM_EXEC_CONTROL]: Pin,
  [F.CPU_BASED_VM_EXEC_CONTROL]: Primary,
  [F.SECONDARY_VM_EXEC_CONTROL]: Secondary,
  [F.VM_EXIT_CONTROLS]: ExitCtl,
  [F.VM_ENTRY_CONTROLS]: EntryCtl,
};

function decode(vmcs: Vmcs, encoding: number, value: bigint): string | undefined {
  const bits = CONTROL_BITS[encoding];
  if (bits) return bitNames(bits, Number(value & 0xffffffffn)).join(', ') || 'none';
  switch (encoding) {
    case F.VM_EXIT_REASON:
      return `${exitReasonName(Number(value))}${value >> 31n ? ' (VM-entry failure)' : ''}`;
    case F.EXIT_QUALIFICATION:
      return describeQualification(vmcs.get32(F.VM_EXIT_REASON), value, vmcs.get32(F.VM_EXIT_INTR_INFO));
    case F.VM_INSTRUCTION_ERROR:
      return value === 0n ? undefined : instructionErrorText(Number(value));
    default:
      return undefined;
  }
}

export function describeVmcs(vmcs: Vmcs): VmcsGroupView[] {
  const groups = new Map<VmcsGroupView['group'], VmcsFieldView[]>();
  for (const field of VMCS_FIELDS.values()) {
    const value = vmcs.get(field.encoding);
    const group = GROUPS[field.type];
    const decoded = decode(vmcs, field.encoding, value);
    const view: VmcsFieldView = { name: field.name, encoding: field.encoding, value: '0x' + value.toString(16), ...(decoded !== undefined ? { decoded } : {}) };
    groups.set(group, [...(groups.get(group) ?? []), view]);
  }
  return (['Controls', 'Exit information', 'Guest state', 'Host state'] as const).map((group) => ({ group, fields: groups.get(group) ?? [] }));
}
