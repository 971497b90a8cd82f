// The "VMCS" scope (the current VMCS grouped as controls, exit information, guest state
// and host state, from `describeVmcs`; the five control words expand bit by bit) and the
// "Last VM exit" scope (reason by name, qualification decoded, guest RIP, GPA, instruction
// length), as a ScopeProvider. Both appear only while they have something to show.
import type { DebugProtocol } from '@vscode/debugprotocol';
import type { Machine } from '../machine/machine';
import { describeVmcs, type VmcsGroupView } from '../machine/vmx/vmcsView';
import { EntryCtl, ExitCtl, Pin, Primary, Secondary } from '../machine/vmx/controls';
import { F } from '../machine/vmx/fields';
import { exitReasonName } from '../machine/vmx/exitReasons';
import { describeQualification } from '../machine/vmx/exitQualification';
import type { ExitRecord } from '../machine/vmx/vmExit';
import type { ScopeProvider } from './variables';
import { hex64 } from './format';
import { VMCS_FIELDS } from '../machine/vmx/fields';
import { writeVmcsField } from './vmcsWrite';
import { vmcsFieldMemoryReference } from './vmcsAddresses';

const CONTROL_WORDS: readonly { encoding: number; bits: Readonly<Record<string, number>> }[] = [
  { encoding: F.PIN_BASED_VM_EXEC_CONTROL, bits: Pin },
  { encoding: F.CPU_BASED_VM_EXEC_CONTROL, bits: Primary },
  { encoding: F.SECONDARY_VM_EXEC_CONTROL, bits: Secondary },
  { encoding: F.VM_EXIT_CONTROLS, bits: ExitCtl },
  { encoding: F.VM_ENTRY_CONTROLS, bits: EntryCtl },
];

/** Offsets from the provider's first reference. */
const Offset = { vmcs: 0, group: 1, control: 10, lastExit: 20 } as const;

function plain(name: string, value: string, type: string): DebugProtocol.Variable {
  return { name, value, variablesReference: 0, type };
}

/** The last exit: the exit log's newest record (the log is cut back on reverse execution). */
export function lastExit(machine: Machine): ExitRecord | undefined {
  const exits = machine.vmx.exits;
  return machine.vmx.omittedExits === 0 ? exits[exits.length - 1] : undefined;
}

/** The "Last VM exit" rows for a record. */
export function exitRows(record: ExitRecord): DebugProtocol.Variable[] {
  const reason = record.reason & 0xffff;
  const rows = [
    plain('reason', `${reason} (${record.name})${record.entryFailure ? ' — VM-entry failure' : ''}`, 'exit reason'),
    plain('qualification', `${hex64(record.qualification)} (${describeQualification(record.reason, record.qualification, record.interruptionInfo)})`, 'exit qualification'),
    { ...plain('guest RIP', hex64(record.guestRip), 'address'), memoryReference: `gva:${hex64(record.guestRip)}` },
    plain('GPA', record.guestPhysical === null ? 'none' : hex64(record.guestPhysical), 'address'),
    plain('instruction length', String(record.instructionLength), 'length'),
    plain('instruction', String(record.instret), 'count'),
  ];
  if (record.guestPhysical !== null) rows[3]!.memoryReference = `gpa:${hex64(record.guestPhysical)}`;
  return rows;
}

export class VmcsScope implements ScopeProvider {
  constructor(
    private readonly first: number,
    private readonly machine: () => Machine | undefined,
  ) {}

  scopes(): DebugProtocol.Scope[] {
    const machine = this.machine();
    if (!machine?.vmx.current) return [];
    const out: DebugProtocol.Scope[] = [{ name: 'VMCS', variablesReference: this.first + Offset.vmcs, expensive: false, namedVariables: 4 }];
    if (machine.vmx.exits.length > 0) out.push({ name: 'Last VM exit', variablesReference: this.first + Offset.lastExit, expensive: false });
    return out;
  }

  variables(reference: number): DebugProtocol.Variable[] | undefined {
    const offset = reference - this.first;
    if (offset < 0 || offset > Offset.lastExit) return undefined;
    const machine = this.machine();
    const vmcs = machine?.vmx.current;
    if (!machine || !vmcs) return [];
    if (offset === Offset.lastExit) return this.lastExitRows(machine);
    const groups = describeVmcs(vmcs);
    if (offset === Offset.vmcs) return groups.map((g, i) => ({ name: g.group, value: this.summary(g), variablesReference: this.first + Offset.group + i, namedVariables: g.fields.length, type: 'VMCS group' }));
    const group = groups[offset - Offset.group];
    if (offset >= Offset.group && offset < Offset.control && group) return this.fields(group, machine.vmx.operation);
    const control = CONTROL_WORDS[offset - Offset.control];
    if (control) return this.bits(vmcs.get32(control.encoding), control.bits);
    return undefined;
  }

  private summary(group: VmcsGroupView): string {
    if (group.group !== 'Exit information') return `${group.fields.length} fields`;
    const reason = group.fields.find((f) => f.encoding === F.VM_EXIT_REASON);
    return reason ? `exit reason ${Number(reason.value) & 0xffff} (${exitReasonName(Number(reason.value))})` : `${group.fields.length} fields`;
  }

  private fields(group: VmcsGroupView, operation: string): DebugProtocol.Variable[] {
    return group.fields.map((f) => {
      const control = CONTROL_WORDS.findIndex((c) => c.encoding === f.encoding);
      const value = f.decoded === undefined ? f.value : `${f.value} (${f.decoded})`;
      const readOnly = VMCS_FIELDS.get(f.encoding)?.type === 'read-only';
      const variable: DebugProtocol.Variable = { name: f.name, value, variablesReference: control >= 0 ? this.first + Offset.control + control : 0, type: 'VMCS field' };
      if (readOnly) variable.presentationHint = { attributes: ['readOnly'] };
      const memoryReference = vmcsFieldMemoryReference(f.encoding, BigInt(f.value), operation);
      if (memoryReference) variable.memoryReference = memoryReference;
      return variable;
    });
  }

  /**
   * A field (in a group) or a control bit (under a control word) takes `value`, through
   * the validated VMWRITE path; returns the value as the scope shows it.
   */
  setVariable(reference: number, name: string, value: bigint): string | undefined {
    const offset = reference - this.first;
    const machine = this.machine();
    if (!machine || offset < Offset.group || offset >= Offset.control + CONTROL_WORDS.length) return undefined;
    if (offset >= Offset.control) {
      const control = CONTROL_WORDS[offset - Offset.control]!;
      const mask = control.bits[name];
      if (mask === undefined) throw new Error(`'${name}' is not a bit of this control word`);
      if (value !== 0n && value !== 1n) throw new Error(`a control bit is 0 or 1, not ${value}`);
      const word = machine.vmx.current?.get32(control.encoding) ?? 0;
      writeVmcsField(machine, control.encoding, BigInt((value === 1n ? word | mask : word & ~mask) >>> 0));
      return value.toString();
    }
    const written = writeVmcsField(machine, name, value);
    const shown = describeVmcs(machine.vmx.current!).flatMap((g) => g.fields).find((f) => f.encoding === written.encoding);
    return shown?.decoded === undefined ? written.value : `${written.value} (${shown.decoded})`;
  }

  private bits(value: number, table: Readonly<Record<string, number>>): DebugProtocol.Variable[] {
    return Object.entries(table).map(([name, mask]) => plain(name, (value & mask) !== 0 ? '1' : '0', `bit ${31 - Math.clz32(mask)}`));
  }

  private lastExitRows(machine: Machine): DebugProtocol.Variable[] {
    const record = lastExit(machine);
    const rows = record ? exitRows(record) : [plain('reason', `more than ${machine.vmx.exits.length} exits: see the VMCS exit-information fields`, 'exit reason')];
    const failure = machine.vmx.lastEntryFailure;
    if (failure) rows.push(plain('last VM-entry failure', failure.describe(), 'entry failure'));
    return rows;
  }
}
