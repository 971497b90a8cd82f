/**
 * The debugger's view of hypercalls, for both personalities (Xen and the KVM-style
 * default): a capped log (number, name, arguments, result, guest RIP), counts per
 * hypercall, and `onHypercall`, an ordered listener list called after each hypercall
 * (hypercall breakpoints stop the machine from there).
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

export const HYPERCALL_LOG_CAP = 256;

const hex = (value: bigint): string => '0x' + BigInt.asUintN(64, value).toString(16);

export class HypercallMonitor {
  readonly log: HypercallRecord[] = [];
  readonly counts = new Map<string, number>();
  total = 0;
  /** Called in order after every hypercall. */
  readonly onHypercall: HypercallListener[] = [];

  record(entry: Omit<HypercallRecord, 'args' | 'result' | 'error' | 'rip'> & { args: readonly bigint[]; result: bigint; rip: bigint; errorName?: (errno: number) => string | undefined }): HypercallRecord {
    const signed = BigInt.asIntN(64, entry.result);
    const error = signed < 0n && signed > -4096n ? entry.errorName?.(Number(-signed)) : undefined;
    const record: HypercallRecord = {
      personality: entry.personality,
      number: entry.number,
      name: entry.name,
      args: entry.args.map(hex),
      result: signed < 0n ? `-0x${(-signed).toString(16)}` : hex(signed),
      ...(error ? { error } : {}),
      rip: hex(entry.rip),
      instret: entry.instret,
      ...(entry.nested ? { nested: true } : {}),
    };
    this.total++;
    this.counts.set(record.name, (this.counts.get(record.name) ?? 0) + 1);
    this.log.push(record);
    if (this.log.length > HYPERCALL_LOG_CAP) this.log.splice(0, this.log.length - HYPERCALL_LOG_CAP);
    for (const listener of this.onHypercall) listener(record);
    return record;
  }

  /** JSON-able summary: counts by name and the latest records. */
  describe(): { total: number; counts: Record<string, number>; log: HypercallRecord[] } {
    return { total: this.total, counts: Object.fromEntries(this.counts), log: [...this.log] };
  }

  saveState(): { log: HypercallRecord[]; counts: [string, number][]; total: number } {
    return { log: [...this.log], counts: [...this.counts], total: this.total };
  }

  restoreState(state: ReturnType<HypercallMonitor['saveState']>): void {
    this.log.splice(0, this.log.length, ...state.log);
    this.counts.clear();
    for (const [name, count] of state.counts) this.counts.set(name, count);
    this.total = state.total;
  }
}
