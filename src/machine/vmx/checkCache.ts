/**
 * VM-entry check cache: every check of CONTROL_CHECKS, HOST_CHECKS and GUEST_CHECKS is
 * still evaluated in the SDM's order with identical results, but a check that passed is
 * skipped while none of its inputs changed. Its inputs are recorded while it runs: the
 * field groups (fieldGroups.ts) of every VMCS field it reads through the recording view
 * (plus the control-word group when it reads the decoded controls). A check that reads
 * CPU state (`c.cpu`: memory at the VMCS link pointer) is never skipped; the processor's
 * EFER.LMA (`processorLma`) is an input like a field group of its own. The
 * `Vmcs` marks the groups of every field whose value changes (`dirty`), so a skipped
 * check is one that would read exactly the same values again — a pure function of them.
 */
import type { Cpu } from '../cpu/cpu';
import { Efer } from '../paging/walker';
import type { Controls } from './controls';
import type { EntryCheck, EntryContext, GuestSegment } from './entryCheck';
import { Group, RFLAGS_SLOT, SLOT_GROUPS, readGroups } from './fieldGroups';
import { slotOf } from './vmcsSlots';
import type { Vmcs, VmcsReader } from './vmcs';

/** A check whose last run did not pass, never ran, or read CPU state. */
const MUST_RUN = -1;

/** A VMCS read view that records the groups of the fields read. */
class RecordingReader implements VmcsReader {
  reads = 0;

  constructor(private readonly vmcs: Vmcs) {}

  get address(): number {
    return this.vmcs.address;
  }

  get(encoding: number): bigint {
    this.reads |= SLOT_GROUPS[slotOf(encoding)]!;
    return this.vmcs.get(encoding);
  }

  get32(encoding: number): number {
    this.reads |= SLOT_GROUPS[slotOf(encoding)]!;
    return this.vmcs.get32(encoding);
  }

  getLinear(encoding: number): number {
    this.reads |= SLOT_GROUPS[slotOf(encoding)]!;
    return this.vmcs.getLinear(encoding);
  }

  getNumber(encoding: number): number {
    this.reads |= SLOT_GROUPS[slotOf(encoding)]!;
    return this.vmcs.getNumber(encoding);
  }

  getHigh32(encoding: number): number {
    const slot = slotOf(encoding);
    this.reads |= slot === RFLAGS_SLOT ? Group.rflagsOther : SLOT_GROUPS[slot]!;
    return this.vmcs.getHigh32(encoding);
  }

  bits(encoding: number, mask: number): number {
    this.reads |= readGroups(slotOf(encoding), mask);
    return this.vmcs.bits(encoding, mask);
  }
}

/** The context checks run in: reading the controls or the CPU is recorded too. */
class RecordingContext implements EntryContext {
  readonly vmcs: RecordingReader;
  guestSegments?: readonly GuestSegment[];
  /** The running check read CPU state: its verdict is not cached. */
  readCpu = false;
  private cpuState: Cpu | undefined;
  private decoded: Controls | undefined;
  private lma = false;

  constructor(vmcs: Vmcs) {
    this.vmcs = new RecordingReader(vmcs);
  }

  get cpu(): Cpu {
    this.readCpu = true;
    return this.cpuState!;
  }

  get processorLma(): boolean {
    this.vmcs.reads |= Group.processorLma;
    return this.lma;
  }

  get controls(): Controls {
    this.vmcs.reads |= Group.controlWords;
    return this.decoded!;
  }

  setup(cpu: Cpu, controls: Controls, processorLma: boolean): void {
    this.cpuState = cpu;
    this.decoded = controls;
    this.lma = processorLma;
  }

  begin(): void {
    this.vmcs.reads = 0;
    this.readCpu = false;
    this.guestSegments = undefined;
  }
}

/** Per check list: the groups each check read when it last passed, and the groups changed since the list last passed. */
class CheckCache {
  readonly reads: Int32Array;
  pending = MUST_RUN;
  /** `reads` inverted: per group bit, the checks that read it (in order); the checks that always run; the union of the groups read. Rebuilt after a check's reads change. */
  private readonly byGroup: number[][] = [];
  private readonly always: number[] = [];
  private union = 0;
  private indexed = false;

  constructor(readonly checks: readonly EntryCheck[]) {
    this.reads = new Int32Array(checks.length).fill(MUST_RUN);
  }

  /** No input of its checks changed since the list last passed, and none of them must always run: it passes again (and that counts as its pass). */
  passesUnchanged(): boolean {
    if (!this.indexed || this.always.length !== 0 || (this.pending & this.union) !== 0) return false;
    this.pending = 0;
    return true;
  }

  /** The checks `changed` may affect, in list order, when that is a simple case — else undefined: scan the whole list. */
  affected(changed: number): readonly number[] | undefined {
    if (changed === MUST_RUN || !this.indexed) return undefined;
    const bits = changed & this.union;
    if (bits === 0) return this.always;
    if ((bits & (bits - 1)) === 0 && this.always.length === 0) return this.byGroup[31 - Math.clz32(bits)];
    return undefined;
  }

  record(i: number, reads: number): void {
    if (this.reads[i] === reads) return;
    this.reads[i] = reads;
    this.indexed = false;
  }

  reindex(): void {
    if (this.indexed) return;
    this.always.length = 0;
    this.byGroup.length = 0;
    this.union = 0;
    for (let i = 0; i < this.reads.length; i++) {
      const reads = this.reads[i]!;
      if (reads === MUST_RUN) {
        this.always.push(i);
        continue;
      }
      this.union |= reads;
      for (let bits = reads; bits !== 0; bits &= bits - 1) (this.byGroup[31 - Math.clz32(bits & -bits)] ??= []).push(i);
    }
    this.indexed = true;
  }
}

/** The check caches of one VMCS (`Vmcs.entryChecks`). */
export class EntryCheckState {
  private readonly caches: CheckCache[] = [];
  readonly context: RecordingContext;
  /** The processor's EFER.LMA at the last entry (the `processorLma` group changes with it). */
  private lma: boolean | undefined = undefined;

  constructor(private readonly vmcs: Vmcs) {
    this.context = new RecordingContext(vmcs);
  }

  cacheFor(checks: readonly EntryCheck[], lma: boolean): CheckCache {
    if (lma !== this.lma) {
      this.lma = lma;
      this.vmcs.dirty |= Group.processorLma;
    }
    const dirty = this.vmcs.dirty;
    const caches = this.caches;
    if (dirty !== 0) {
      for (let i = 0; i < caches.length; i++) caches[i]!.pending |= dirty;
      this.vmcs.dirty = 0;
    }
    for (let i = 0; i < caches.length; i++) if (caches[i]!.checks === checks) return caches[i]!;
    const cache = new CheckCache(checks);
    this.caches.push(cache);
    return cache;
  }
}

/** The first check of `checks` (in order) that the current VMCS and CPU violate — `firstViolation` without re-running unchanged checks. */
export function firstViolationCached(checks: readonly EntryCheck[], vmcs: Vmcs, cpu: Cpu, controls: Controls, processorLma?: boolean): EntryCheck | undefined {
  const state = (vmcs.entryChecks ??= new EntryCheckState(vmcs));
  const lma = processorLma ?? (cpu.efer & Efer.LMA) !== 0;
  const cache = state.cacheFor(checks, lma);
  if (cache.passesUnchanged()) return undefined;
  const changed = cache.pending;
  const reads = cache.reads;
  const c = state.context;
  c.setup(cpu, controls, lma);
  const order = cache.affected(changed);
  const count = order === undefined ? checks.length : order.length;
  for (let k = 0; k < count; k++) {
    const i = order === undefined ? k : order[k]!;
    const last = reads[i]!;
    if (last !== MUST_RUN && (last & changed) === 0) continue;
    c.begin();
    const check = checks[i]!;
    if (check.violated(c)) {
      cache.record(i, MUST_RUN);
      return check;
    }
    cache.record(i, c.readCpu ? MUST_RUN : c.vmcs.reads);
  }
  cache.pending = 0;
  cache.reindex();
  return undefined;
}
