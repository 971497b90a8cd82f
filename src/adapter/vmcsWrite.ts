// Debugger writes to the current VMCS (setVariable in the VMCS scope, the VMCS view's
// "Edit Value"): checked first, then written through `vmwrite` — the function the VMWRITE
// instruction uses — so the next VM entry checks the result like any other VMCS value.
// Checks: exit-information fields are read-only, the value fits the field's width,
// control words respect the TRUE capability MSRs, addresses are canonical, CR3 fits
// MAXPHYADDR.
import type { Machine } from '../machine/machine';
import { F, VMCS_FIELDS, type VmcsField } from '../machine/vmx/fields';
import { vmwrite } from '../machine/vmx/vmcs';
import { TrueControls, MAX_PHYSICAL_ADDRESS_BITS, type ControlCapability } from '../machine/vmx/capabilities';
import { EntryCtl, ExitCtl, Pin, Primary, Secondary } from '../machine/vmx/controls';
import { instructionErrorText } from '../machine/vmx/instructionErrors';
import type { WriteVmcsFieldResult } from '../protocol/dap';
import { hex64 } from './format';
import { UserError } from './errors';

interface ControlWord {
  readonly cap: ControlCapability;
  readonly bits: Readonly<Record<string, number>>;
  readonly msr: string;
}

const CONTROL_WORDS: Readonly<Record<number, ControlWord>> = {
  [F.PIN_BASED_VM_EXEC_CONTROL]: { cap: TrueControls.pin, bits: Pin, msr: 'IA32_VMX_TRUE_PINBASED_CTLS (0x48d)' },
  [F.CPU_BASED_VM_EXEC_CONTROL]: { cap: TrueControls.primary, bits: Primary, msr: 'IA32_VMX_TRUE_PROCBASED_CTLS (0x48e)' },
  [F.SECONDARY_VM_EXEC_CONTROL]: { cap: TrueControls.secondary, bits: Secondary, msr: 'IA32_VMX_PROCBASED_CTLS2 (0x48b)' },
  [F.VM_EXIT_CONTROLS]: { cap: TrueControls.exit, bits: ExitCtl, msr: 'IA32_VMX_TRUE_EXIT_CTLS (0x48f)' },
  [F.VM_ENTRY_CONTROLS]: { cap: TrueControls.entry, bits: EntryCtl, msr: 'IA32_VMX_TRUE_ENTRY_CTLS (0x490)' },
};

/** Linear-address fields: VM entry requires them canonical (SDM 27.2.2, 27.3.1.2). */
const CANONICAL = new Set<number>([
  F.GUEST_RIP, F.GUEST_RSP, F.HOST_RIP, F.HOST_RSP,
  F.GUEST_FS_BASE, F.GUEST_GS_BASE, F.GUEST_LDTR_BASE, F.GUEST_TR_BASE, F.GUEST_GDTR_BASE, F.GUEST_IDTR_BASE, F.GUEST_SYSENTER_ESP, F.GUEST_SYSENTER_EIP,
  F.HOST_FS_BASE, F.HOST_GS_BASE, F.HOST_TR_BASE, F.HOST_GDTR_BASE, F.HOST_IDTR_BASE, F.HOST_IA32_SYSENTER_ESP, F.HOST_IA32_SYSENTER_EIP,
]);

/** Physical-address fields: bits at and above MAXPHYADDR must be 0 (SDM 26.2.1, 27.2.2). */
const PHYSICAL = new Set<number>([F.GUEST_CR3, F.HOST_CR3]);

function fieldByName(text: string | number): VmcsField {
  if (typeof text === 'number' || /^\s*0x[0-9a-f]+\s*$/i.test(text)) {
    const encoding = Number(text);
    const field = VMCS_FIELDS.get(encoding);
    if (!field) throw new UserError(`0x${encoding.toString(16)} is not a VMCS field encoding this processor supports`);
    return field;
  }
  const name = text.trim().toUpperCase();
  for (const field of VMCS_FIELDS.values()) if (field.name === name) return field;
  const near = [...VMCS_FIELDS.values()].filter((f) => f.name.includes(name)).map((f) => f.name);
  throw new UserError(`'${text}' is not a VMCS field${near.length > 0 ? ` (did you mean ${near.slice(0, 4).join(', ')}?)` : ''}`);
}

function canonical(value: bigint): boolean {
  const signed = BigInt.asIntN(64, value);
  return signed >= -(1n << 47n) && signed < 1n << 47n;
}

function bitList(mask: number, names: Readonly<Record<string, number>>): string {
  const out: string[] = [];
  for (let bit = 0; bit < 32; bit++) {
    if (((mask >>> bit) & 1) === 0) continue;
    const name = Object.entries(names).find(([, m]) => m === 1 << bit || m === (1 << bit) >>> 0)?.[0];
    out.push(name ? `${bit} (${name})` : `${bit}`);
  }
  return out.join(', ');
}

/** Why `value` cannot go into `field`, or undefined when it can. */
export function vmcsWriteProblem(field: VmcsField, value: bigint): string | undefined {
  if (field.type === 'read-only') {
    return `${field.name} is a VM-exit information field: read-only (the processor writes it on VM exit, SDM Vol. 3C 25.9; VMWRITE fails with VM-instruction error 13 because IA32_VMX_MISC bit 29 is 0)`;
  }
  const bits = field.width === 'natural' ? 64 : field.width;
  if (value < 0n || value >> BigInt(bits) !== 0n) return `${field.name} is a ${bits}-bit field: ${hex64(value)} does not fit`;
  const control = CONTROL_WORDS[field.encoding];
  if (control) {
    const v = Number(value);
    const missing = (control.cap.mustBeOne & ~v) >>> 0;
    const reserved = (v & ~control.cap.mayBeOne) >>> 0;
    const problems: string[] = [];
    if (missing !== 0) problems.push(`bit${missing & (missing - 1) ? 's' : ''} ${bitList(missing, control.bits)} must be 1`);
    if (reserved !== 0) problems.push(`bit${reserved & (reserved - 1) ? 's' : ''} ${bitList(reserved, control.bits)} must be 0`);
    if (problems.length > 0) return `${field.name} ${hex64(value)}: ${problems.join('; ')} (allowed settings from ${control.msr}; VM entry would fail, SDM Vol. 3C 27.2.1.1)`;
  }
  if (CANONICAL.has(field.encoding) && !canonical(value)) return `${field.name} must be a canonical address (bits 63:47 all equal), got ${hex64(value)} (SDM Vol. 3C 27.2.2 / 27.3.1.2)`;
  if (PHYSICAL.has(field.encoding) && value >> BigInt(MAX_PHYSICAL_ADDRESS_BITS) !== 0n) return `${field.name} ${hex64(value)} sets bits above MAXPHYADDR (${MAX_PHYSICAL_ADDRESS_BITS}) (SDM Vol. 3C 27.2.2 / 27.3.1.1)`;
  return undefined;
}

/** Validates and writes one field of the current VMCS; throws UserError saying why not. */
export function writeVmcsField(machine: Machine, fieldText: string | number, raw: bigint): WriteVmcsFieldResult {
  const vmcs = machine.vmx.current;
  if (!vmcs) throw new UserError('no current VMCS to edit (VMPTRLD one first, or launch with mode "guest")');
  const field = fieldByName(fieldText);
  // a negative number typed for a 64-bit or natural-width field means its two's complement
  const value = raw < 0n && (field.width === 64 || field.width === 'natural') ? BigInt.asUintN(64, raw) : raw;
  const problem = vmcsWriteProblem(field, value);
  if (problem) throw new UserError(problem);
  const result = vmwrite(vmcs, BigInt(field.encoding), value);
  if (!result.ok) throw new UserError(`VMWRITE ${field.name} failed: VM-instruction error ${result.error} (${instructionErrorText(result.error)})`);
  machine.cpu.codeGeneration++;
  const running = machine.vmx.operation === 'non-root';
  let note: string | undefined;
  if (running && field.type === 'guest') note = 'the guest is running (VMX non-root): the CPU holds its live state and the next VM exit saves over this field; edit the Registers scope to change the running guest';
  else if (running) note = 'takes effect when the processor next uses it (VM exit or the next VM entry)';
  return { name: field.name, encoding: field.encoding, value: hex64(vmcs.get(field.encoding)), ...(note ? { note } : {}) };
}

/** `vmcs.<field>` in expressions (conditions, watch, console): the current VMCS's field, or undefined. */
export function vmcsExpressionValue(machine: Machine, name: string): bigint | undefined {
  const match = /^vmcs\.(\w+)$/i.exec(name);
  const vmcs = machine.vmx.current;
  if (!match || !vmcs) return undefined;
  const wanted = match[1]!.toUpperCase();
  for (const field of VMCS_FIELDS.values()) if (field.name === wanted) return vmcs.get(field.encoding);
  return undefined;
}
