// The "Guest exception" exception-breakpoint filter: stops when the CPU delivers an
// exception through the IDT — in VMX non-root, one the exception bitmap lets through to
// the guest (an exception that VM-exits is the VM-exit filters' business). Chained onto
// the run loop's `exceptionHook` after the VMX unit's, so it sees only exceptions that
// will be delivered. The stop comes after delivery, on the handler's first instruction;
// `exceptionInfo` names the exception, the faulting RIP and the decoded error code.
import type { Machine } from '../machine/machine';
import { hasErrorCode, vectorNames, Vector, type CpuFault } from '../machine/cpu/fault';
import { conditionHolds, parseExpression, type EvalContext, type ExprNode } from './expression';
import { compileFilterEntries, probeContext, rejectUnknownNames, withFields, type FilterBreakpoint } from './filterConditions';
import type { VmTrap } from './vmExitBreaks';
import { hex64 } from './format';

export const GUEST_EXCEPTION_FILTER = 'guest-exception';
export const GUEST_EXCEPTION_FIELDS = ['vector', 'errorCode', 'rip', 'cr2'] as const;

interface Active {
  readonly condition: ExprNode | undefined;
  readonly text: string | undefined;
}

/** #PF error code bits (SDM Vol. 3A 4.7). */
function pageFaultCode(code: number): string {
  const parts = [code & 1 ? 'protection violation' : 'not present', code & 2 ? 'write' : 'read', code & 4 ? 'user' : 'supervisor'];
  if (code & 8) parts.push('reserved bit set');
  if (code & 16) parts.push('instruction fetch');
  if (code & 32) parts.push('protection key');
  if (code & 64) parts.push('shadow stack');
  return parts.join(', ');
}

/** Selector error code of #TS/#NP/#SS/#GP/#AC (SDM Vol. 3A 6.13): EXT, IDT/GDT/LDT, index. */
function selectorCode(code: number): string {
  if (code === 0) return 'no selector (error code 0)';
  const table = code & 2 ? 'IDT' : code & 4 ? 'LDT' : 'GDT';
  return `${table} entry ${code >>> 3}${code & 1 ? ', external event' : ''}`;
}

/** The error code in words, for the vectors that push one. */
export function describeErrorCode(vector: number, code: number): string {
  if (vector === Vector.PF) return pageFaultCode(code);
  if (vector === Vector.DF) return 'always 0';
  return selectorCode(code);
}

export class GuestExceptionBreaks {
  private active: Active[] = [];
  private pending: VmTrap | undefined;
  private nextId = 300_000;

  /** The filter's entries (plain, or with a condition); a breakpoint result per entry. */
  set(entries: readonly { condition?: string }[]): FilterBreakpoint[] {
    const { breakpoints, kept } = compileFilterEntries(entries, () => this.nextId++, () => GUEST_EXCEPTION_FILTER, (text) => {
      const condition = parseExpression(text);
      rejectUnknownNames(condition, probeContext(GUEST_EXCEPTION_FIELDS));
      return condition;
    });
    this.active = kept.map(({ condition, text }) => ({ condition, text }));
    return breakpoints;
  }

  /** Chains onto a new program's run loop (after the VMX unit's hook, which may turn the exception into a VM exit). */
  attach(machine: Machine, evalContext: EvalContext, muted: () => boolean): void {
    this.pending = undefined;
    const loop = machine.loop;
    const previous = loop.exceptionHook;
    loop.exceptionHook = (fault, rip) => {
      const outcome = previous?.(fault, rip);
      if (outcome !== undefined || this.active.length === 0 || muted() || fault.unimplemented !== undefined) return outcome;
      const fields = faultFields(fault, rip, machine);
      const context = withFields(fields, evalContext);
      const hit = this.active.find((f) => conditionHolds(f.condition, context));
      if (!hit) return undefined;
      this.pending = { stop: exceptionStop(fault, rip, machine, hit), ownStop: true };
      machine.cpu.requestStop('exception', this.pending.stop.description);
      return undefined;
    };
  }

  take(): VmTrap | undefined {
    const stop = this.pending;
    this.pending = undefined;
    return stop;
  }
}

function faultFields(fault: CpuFault, rip: number, machine: Machine): Map<string, bigint> {
  const fields = new Map<string, bigint>([
    ['vector', BigInt(fault.vector)],
    ['errorcode', BigInt(fault.errorCode ?? 0)],
    ['rip', BigInt.asUintN(64, BigInt(rip))],
    ['cr2', BigInt.asUintN(64, BigInt(fault.vector === Vector.PF && fault.address !== undefined ? fault.address : machine.cpu.cr2))],
  ]);
  return fields;
}

function exceptionStop(fault: CpuFault, rip: number, machine: Machine, filter: Active): VmTrap['stop'] {
  const name = vectorNames[fault.vector] ?? `vector ${fault.vector}`;
  const mnemonic = name.split(' ')[0]!;
  const where = machine.vmx.operation === 'non-root' ? 'the guest (VMX non-root)' : 'the program';
  const parts = [`${name} in ${where} at RIP ${hex64(rip)}`];
  if (fault.errorCode !== undefined && hasErrorCode(fault.vector)) parts.push(`error code ${hex64(fault.errorCode)} (${describeErrorCode(fault.vector, fault.errorCode)})`);
  if (fault.vector === Vector.PF && fault.address !== undefined) parts.push(`CR2 ${hex64(fault.address)}`);
  const line = parts.join(', ');
  const details = [line, 'delivered through the IDT (no VM exit): stopped on the handler\'s first instruction', `filter ${GUEST_EXCEPTION_FILTER}${filter.text ? ` (condition ${filter.text})` : ''}`];
  return {
    reason: 'exception',
    description: `guest exception ${mnemonic} at RIP ${hex64(rip)}`,
    exception: { id: `guest-exception-${fault.vector}`, description: line, typeName: `${name} (vector ${fault.vector})`, details: details.join('\n') },
  };
}
