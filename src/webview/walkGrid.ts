// The two-dimensional page walk as a grid (pure, no DOM). Rows are the guest's levels
// (PML4, PDPT, PD, PT) and the final data address; columns are the four EPT levels that
// translate that row's guest-physical address, then the guest entry itself. Each access
// of the trace lands in one cell, numbered in trace order (up to 4 × 5 + 4 = 24 under
// 4-level EPT). Cells the walk never reached are marked with why.
import type { PageWalkResult, PageWalkStep } from '../protocol/dap';

export const LEVEL_NAMES: Record<number, string> = { 4: 'PML4', 3: 'PDPT', 2: 'PD', 1: 'PT' };
export const COLUMN_TITLES = ['EPT PML4', 'EPT PDPT', 'EPT PD', 'EPT PT', 'Guest entry'] as const;
/** Column of the guest entry (and of the data cell in the last row). */
export const GUEST_COLUMN = 4;

export type CellState = 'accessed' | 'stop' | 'skipped' | 'no-ept' | 'data';

export interface GridCell {
  state: CellState;
  /** 1-based position of the access in the walk, for accessed and stop cells. */
  number?: number;
  step?: PageWalkStep;
  /** Why a cell holds no access, or what the data cell reached. */
  note?: string;
}

export interface GridRow {
  /** 4..1 for the guest tables, 0 for the data access. */
  guestLevel: number;
  title: string;
  /** The guest-physical address this row's EPT columns translate, when known. */
  guestPhysical?: string;
  cells: GridCell[];
}

export type StopKind = 'translated' | 'huge-page' | 'not-present' | 'reserved' | 'permission' | 'ept-violation' | 'ept-misconfig' | 'fault' | 'no-paging';

export interface WalkStop {
  kind: StopKind;
  text: string;
  /** Number of the access where the walk stopped, when it stopped at one. */
  at?: number;
}

export interface WalkGrid {
  linear: string;
  layout: 'two-dimensional' | 'one-dimensional';
  rows: GridRow[];
  accessCount: number;
  stop: WalkStop;
  tlb: string;
}

/** Why a walk stopped, by the outcome of its last access. */
const STOP_BY_OUTCOME: Record<string, { kind: StopKind; text: string }> = {
  'not-present': { kind: 'not-present', text: 'not present (P = 0)' },
  reserved: { kind: 'reserved', text: 'reserved bit set' },
  permission: { kind: 'permission', text: 'permission denied' },
  'ept-violation': { kind: 'ept-violation', text: 'EPT violation' },
  'ept-misconfig': { kind: 'ept-misconfig', text: 'EPT misconfiguration' },
};

export function pageSizeText(bytes: number): string {
  return bytes >= 2 ** 30 ? `${bytes / 2 ** 30} GiB` : bytes >= 2 ** 20 ? `${bytes / 2 ** 20} MiB` : `${bytes / 1024} KiB`;
}

/** "EPT PD[3]" / "PML4[0]": the table and index of a step. */
export function stepName(step: PageWalkStep): string {
  return `${step.table === 'ept' ? 'EPT ' : ''}${LEVEL_NAMES[step.level] ?? `L${step.level}`}[${step.index}]`;
}

/**
 * The guest level each step belongs to: its own level for guest steps; for EPT steps
 * forGuestLevel when the adapter sent it, else the guest access that follows them (EPT
 * steps precede the guest read they translate), or the data access after a guest leaf.
 */
export function guestLevels(result: PageWalkResult): number[] {
  const levels: number[] = new Array<number>(result.steps.length);
  let pending: number[] = [];
  let nextGuest = result.pagingEnabled ? 4 : 0;
  result.steps.forEach((step, index) => {
    if (step.table === 'guest') {
      for (const p of pending) levels[p] = step.level;
      pending = [];
      levels[index] = step.level;
      nextGuest = step.outcome === 'leaf' ? 0 : step.level - 1;
    } else if (step.forGuestLevel !== undefined) {
      levels[index] = step.forGuestLevel;
    } else {
      pending.push(index);
    }
  });
  for (const p of pending) levels[p] = nextGuest;
  return levels;
}

function stopOf(result: PageWalkResult, numbered: ReadonlyArray<{ step: PageWalkStep; number: number }>): WalkStop {
  const last = numbered[numbered.length - 1];
  const byOutcome = last && STOP_BY_OUTCOME[last.step.outcome];
  if (last && byOutcome) {
    const where = `${last.step.table === 'ept' ? '' : 'guest '}${stepName(last.step)} at access ${last.number}`;
    return { kind: byOutcome.kind, at: last.number, text: `Stopped: ${byOutcome.text} at ${where}${result.fault ? ` — ${result.fault}` : ''}` };
  }
  if (!result.ok) return { kind: 'fault', text: `Stopped: ${result.fault ?? 'no translation'}` };
  if (!result.pagingEnabled && !numbered.length) return { kind: 'no-paging', text: `Paging disabled (CR0.PG = 0): ${result.linear} is physical` };
  const physical = `${result.guestPhysical && result.guestPhysical !== result.physical ? `GPA ${result.guestPhysical} → ` : ''}HPA ${result.physical ?? '?'}`;
  const guestLeaf = numbered.find((n) => n.step.table === 'guest' && n.step.outcome === 'leaf');
  if (guestLeaf && guestLeaf.step.level > 1 && result.pageSize) {
    return { kind: 'huge-page', at: guestLeaf.number, text: `Translated: ${result.linear} → ${physical} — huge page shortcut: guest ${stepName(guestLeaf.step)} maps a ${pageSizeText(result.pageSize)} page` };
  }
  return { kind: 'translated', text: `Translated: ${result.linear} → ${physical}${result.pageSize ? ` (${pageSizeText(result.pageSize)} page)` : ''}` };
}

function tlbText(tlbHit: boolean | undefined): string {
  if (tlbHit === undefined) return 'TLB: not reported';
  return tlbHit ? 'TLB hit: the CPU would use the cached translation and skip this walk' : 'TLB miss: the CPU would make these accesses';
}

/** Why a cell with no access stayed empty. */
function emptyNote(grid: { stopped: boolean; guestLeafLevel: number; eptLeafLevel: Map<number, number>; pagingEnabled: boolean }, guestLevel: number, column: number): string {
  if (!grid.pagingEnabled && guestLevel > 0) return 'paging disabled';
  if (guestLevel > 0 && guestLevel < grid.guestLeafLevel) return `not used: the guest ${LEVEL_NAMES[grid.guestLeafLevel]} entry maps a huge page`;
  const eptLeaf = grid.eptLeafLevel.get(guestLevel);
  if (column < GUEST_COLUMN && eptLeaf !== undefined && 4 - column < eptLeaf) return `not used: EPT ${LEVEL_NAMES[eptLeaf]} entry maps a large page`;
  return grid.stopped ? 'not reached: the walk stopped' : 'not accessed';
}

export function buildGrid(result: PageWalkResult): WalkGrid {
  const levels = guestLevels(result);
  const numbered = result.steps.map((step, index) => ({ step, number: index + 1, guestLevel: levels[index] ?? 0 }));
  const hasEpt = result.steps.some((step) => step.table === 'ept');
  const stop = stopOf(result, numbered);
  const stopped = stop.at !== undefined && stop.kind !== 'huge-page';
  const guestLeaf = numbered.find((n) => n.step.table === 'guest' && n.step.outcome === 'leaf');
  const eptLeafLevel = new Map<number, number>();
  for (const n of numbered) if (n.step.table === 'ept' && n.step.outcome === 'leaf') eptLeafLevel.set(n.guestLevel, n.step.level);
  const context = { stopped: stopped || !result.ok, guestLeafLevel: guestLeaf?.step.level ?? 0, eptLeafLevel, pagingEnabled: result.pagingEnabled };

  const rows: GridRow[] = [4, 3, 2, 1, 0].map((guestLevel) => {
    const guestStep = numbered.find((n) => n.step.table === 'guest' && n.guestLevel === guestLevel);
    const cells = COLUMN_TITLES.map((_, column): GridCell => {
      const found = numbered.find((n) => n.guestLevel === guestLevel && (column === GUEST_COLUMN ? n.step.table === 'guest' : n.step.table === 'ept' && n.step.level === 4 - column));
      if (found) return { state: found.number === stop.at && stopped ? 'stop' : 'accessed', number: found.number, step: found.step };
      if (column < GUEST_COLUMN && !hasEpt) return { state: 'no-ept', note: 'no EPT' };
      if (guestLevel === 0 && column === GUEST_COLUMN && result.ok) return { state: 'data', note: `data at HPA ${result.physical ?? '?'}` };
      return { state: 'skipped', note: emptyNote(context, guestLevel, column) };
    });
    const title = guestLevel === 0 ? 'Data' : `Guest ${LEVEL_NAMES[guestLevel]}`;
    const guestPhysical = guestLevel === 0 ? result.guestPhysical : guestStep?.step.entryAddress;
    return { guestLevel, title, guestPhysical, cells };
  });
  return { linear: result.linear, layout: hasEpt ? 'two-dimensional' : 'one-dimensional', rows, accessCount: numbered.length, stop, tlb: tlbText(result.tlbHit) };
}
