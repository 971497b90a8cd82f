// The fields of one VM exit as expression names, for exception-breakpoint conditions:
// reason, qualification, rip (guest RIP), gpa, gla, and per reason port/size (I/O), msr
// (RDMSR/WRMSR), cr (control-register access). Registers are the CPU's at the exit (the
// guest's general-purpose registers: VM exits do not switch them).
import type { Machine } from '../machine/machine';
import type { ExitRecord } from '../machine/vmx/vmExit';
import { ExitReason } from '../machine/vmx/exitReasons';
import { F } from '../machine/vmx/fields';

export const EXIT_FIELD_NAMES = ['reason', 'qualification', 'rip', 'gpa', 'gla', 'port', 'size', 'msr', 'cr'] as const;

/** The exit's fields that apply to its reason (the others stay unbound). */
export function exitFields(record: ExitRecord, machine: Machine): Map<string, bigint> {
  const reason = record.reason & 0xffff;
  const q = record.qualification;
  const fields = new Map<string, bigint>([
    ['reason', BigInt(reason)],
    ['qualification', q],
    ['rip', BigInt.asUintN(64, BigInt(record.guestRip))],
  ]);
  if (record.guestPhysical !== null) fields.set('gpa', BigInt(record.guestPhysical));
  const vmcs = machine.vmx.current;
  if (reason === ExitReason.EptViolation && (q & 0x80n) !== 0n && vmcs) fields.set('gla', vmcs.get(F.GUEST_LINEAR_ADDRESS));
  if (reason === ExitReason.IoInstruction) {
    fields.set('port', (q >> 16n) & 0xffffn);
    fields.set('size', (q & 7n) + 1n);
  }
  if (reason === ExitReason.Rdmsr || reason === ExitReason.Wrmsr) fields.set('msr', machine.cpu.getGpr(1) & 0xffffffffn);
  if (reason === ExitReason.CrAccess) fields.set('cr', q & 0xfn);
  return fields;
}
