// Hand-built walk traces in the shape the adapter sends (PageWalkResult), laid out as the
// walker records them: under EPT, each guest table read is preceded by the four EPT reads
// that translate its guest-physical address, and the data address gets four more
// (4 × (4 + 1) + 4 = 24 accesses).
import type { PageWalkResult, PageWalkStep } from '../../src/protocol/dap';

const hex = (n: number): string => '0x' + n.toString(16);
const EPT_FLAGS = ['R', 'W', 'X'];
const GUEST_FLAGS = ['P', 'RW', 'S', 'A'];

export const LINEAR = '0x401000';
/** Guest tables at GPA 0x1000 (PML4), 0x2000 (PDPT), 0x3000 (PD), 0x4000 (PT); the page at GPA 0x9000. */
const GUEST_TABLES: Record<number, number> = { 4: 0x1000, 3: 0x2000, 2: 0x3000, 1: 0x4000 };
const HOST_OFFSET = 0x100000;

export function eptSteps(gpa: number, forGuestLevel: number | undefined, last: Partial<PageWalkStep> = {}, count = 4): PageWalkStep[] {
  const steps: PageWalkStep[] = [];
  for (let level = 4; level > 4 - count; level--) {
    const entry = 0x80000 + (4 - level) * 0x1000 + 8 * (level === 1 ? (gpa >> 12) & 0x1ff : 0);
    steps.push({ table: 'ept', level, levelName: 'EPT', index: level === 1 ? (gpa >> 12) & 0x1ff : 0, entryAddress: hex(entry), entryHostAddress: hex(entry), value: hex(0x81000 + (4 - level) * 0x1000 + 7), flags: EPT_FLAGS, outcome: level === 1 ? 'leaf' : 'next', pageSize: level === 1 ? 4096 : undefined, forGuestLevel });
  }
  Object.assign(steps[steps.length - 1]!, last);
  return steps;
}

export function guestStep(level: number, ept: boolean, change: Partial<PageWalkStep> = {}): PageWalkStep {
  const table = GUEST_TABLES[level]!;
  const index = level === 1 ? 1 : level === 2 ? 2 : 0;
  const entry = table + 8 * index;
  return { table: 'guest', level, levelName: 'G', index, entryAddress: hex(entry), entryHostAddress: hex(ept ? entry + HOST_OFFSET : entry), value: hex((GUEST_TABLES[level - 1] ?? 0x9000) | 0x23), flags: GUEST_FLAGS, outcome: level === 1 ? 'leaf' : 'next', pageSize: level === 1 ? 4096 : undefined, ...change };
}

function result(steps: PageWalkStep[], extra: Partial<PageWalkResult>): PageWalkResult {
  return { linear: LINEAR, pagingEnabled: true, steps, ok: true, ...extra };
}

/** The full 24-access walk: 4 guest levels under 4-level EPT, 4 KiB pages everywhere. */
export function twoDimensional(withForGuestLevel: boolean): PageWalkResult {
  const steps: PageWalkStep[] = [];
  for (const level of [4, 3, 2, 1]) steps.push(...eptSteps(GUEST_TABLES[level]!, withForGuestLevel ? level : undefined), guestStep(level, true));
  steps.push(...eptSteps(0x9000, withForGuestLevel ? 0 : undefined));
  return result(steps, { physical: hex(0x9000 + HOST_OFFSET), guestPhysical: '0x9000', pageSize: 4096, tlbHit: false });
}

/** No EPT: PML4, PDPT, PD, PT. */
export function bare(): PageWalkResult {
  return result([4, 3, 2, 1].map((level) => guestStep(level, false)), { physical: '0x9000', guestPhysical: '0x9000', pageSize: 4096, tlbHit: true });
}

/** No EPT, the PD entry is not present. */
export function notPresentAtPd(): PageWalkResult {
  const steps = [guestStep(4, false), guestStep(3, false), guestStep(2, false, { value: '0x0', flags: [], outcome: 'not-present' })];
  return result(steps, { ok: false, fault: 'PD entry 2 is not present (#PF)' });
}

/** Under EPT, the third EPT level (EPT PD) of the walk translating the guest PDPT's address is not present. */
export function eptViolationAtPdpt(): PageWalkResult {
  const steps = [...eptSteps(0x1000, undefined), guestStep(4, true), ...eptSteps(0x2000, undefined, { outcome: 'ept-violation', value: '0x0', flags: [] }, 3)];
  return result(steps, { ok: false, fault: 'EPT PD entry 0 is not present' });
}

/** The PD entry maps a 2 MiB page: PML4, PDPT, PD, with or without EPT. */
export function hugePage(ept: boolean): PageWalkResult {
  const pd = { outcome: 'leaf', pageSize: 2 << 20, flags: [...GUEST_FLAGS, 'PS'] };
  const steps = ept
    ? [...eptSteps(0x1000, 4), guestStep(4, true), ...eptSteps(0x2000, 3), guestStep(3, true), ...eptSteps(0x3000, 2), guestStep(2, true, pd), ...eptSteps(0x401000, 0)]
    : [guestStep(4, false), guestStep(3, false), guestStep(2, false, pd)];
  return result(steps, { physical: '0x401000', guestPhysical: '0x401000', pageSize: 2 << 20 });
}
