// The `hyperscope/pageWalk` custom request: one walk in trace mode, as plain JSON for views.
import { Access } from '../machine/paging/types';
import { bigIntToLinear } from '../machine/cpu/state';
import type { PageWalkArguments, PageWalkResult } from '../protocol/dap';
import type { Debuggee } from './debuggee';
import { hex64 } from './format';

const LEVEL_NAMES = ['', 'PT', 'PD', 'PDPT', 'PML4'];
const ACCESS: Record<NonNullable<PageWalkArguments['access']>, Access> = { read: Access.Read, write: Access.Write, execute: Access.Execute };

export function pageWalk(debuggee: Debuggee, address: bigint, access: string, user: boolean): PageWalkResult {
  const kind = ACCESS[access as keyof typeof ACCESS];
  if (kind === undefined) throw new Error(`pageWalk: access must be read, write or execute, got '${access}'`);
  const linear = bigIntToLinear(BigInt.asUintN(64, address));
  const pagingEnabled = debuggee.machine.cpu.pagingEnabled;
  if (linear === undefined) return { linear: hex64(address), pagingEnabled, steps: [], ok: false, fault: 'not a canonical address (#GP)' };
  const trace = debuggee.memory.walkTrace(linear, kind, user);
  return {
    linear: hex64(address),
    pagingEnabled,
    steps: trace.steps.map((s) => ({
      table: s.table,
      level: s.level,
      levelName: `${s.table === 'ept' ? 'EPT ' : ''}${LEVEL_NAMES[s.level] ?? s.level}`,
      index: s.index,
      entryAddress: hex64(s.entryAddress),
      entryHostAddress: hex64(s.entryHostAddress),
      value: hex64(s.value),
      flags: s.flags,
      outcome: s.outcome,
      pageSize: s.pageSize,
      forGuestLevel: s.forGuestLevel,
    })),
    ok: trace.fault === undefined && trace.physical !== undefined,
    physical: trace.physical === undefined ? undefined : hex64(trace.physical),
    guestPhysical: trace.guestPhysical === undefined ? undefined : hex64(trace.guestPhysical),
    pageSize: trace.pageSize,
    fault: trace.fault,
    tlbHit: trace.tlbHit,
  };
}
