// The "VM Exits" view in Run and Debug, from `hyperscope/vmExits`: a "Log" node with the
// latest exits oldest first, and a "Statistics" node with a row per exit reason (count and
// share, most frequent first, like `perf kvm stat`). A log row's guest RIP can be walked in
// the Page Walk view or the visualizer (row actions).
import { CustomRequest, type VmExitInfo, type VmExitsArguments, type VmExitsResult } from '../protocol/dap';
import type { DebugEvents } from './debugEvents';
import { RequestTreeView } from './requestView';
import type { ViewRow } from './viewRow';

export const VM_EXITS_VIEW = 'hyperscope.vmExits';
const LIMIT = 200;

function exitRow(exit: VmExitInfo, index: number): ViewRow {
  const gpa = exit.guestPhysical === null ? '' : ` · GPA ${exit.guestPhysical}`;
  return {
    label: `#${index} ${exit.reason} ${exit.name}${exit.entryFailure ? ' (VM-entry failure)' : ''}`,
    description: `RIP ${exit.guestRip}${gpa} · ${exit.description}`,
    tooltip: `VM exit ${exit.reason} (${exit.name}) after ${exit.instret} instructions\nqualification ${exit.qualification}: ${exit.description}\nguest RIP ${exit.guestRip}${gpa}\ninstruction length ${exit.instructionLength}`,
    icon: exit.entryFailure ? 'error' : 'debug-step-out',
    context: 'hyperscope.vmExit',
    address: exit.guestRip,
  };
}

/** The rows for one result: "Log" and "Statistics". */
export function vmExitRows(result: VmExitsResult): ViewRow[] {
  if (result.total === 0) return [{ label: 'no VM exits yet', icon: 'info' }];
  const first = result.total - result.exits.length;
  const log: ViewRow = {
    label: 'Log',
    description: `${result.exits.length} of ${result.total} exits${result.omitted > 0 ? ` (${result.omitted} not listed)` : ''}`,
    children: result.exits.map((e, i) => exitRow(e, first + i + 1)),
    icon: 'list-ordered',
  };
  const stats: ViewRow = {
    label: 'Statistics',
    description: `${result.stats.length} reasons · ${result.total} exits`,
    children: result.stats.map((s) => ({ label: `${s.reason} ${s.name}`, description: `${s.count} · ${s.percent.toFixed(2)}%` })),
    expanded: true,
    icon: 'graph',
  };
  return [log, stats];
}

export function createVmExitsView(events: DebugEvents): RequestTreeView<VmExitsResult> {
  return new RequestTreeView<VmExitsResult>(events, { viewId: VM_EXITS_VIEW, command: CustomRequest.vmExits, args: { limit: LIMIT } satisfies VmExitsArguments, what: 'VM exits', rows: vmExitRows });
}
