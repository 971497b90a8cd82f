/**
 * The debugger's view of hypercalls, for both personalities (Xen and the KVM-style
 * default): a capped log (number, name, arguments, result, guest RIP), counts per
 * hypercall, and `onHypercall`, an ordered listener list called after each hypercall
 * (hypercall breakpoints stop the machine from there). Calls are kept raw and formatted
 * only when read or when a listener is attached (the hot path allocates one small object).
 */

export interface HypercallRecord {
  readonly personality: 'xen' | 'kvm';
  readonly number: number;
  readonly name: string;
  readonly args: readonly string[];
  /** RAX after the call, as hex, and its errno name when negative. */
  readonly result: string;
  readonly error?: string;
  /** Guest RIP of the VMCALL. */
  readonly rip: string;
  readonly instret: number;
  /** Set by multicall for the calls it made (the multicall itself is logged after them). */
  readonly nested?: boolean;
}

export type HypercallListener = (record: HypercallRecord) => void;

export interface RawHypercall {
  readonly personality: 'xen' | 'kvm';
  readonly number: number;
  readonly name: string;
  readonly args: readonly bigint[];
  readonly result: bigint;
  readonly rip: bigint;
  readonly instret: number;
  readonly nested?: boolean;
  /** Name of a (positive) errno value. */
  readonly errorName?: (errno: number) => string | undefined;
}

export const HYPERCALL_LOG_CAP = 256;

const hex = (value: bigint): string => '0x' + BigInt.asUintN(64, value).toString(16);

function format(raw: RawHypercall): HypercallRecord {
  const signed = BigInt.asIntN(64, raw.result);
  const error = signed < 0n && signed > -4096n ? raw.errorName?.(Number(-signed)) : undefined;
  return {
    personality: raw.personality,
    number: raw.number,
    name: raw.name,
    args: raw.args.map(hex),
    result: signed < 0n ? `-0x${(-signed).toString(16)}` : hex(signed),
    ...(error ? { error } : {}),
    rip: hex(raw.rip),
    instret: raw.instret,
    ...(raw.nested ? { nested: true } : {}),
  };
}

export class HypercallMonitor {
  /** The latest calls, oldest first, at most HYPERCALL_LOG_CAP (a ring from `next`). */
  private raw: RawHypercall[] = [];
  private next = 0;
  readonly counts = new Map<string, number>();
  total = 0;
  /** Called in order after every hypercall. */
  readonly onHypercall: HypercallListener[] = [];

  record(raw: RawHypercall): void {
    this.total++;
    this.counts.set(raw.name, (this.counts.get(raw.name) ?? 0) + 1);
    if (this.raw.length < HYPERCALL_LOG_CAP) this.raw.push(raw);
    else {
      this.raw[this.next] = raw;
      this.next = (this.next + 1) % HYPERCALL_LOG_CAP;
    }
    if (this.onHypercall.length === 0) return;
    const record = format(raw);
    for (const listener of this.onHypercall) listener(record);
  }

  /** The latest calls, oldest first. */
  get log(): HypercallRecord[] {
    return [...this.raw.slice(this.next), ...this.raw.slice(0, this.next)].map(format);
  }

  /** JSON-able summary: counts by name and the latest records. */
  describe(): { total: number; counts: Record<string, number>; log: HypercallRecord[] } {
    return { total: this.total, counts: Object.fromEntries(this.counts), log: this.log };
  }

  saveState(): { raw: RawHypercall[]; next: number; counts: [string, number][]; total: number } {
    return { raw: [...this.raw], next: this.next, counts: [...this.counts], total: this.total };
  }

  restoreState(state: ReturnType<HypercallMonitor['saveState']>): void {
    this.raw = [...state.raw];
    this.next = state.next;
    this.counts.clear();
    for (const [name, count] of state.counts) this.counts.set(name, count);
    this.total = state.total;
  }
}
