// Stepping back by source line on top of the machine's reverse execution (checkpoints and
// deterministic replay): back until the line changes, then back to the first instruction
// of that visit of the previous line.
import type { Cpu } from '../machine/cpu/cpu';
import type { TimeTravel, TravelResult } from '../machine/debug/timeTravel';

/** Bound on single steps back while looking for a line boundary. */
const MAX_BACK_STEPS = 10_000;

/**
 * One step back: an instruction, or (with `lineOf`) to the start of the previous source
 * line. Returns true when the oldest checkpoint stopped the search.
 */
export function stepBackOnce(travel: TimeTravel, lineOf: ((rip: number) => string | undefined) | undefined, cpu: () => Cpu, hidden: () => boolean = () => false): boolean {
  const startLine = lineOf?.(cpu().rip);
  // one instruction of the user's code back: hidden code (the hypervisor's host stub) is passed through
  const back = (): TravelResult => {
    let result = travel.stepBack();
    for (let i = 0; i < MAX_BACK_STEPS && hidden() && !result.reachedStart; i++) result = travel.stepBack();
    return result;
  };
  let result = back();
  if (!lineOf || startLine === undefined || result.reachedStart) return result.reachedStart;
  for (let i = 0; i < MAX_BACK_STEPS && lineOf(cpu().rip) === startLine && !result.reachedStart; i++) result = back();
  const line = lineOf(cpu().rip);
  for (let i = 0; i < MAX_BACK_STEPS && !result.reachedStart; i++) {
    const here = cpu().instret;
    result = back();
    if (result.reachedStart && lineOf(cpu().rip) === line) break;
    if (lineOf(cpu().rip) !== line) {
      travel.goTo(here);
      break;
    }
  }
  return result.reachedStart;
}
