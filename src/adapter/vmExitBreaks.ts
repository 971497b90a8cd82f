// VM-exit exception breakpoints: the enabled filters with their conditions, chained onto
// the machine's `vmx.onExit` / `vmx.onEntryFailure` (after the built-in hypervisor's in
// guest mode, whose handler still runs). A match requests a machine stop ('vm-exit' or
// 'vm-entry-failure') and leaves the stop to report; the runtime takes it when the run
// loop returns (and first runs out of the hidden host stub in guest mode).
import type { DebugProtocol } from '@vscode/debugprotocol';
import type { Machine } from '../machine/machine';
import type { ExitRecord } from '../machine/vmx/vmExit';
import type { EntryFailure } from '../machine/vmx/entryCheck';
import { Attention } from '../machine/cpu/cpu';
import { formatExit } from '../machine/vmx/report';
import { ENTRY_FAILURE_FILTER, filterMatchesReason } from './exceptionFilters';
import { conditionHolds, parseExpression, type EvalContext, type ExprNode } from './expression';
import { EXIT_FIELD_NAMES, exitFields } from './exitFields';
import { compileFilterEntries, probeContext, rejectUnknownNames, withFields } from './filterConditions';
import type { RuntimeStop } from './runtimeTypes';
import { hex64 } from './format';

interface Active {
  readonly id: string;
  readonly condition: ExprNode | undefined;
  readonly text: string | undefined;
}

export interface VmExitTarget {
  readonly machine: Machine;
  readonly evalContext: EvalContext;
  /** True while exits must not stop the machine (replaying history). */
  readonly muted: () => boolean;
}

function exitStop(record: ExitRecord, filter: Active): RuntimeStop {
  const reason = record.reason & 0xffff;
  const line = formatExit(record);
  const details = [line, `instruction length ${record.instructionLength}, instruction ${record.instret}`, `filter ${filter.id}${filter.text ? ` (condition ${filter.text})` : ''}`];
  return {
    reason: 'exception',
    description: `VM exit ${reason} (${record.name}) at guest RIP ${hex64(record.guestRip)}`,
    exception: { id: `vm-exit-${reason}`, description: line, typeName: `VM exit ${reason} (${record.name})`, details: details.join('\n') },
  };
}

function entryFailureStop(failure: EntryFailure): RuntimeStop {
  const details = [failure.describe(), `step ${failure.step}, check ${failure.check}`, `fields: ${failure.fields.join(', ') || 'none'}`, `rule: ${failure.rule}`, `SDM ${failure.sdm}`];
  if (failure.errorText) details.push(`VM-instruction error ${failure.error}: ${failure.errorText}`);
  return { reason: 'exception', description: failure.describe(), exception: { id: ENTRY_FAILURE_FILTER, description: failure.describe(), typeName: 'VM-entry failure', details: details.join('\n') } };
}

/** A filter's stop; `ownStop` false when a handler (the built-in hypervisor) had already requested the machine stop. */
export interface VmTrap {
  readonly stop: RuntimeStop;
  readonly ownStop: boolean;
}

export class VmExitBreaks {
  private active: Active[] = [];
  private pending: VmTrap | undefined;
  private nextId = 200_000;

  /** Enables the filters (plain ids and ids with a condition); one breakpoint per entry, in order. */
  set(filters: readonly string[], options: readonly DebugProtocol.ExceptionFilterOptions[], symbols: ReadonlyMap<string, bigint> | undefined): DebugProtocol.Breakpoint[] {
    const entries = [...filters.map((id) => ({ filterId: id, condition: undefined as string | undefined })), ...options];
    // names must be exit fields, registers or labels
    const { breakpoints, kept } = compileFilterEntries(entries, () => this.nextId++, (entry) => entry.filterId, (text) => {
      const condition = parseExpression(text);
      rejectUnknownNames(condition, probeContext(EXIT_FIELD_NAMES, symbols));
      return condition;
    });
    this.active = kept.map(({ entry, condition, text }) => ({ id: entry.filterId, condition, text }));
    return breakpoints;
  }

  get enabled(): boolean {
    return this.active.length > 0;
  }

  /** Chains onto a new program's machine (the built-in hypervisor's handlers keep running). */
  attach(target: VmExitTarget): void {
    this.pending = undefined;
    const unit = target.machine.vmx;
    const onExit = unit.onExit;
    const onEntryFailure = unit.onEntryFailure;
    unit.onExit = (record) => {
      // conditions see the registers as the guest left them, before a handler changes them
      const hit = this.active.length === 0 || record.entryFailure || target.muted() ? undefined : this.matchExit(record, target);
      onExit?.(record);
      if (!hit) return;
      const ownStop = !this.stopRequested(target.machine);
      this.pending = { stop: exitStop(record, hit), ownStop };
      if (ownStop) target.machine.cpu.requestStop('vm-exit', this.pending.stop.description);
    };
    unit.onEntryFailure = (failure) => {
      const hit = this.active.length === 0 || target.muted() ? undefined : this.active.find((f) => f.id === ENTRY_FAILURE_FILTER && conditionHolds(f.condition, target.evalContext));
      onEntryFailure?.(failure);
      if (!hit) return;
      const ownStop = !this.stopRequested(target.machine);
      this.pending = { stop: entryFailureStop(failure), ownStop };
      if (ownStop) target.machine.cpu.requestStop('vm-entry-failure', failure.describe());
    };
  }

  /** The stop a filter requested, once. */
  take(): VmTrap | undefined {
    const stop = this.pending;
    this.pending = undefined;
    return stop;
  }

  private stopRequested(machine: Machine): boolean {
    return (machine.cpu.attention & Attention.Stop) !== 0;
  }

  private matchExit(record: ExitRecord, target: VmExitTarget): Active | undefined {
    const reason = record.reason & 0xffff;
    const candidates = this.active.filter((f) => filterMatchesReason(f.id, reason));
    if (candidates.length === 0) return undefined;
    const context = withFields(exitFields(record, target.machine), target.evalContext); // `rip` is the guest's
    return candidates.find((f) => conditionHolds(f.condition, context));
  }

}
