// reverseContinue the way continue behaves, backwards: execution passes breakpoints going
// back in time, newest first; each pass whose condition holds (evaluated in the state of
// that moment) counts a hit, exactly as a forward pass does, and the hit condition is
// checked against the count; logpoints passed print their message (evaluated then); the
// first pass that stops is the landing point. Code and data breakpoints alike.
import type { TimeTravel } from '../machine/debug/timeTravel';
import type { StopReason } from '../machine/stopReason';
import type { DataWatcher, HitCounts, ReverseCandidate, RuntimeStop, BreakpointJudge } from './runtimeTypes';

interface Passed {
  readonly instret: number;
  readonly candidates: ReverseCandidate[];
  readonly data: boolean;
}

export interface ReverseOutcome {
  readonly reachedStart: boolean;
  /** The stop to report at the landing point (undefined at the oldest checkpoint). */
  readonly stop: RuntimeStop | undefined;
  /** Logpoint messages passed, newest first. */
  readonly messages: string[];
}

export interface ReverseTargets {
  readonly judge: BreakpointJudge;
  readonly watcher: (DataWatcher & HitCounts) | undefined;
  /** User breakpoint addresses (other stops in the replay, e.g. temporary ones, are not the user's). */
  readonly isUserBreakpoint: (rip: number) => boolean;
  readonly hidden: () => boolean;
  readonly instret: () => number;
}

export function reverseContinueScan(travel: TimeTravel, targets: ReverseTargets): ReverseOutcome {
  /** Passes counted so far, by breakpoint id (added to the hit counts at the end). */
  const passes = new Map<number, number>();
  const owners = new Map<number, HitCounts>();
  const messages: string[] = [];
  let window: Passed[] = [];
  let landing: RuntimeStop | undefined;
  const counts = (candidate: ReverseCandidate): HitCounts | undefined => (candidate.reason === 'data breakpoint' ? targets.watcher : targets.judge);
  /** The hit count a pass gives the breakpoint (one more than before it). */
  const hitsAt = (candidate: ReverseCandidate): number => (counts(candidate)?.hitCount(candidate.id) ?? 0) + (passes.get(candidate.id) ?? 0) + 1;
  const count = (candidate: ReverseCandidate): void => {
    if (!candidate.counts) return;
    passes.set(candidate.id, (passes.get(candidate.id) ?? 0) + 1);
    const owner = counts(candidate);
    if (owner) owners.set(candidate.id, owner);
  };

  const observe = (stop: StopReason): void => {
    if (targets.hidden()) {
      if (stop.reason === 'watchpoint') targets.watcher?.discard();
      return;
    }
    if (stop.reason === 'breakpoint' && targets.isUserBreakpoint(stop.rip)) window.push({ instret: targets.instret(), candidates: targets.judge.observe(stop.rip), data: false });
    else if (stop.reason === 'watchpoint' && targets.watcher) window.push({ instret: targets.instret(), candidates: targets.watcher.observe(), data: true });
  };

  /** Walks the window newest first: the first passed point where something stops is the landing point. */
  const choose = (): number | undefined => {
    const passed = window.reverse();
    window = [];
    for (const point of passed) {
      const stopping = point.candidates.filter((c) => !c.log && (!c.counts || c.matches(hitsAt(c))));
      for (const c of point.candidates) if (c.log && c.matches(hitsAt(c))) messages.push(c.log);
      for (const c of point.candidates) count(c);
      if (stopping.length > 0) {
        const first = stopping[0]!;
        const description = point.data ? stopping.map((c) => c.description).filter((d) => d !== undefined).join('; ') : '';
        landing = { reason: first.reason, description: description ? `reverse continue: ${description}` : `reverse continue: paused on ${first.reason}`, hitBreakpointIds: stopping.map((c) => c.id) };
        return point.instret;
      }
    }
    return undefined;
  };

  const result = travel.reverseSearch(observe, choose);
  for (const [id, passed] of passes) {
    const owner = owners.get(id);
    owner?.setHitCount(id, owner.hitCount(id) + passed);
  }
  const landed = landing as RuntimeStop | undefined;
  return { reachedStart: result.reachedStart, stop: result.reachedStart ? undefined : landed, messages };
}
