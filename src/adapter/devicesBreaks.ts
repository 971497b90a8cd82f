// The "Hypercall" and "IOMMU fault" exception-breakpoint filters. Both hang on ordered
// listener lists of the machine: the built-in hypervisor's `hypercalls.onHypercall`
// (after each hypercall, so the result is known) and `iommu.onFault` (every blocked DMA,
// recorded or not). A match requests a machine stop and leaves the stop to report; in
// guest mode the runtime first runs the hidden host stub back into the guest, so the stop
// is on the instruction after the VMCALL / after the access that made the device DMA.
//
// Hypercall condition: a name or number, or a list of them ("sched_op, event_channel_op,
// 0x100"), or an expression over nr, arg0–arg4, result and the registers ("nr == 29 && arg0 == 2").
// IOMMU-fault condition: an expression over sid, bus, dev, fn, address, reason, write.
import type { Machine } from '../machine/machine';
import { Attention } from '../machine/cpu/cpu';
import { formatSourceId } from '../machine/devices/dma';
import type { IommuFault } from '../machine/iommu/iommu';
import type { HypercallRecord } from '../machine/xen/hypercallLog';
import { HYPERCALL_NAMES } from '../machine/xen/abi';
import { hypercallName as kvmHypercallName } from '../machine/hypervisor/hypercalls';
import { conditionHolds, parseExpression, ExpressionError, type EvalContext, type ExprNode } from './expression';
import { compileFilterEntries, probeContext, rejectUnknownNames, withFields, type FilterBreakpoint } from './filterConditions';
import { parseInteger } from './format';
import type { VmTrap } from './vmExitBreaks';

export const HYPERCALL_FILTER = 'hypercall';
export const IOMMU_FAULT_FILTER = 'iommuFault';
export const DEVICE_FILTERS: readonly string[] = [HYPERCALL_FILTER, IOMMU_FAULT_FILTER];

const HYPERCALL_FIELDS = ['nr', 'arg0', 'arg1', 'arg2', 'arg3', 'arg4', 'result'];
const FAULT_FIELDS = ['sid', 'bus', 'dev', 'fn', 'address', 'reason', 'write'];

/** A condition: a set of hypercall names/numbers, or an expression. */
type Condition = { kind: 'list'; numbers: Set<number>; names: Set<string> } | { kind: 'expression'; node: ExprNode } | undefined;

interface Active {
  readonly filter: string;
  readonly condition: Condition;
  readonly text: string | undefined;
}

/** "__HYPERVISOR_sched_op", "KVM_HC_FEATURES", "console write" → "sched_op", "features", "console_write". */
export function normalizeHypercallName(name: string): string {
  return name.trim().toLowerCase().replace(/^__hypervisor_/, '').replace(/^kvm_hc_/, '').replace(/\s+/g, '_');
}

let knownNames: Set<string> | undefined;
function hypercallNames(): Set<string> {
  if (knownNames === undefined) {
    knownNames = new Set(HYPERCALL_NAMES.map(normalizeHypercallName));
    for (let n = 0; n < 0x200; n++) {
      const name = kvmHypercallName(n);
      if (name !== undefined) knownNames.add(normalizeHypercallName(name));
    }
  }
  return knownNames;
}

/** A list of hypercall names and numbers, or undefined when `text` is not one (then it is an expression). */
function parseHypercallList(text: string): Condition {
  const tokens = text.split(/[,|]/).map((t) => t.trim());
  if (tokens.some((t) => t === '')) return undefined;
  const numbers = new Set<number>();
  const names = new Set<string>();
  for (const token of tokens) {
    const number = parseInteger(token);
    if (number !== undefined && number >= 0n && number < 2n ** 32n) numbers.add(Number(number));
    else if (hypercallNames().has(normalizeHypercallName(token))) names.add(normalizeHypercallName(token));
    else return undefined;
  }
  return { kind: 'list', numbers, names };
}

function parseCondition(filter: string, text: string): Condition {
  if (filter === HYPERCALL_FILTER) {
    const list = parseHypercallList(text);
    if (list) return list;
  }
  const node = parseExpression(text);
  try {
    rejectUnknownNames(node, probeContext(filter === HYPERCALL_FILTER ? HYPERCALL_FIELDS : FAULT_FIELDS));
  } catch (e) {
    if (!(e instanceof ExpressionError)) throw e;
    throw new ExpressionError(filter === HYPERCALL_FILTER ? `${e.message} (a hypercall name or number, or an expression over ${HYPERCALL_FIELDS.join(', ')} and the registers)` : `${e.message} (fields: ${FAULT_FIELDS.join(', ')})`);
  }
  return { kind: 'expression', node };
}

function holds(condition: Condition, fields: ReadonlyMap<string, bigint>, base: EvalContext, record?: HypercallRecord): boolean {
  if (condition === undefined) return true;
  if (condition.kind === 'list') return record !== undefined && (condition.numbers.has(record.number) || condition.names.has(normalizeHypercallName(record.name)));
  return conditionHolds(condition.node, withFields(fields, base));
}

export function hypercallFields(record: HypercallRecord): Map<string, bigint> {
  const result = record.result.startsWith('-') ? -BigInt(record.result.slice(1)) : BigInt(record.result);
  const fields = new Map<string, bigint>([['nr', BigInt(record.number)], ['result', BigInt.asUintN(64, result)]]);
  record.args.forEach((arg, i) => fields.set(`arg${i}`, BigInt(arg)));
  return fields;
}

export function faultFields(fault: IommuFault): Map<string, bigint> {
  return new Map<string, bigint>([
    ['sid', BigInt(fault.sourceId)], ['bus', BigInt(fault.sourceId >>> 8)], ['dev', BigInt((fault.sourceId >>> 3) & 0x1f)], ['fn', BigInt(fault.sourceId & 7)],
    ['address', BigInt(Math.max(0, Math.floor(fault.address)))], ['reason', BigInt(fault.reason)], ['write', fault.write ? 1n : 0n],
  ]);
}

function filterText(active: Active): string {
  return `filter ${active.filter}${active.text ? ` (condition ${active.text})` : ''}`;
}

function hypercallStop(record: HypercallRecord, active: Active): VmTrap['stop'] {
  const call = `${record.name} (${record.number})`;
  const result = `${record.result}${record.error ? ` (${record.error})` : ''}`;
  const line = `hypercall ${call}(${record.args.join(', ')}) → ${result}`;
  const details = [line, `${record.personality === 'xen' ? 'Xen' : 'KVM-style'} hypercall from guest RIP ${record.rip} (VMCALL), instruction ${record.instret}`, filterText(active)];
  return {
    reason: 'exception',
    description: `hypercall ${call} at guest RIP ${record.rip}`,
    exception: { id: `hypercall-${record.number}`, description: line, typeName: `hypercall ${call}`, details: details.join('\n') },
  };
}

function faultStop(fault: IommuFault, active: Active, machine: Machine): VmTrap['stop'] {
  const source = formatSourceId(fault.sourceId);
  const access = fault.write ? 'write' : 'read';
  const reason = `${fault.reasonName} (fault reason 0x${fault.reason.toString(16)})`;
  const line = `DMA ${access} by ${source} at device address 0x${fault.address.toString(16)} blocked: ${reason}`;
  const recorded = fault.suppressed ? 'not recorded: the context entry has FPD set' : fault.overflow ? 'not recorded: fault recording registers full (FSTS.PFO)' : `recorded in fault recording register ${fault.recordIndex}`;
  const walk = machine.iommu.translateTrace(fault.sourceId, fault.address, fault.write).steps.map((s) => `  ${s.table}${s.level ? ` L${s.level}` : ''} [${s.index}] @0x${s.entryAddress.toString(16)} = ${s.value || '(unreadable)'} ${s.flags.join(' ')} → ${s.outcome}`);
  const details = [line, fault.text, recorded, ...(walk.length ? ['walk:', ...walk] : []), filterText(active)];
  return {
    reason: 'exception',
    description: `IOMMU fault: ${access} by ${source} at 0x${fault.address.toString(16)} (${fault.reasonName})`,
    exception: { id: `iommu-fault-${fault.reason}`, description: line, typeName: `IOMMU fault ${reason}`, details: details.join('\n') },
  };
}

export interface DeviceBreakTarget {
  readonly machine: Machine;
  readonly evalContext: EvalContext;
  /** True while listeners must not stop the machine (replaying history). */
  readonly muted: () => boolean;
}

export class DeviceBreaks {
  private active: Active[] = [];
  /** The stop a filter requested, with the instruction count it was requested at. */
  private pending: { trap: VmTrap; instret: number; machine: Machine } | undefined;
  private nextId = 400_000;

  /** The entries of the two filters, in request order; one breakpoint result each. */
  set(entries: readonly { filterId: string; condition?: string }[]): FilterBreakpoint[] {
    const { breakpoints, kept } = compileFilterEntries(entries, () => this.nextId++, (entry) => entry.filterId, (text, entry) => parseCondition(entry.filterId, text));
    this.active = kept.map(({ entry, condition, text }) => ({ filter: entry.filterId, condition, text }));
    return breakpoints;
  }

  /** Subscribes to a new program's machine: IOMMU faults always, hypercalls in guest mode. */
  attach(target: DeviceBreakTarget): void {
    this.pending = undefined;
    const machine = target.machine;
    machine.iommu.onFault((fault) => {
      const hit = this.match(IOMMU_FAULT_FILTER, target, () => faultFields(fault));
      if (hit) this.trap(machine, faultStop(fault, hit, machine), machine.hypervisor ? 'vm-exit' : 'exception');
    });
    machine.hypervisor?.hypercalls.onHypercall.push((record) => {
      const hit = this.match(HYPERCALL_FILTER, target, () => hypercallFields(record), record);
      if (hit) this.trap(machine, hypercallStop(record, hit), 'vm-exit');
    });
  }

  /** The requested stop, once — only at the stop it caused (a stop another handler took over is dropped). */
  take(): VmTrap | undefined {
    const pending = this.pending;
    this.pending = undefined;
    if (pending === undefined || pending.machine.cpu.instret - pending.instret > 1) return undefined;
    return pending.trap;
  }

  private match(filter: string, target: DeviceBreakTarget, fields: () => Map<string, bigint>, record?: HypercallRecord): Active | undefined {
    if (target.muted()) return undefined;
    const candidates = this.active.filter((a) => a.filter === filter);
    if (candidates.length === 0) return undefined;
    const values = fields();
    return candidates.find((a) => holds(a.condition, values, target.evalContext, record));
  }

  /** Requests the stop ('vm-exit' in guest mode: the runtime leaves the hidden host stub first). */
  private trap(machine: Machine, stop: VmTrap['stop'], kind: 'vm-exit' | 'exception'): void {
    if (this.pending !== undefined && this.pending.instret === machine.cpu.instret) return; // the first match of an instruction reports
    const ownStop = (machine.cpu.attention & Attention.Stop) === 0;
    this.pending = { trap: { stop, ownStop }, instret: machine.cpu.instret, machine };
    if (ownStop) machine.cpu.requestStop(kind, stop.description);
  }
}

/** Of the traps the filters took at one stop, the one that requested the stop (else the first). */
export function firstTrap(traps: readonly (VmTrap | undefined)[]): VmTrap | undefined {
  return traps.find((trap) => trap?.ownStop) ?? traps.find((trap) => trap !== undefined);
}
