// Hover and completion text for the named constants of `hyperscope/vmx.inc`, from the
// assembler's typed table (src/asm/include): VMCS fields with their encoding decoded,
// exit reasons, control bits, VM-instruction errors, MSRs, EPT bits.
import { vmxConstant, vmxConstantTable } from '../asm';
import type { VmxConstant, VmxConstantKind } from '../asm';

export const VMX_INCLUDE = 'hyperscope/vmx.inc';

export function lookupVmxConstant(name: string): VmxConstant | undefined {
  return vmxConstant(name);
}

/** Every constant, VMCS fields and exit reasons first (completion order). */
export function vmxConstantsForCompletion(): readonly VmxConstant[] {
  const first = (constant: VmxConstant): number => (constant.kind === 'vmcs-field' ? 0 : constant.kind === 'exit-reason' ? 1 : 2);
  return [...vmxConstantTable].sort((a, b) => first(a) - first(b));
}

const kindTitle: Record<VmxConstantKind, string> = {
  'vmcs-field': 'VMCS field',
  'pin-based-control': 'pin-based VM-execution control (0x4000)',
  'primary-processor-based-control': 'primary processor-based VM-execution control (0x4002)',
  'secondary-processor-based-control': 'secondary processor-based VM-execution control (0x401E)',
  'vm-exit-control': 'VM-exit control (0x400C)',
  'vm-entry-control': 'VM-entry control (0x4012)',
  'control-default1': 'default-1 control value',
  'exit-reason': 'basic exit reason',
  'exit-reason-flag': 'exit-reason field (0x4402) bit',
  'vm-instruction-error': 'VM-instruction error number (0x4400)',
  'vmx-msr': 'VMX MSR index',
  'feature-control-bit': 'IA32_FEATURE_CONTROL bit',
  'ept-entry': 'EPT paging-structure entry bit',
  eptp: 'EPT pointer (0x201A) bit',
  'ept-vpid-capability': 'IA32_VMX_EPT_VPID_CAP bit',
  'invalidation-type': 'INVEPT/INVVPID type',
  'ept-violation-qualification': 'EPT-violation exit-qualification bit',
  'interruption-information': 'interruption-information field',
  'guest-interruptibility': 'guest interruptibility-state (0x4824) bit',
  'guest-activity-state': 'guest activity state (0x4826)',
  'segment-access-rights': 'segment access-rights field',
};

const hex = (value: bigint): string => `0x${value.toString(16).toUpperCase()}`;

/** Markdown lines describing a constant of hyperscope/vmx.inc. */
export function describeVmxConstant(constant: VmxConstant): string[] {
  const { name, value, kind, description, field, bit, confidence } = constant;
  const lines = [`**${name}** — ${kindTitle[kind]} \`${hex(value)}\``, '', description];
  if (kind === 'vmcs-field' && field !== undefined) {
    const encoding = Number(value);
    const index = (encoding >> 1) & 0x1ff;
    lines.push('', `encoding ${hex(value)}: width ${field.width} (bits 14:13), type ${field.type} (bits 11:10), index ${index} (bits 9:1), access ${field.highHalf ? 'high 32 bits' : 'full'} (bit 0)`);
  } else if (kind === 'exit-reason') {
    lines.push('', `exit reason ${value} (bits 15:0 of VM_EXIT_REASON 0x4402)`);
  } else if (bit !== undefined) {
    lines.push('', `bit ${bit} (value ${hex(value)})`);
  } else {
    lines.push('', `value ${hex(value)} = ${value}`);
  }
  if (confidence !== 'cross-checked') lines.push('', `_fact sheet: ${confidence === 'single-source' ? 'single source' : 'unconfirmed — verify with the SDM'}_`);
  return lines;
}

/** Name of basic exit reason `reason`, from the same table. */
export function exitReasonName(reason: number): string | undefined {
  return vmxConstantTable.find((constant) => constant.kind === 'exit-reason' && constant.value === BigInt(reason))?.description;
}
