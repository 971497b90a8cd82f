// Data breakpoints on guest memory: read, write or read/write watchpoints on a range named
// by a guest-virtual, guest-physical or host-physical address (`gva:0x1000:8`). They run
// on the machine's watch seam (machine/debug/watchpoints.ts): the watched host-physical
// bytes are checked on the memory access path only for watched pages, so the machine runs
// at full speed elsewhere. Any access of the right kind stops (a write of the same value
// too), after the instruction, with the address, size, kind, old and new value and the
// instruction. gva and gpa ranges are translated again whenever translations may have
// changed (the CPU's code generation moves on CR3 loads, TLB flushes and code writes).
import type { DebugProtocol } from '@vscode/debugprotocol';
import type { Machine } from '../machine/machine';
import { Watchpoints, type WatchHit, type WatchRange } from '../machine/debug/watchpoints';
import type { DebugMemory } from './memory';
import { evaluateNode, parseExpression, ExpressionError, type EvalContext, type ExprNode } from './expression';
import { hitMatches, parseHitCondition, type HitCondition } from './breakpoints';
import { bigIntToLinear } from '../machine/cpu/state';
import type { AddressSpace } from '../protocol/dap';
import type { RuntimeStop, DataWatcher, HitCounts, ReverseCandidate } from './runtimeTypes';
import { hex64 } from './format';

const MAX_BYTES = 64;
const PAGE = 4096;
const ACCESS_TYPES: readonly DebugProtocol.DataBreakpointAccessType[] = ['write', 'read', 'readWrite'];

interface Watch {
  readonly id: number;
  readonly space: AddressSpace;
  readonly address: number;
  readonly size: number;
  readonly access: DebugProtocol.DataBreakpointAccessType;
  readonly condition: ExprNode | undefined;
  readonly hit: HitCondition | undefined;
  hits: number;
}

/** `gva:0x1000:8`, `gpa:0x2000:4`, `hpa:…` → a range; undefined if malformed. */
export function parseDataId(dataId: string): { space: AddressSpace; address: number; size: number } | undefined {
  const match = /^(gva|gpa|hpa):(0x[0-9a-f]+):(\d+)$/i.exec(dataId);
  if (!match) return undefined;
  const space = match[1]!.toLowerCase() as AddressSpace;
  const value = BigInt(match[2]!);
  const size = Number(match[3]);
  if (size < 1 || size > MAX_BYTES) return undefined;
  if (space === 'gva') {
    const linear = bigIntToLinear(value);
    return linear === undefined ? undefined : { space, address: linear, size };
  }
  return value < 1n << 52n ? { space, address: Number(value), size } : undefined;
}

function le(value: number, size: number): string {
  return hex64(BigInt(value >>> 0) & ((1n << BigInt(size * 8)) - 1n));
}

export class DataWatches implements DataWatcher, HitCounts {
  private watches: Watch[] = [];
  private nextId = 100_000;
  private seam: Watchpoints | undefined;
  private seamMachine: Machine | undefined;
  /** The CPU's code generation when the ranges were last translated. */
  private generation = -1;
  /** Describes the instruction at a RIP (set by the session: the disassembler). */
  describeInstruction: (rip: number) => string = (rip) => hex64(rip);

  constructor(
    private readonly machine: () => Machine | undefined,
    private readonly memory: () => DebugMemory | undefined,
    private readonly context: () => EvalContext,
    /** While true, the seam records nothing (replaying history). */
    private readonly muted: () => boolean = () => false,
  ) {}

  get active(): boolean {
    return this.watches.length > 0;
  }

  /** What `name` (an expression: `value`, `[rsp+8]`, `byte [x]`, an address with `asAddress`, or `gpa:0x…`/`hpa:0x…`) would watch. */
  info(args: DebugProtocol.DataBreakpointInfoArguments): DebugProtocol.DataBreakpointInfoResponse['body'] {
    if (args.variablesReference !== undefined && args.variablesReference !== 0) return { dataId: null, description: 'registers cannot be watched; watch memory with an expression such as [rsp] or a label' };
    const physical = /^\s*(gpa|hpa):\s*(\S+)\s*$/i.exec(args.name);
    try {
      const space: AddressSpace = physical ? (physical[1]!.toLowerCase() as AddressSpace) : 'gva';
      const node = parseExpression(physical ? physical[2]! : args.name);
      const memory = node.kind === 'memory' && !args.asAddress && !physical;
      const address = evaluateNode(memory ? node.address : node, this.context());
      const size = args.bytes ?? (memory ? node.size : 8);
      if (size < 1 || size > MAX_BYTES) return { dataId: null, description: `can watch 1 to ${MAX_BYTES} bytes, not ${size}` };
      if (space === 'gva' && bigIntToLinear(address) === undefined) return { dataId: null, description: `${hex64(address)} is not a canonical address` };
      if (space !== 'gva' && (address < 0n || address >= 1n << 52n)) return { dataId: null, description: `${hex64(address)} is not a physical address` };
      const where = space === 'gva' ? hex64(address) : `${space} ${hex64(address)}`;
      return { dataId: `${space}:${hex64(address)}:${size}`, description: `${size} byte${size === 1 ? '' : 's'} at ${where}`, accessTypes: [...ACCESS_TYPES], canPersist: true };
    } catch (e) {
      if (e instanceof ExpressionError) return { dataId: null, description: e.message };
      throw e;
    }
  }

  set(breakpoints: DebugProtocol.DataBreakpoint[]): DebugProtocol.Breakpoint[] {
    this.watches = [];
    const results = breakpoints.map((bp): DebugProtocol.Breakpoint => {
      const id = this.nextId++;
      const range = parseDataId(bp.dataId);
      if (!range) return { id, verified: false, message: `'${bp.dataId}' is not a data breakpoint id from dataBreakpointInfo` };
      const access = bp.accessType ?? 'write';
      if (!ACCESS_TYPES.includes(access)) return { id, verified: false, message: `access type '${String(access)}' is not one of ${ACCESS_TYPES.join(', ')}` };
      try {
        const condition = bp.condition?.trim() ? parseExpression(bp.condition) : undefined;
        const hit = bp.hitCondition?.trim() ? parseHitCondition(bp.hitCondition) : undefined;
        this.watches.push({ id, ...range, access, condition, hit, hits: 0 });
        const what = access === 'readWrite' ? 'reads and writes of' : `${access}s of`;
        return { id, verified: true, message: `stops on ${what} ${range.size} byte${range.size === 1 ? '' : 's'} at ${range.space === 'gva' ? '' : range.space + ' '}${hex64(range.address)}` };
      } catch (e) {
        if (!(e instanceof ExpressionError)) throw e;
        return { id, verified: false, message: e.message };
      }
    });
    this.install();
    return results;
  }

  /** Translates the watches again (after the debugger wrote memory, travelled in time, or restarted); `resetHits` for a new program. */
  resync(resetHits: boolean): void {
    if (resetHits) for (const watch of this.watches) watch.hits = 0;
    this.install();
  }

  /** Before running: re-translates when translations may have changed since the last time. */
  refresh(): void {
    const machine = this.machine();
    if (!machine || (this.seamMachine === machine && machine.cpu.codeGeneration === this.generation)) return;
    this.install();
  }

  /** Host-physical pieces of every watch (pages that do not translate now are left out until they do). */
  private install(): void {
    const machine = this.machine();
    const memory = this.memory();
    if (!machine || !memory) return;
    if (this.seamMachine !== machine) {
      this.seam?.set([]);
      this.seam = new Watchpoints(machine.mem, machine.cpu, this.muted);
      this.seamMachine = machine;
    }
    const ranges: WatchRange[] = [];
    for (const watch of this.watches) {
      const read = watch.access !== 'write';
      const write = watch.access !== 'read';
      for (let at = watch.address; at < watch.address + watch.size; ) {
        const chunk = Math.min(watch.address + watch.size - at, PAGE - (((at % PAGE) + PAGE) % PAGE));
        const host = memory.toHost(watch.space, at);
        if (host !== undefined) ranges.push({ id: watch.id, physical: host, size: chunk, read, write });
        at += chunk;
      }
    }
    this.seam!.set(ranges);
    this.generation = machine.cpu.codeGeneration;
  }

  /** Drops hits seen while hidden code ran. */
  discard(): void {
    this.seam?.take();
  }

  /** The machine stopped on a watchpoint: the stop to report (conditions and hit counts applied), or undefined to run on. */
  onWatchpoint(): RuntimeStop | undefined {
    let stop: RuntimeStop | undefined;
    for (const candidate of this.observe()) {
      const watch = this.watches.find((w) => w.id === candidate.id)!;
      if (candidate.counts) watch.hits++;
      if (candidate.counts && !candidate.matches(watch.hits)) continue;
      const text = candidate.description!.replace(/^data breakpoint: /, '');
      if (!stop) stop = { reason: 'data breakpoint', description: `data breakpoint: ${text}`, hitBreakpointIds: [] };
      else stop.description += `; ${text}`;
      stop.hitBreakpointIds!.push(watch.id);
    }
    return stop;
  }

  /** The watches a 'watchpoint' stop hit whose conditions hold now (hits not counted), with what the stop says. */
  observe(): ReverseCandidate[] {
    const hits = this.seam?.take() ?? [];
    const machine = this.machine();
    if (!machine) return [];
    const out: ReverseCandidate[] = [];
    for (const watch of this.watches) {
      const mine = hits.filter((h) => h.id === watch.id);
      if (mine.length === 0) continue;
      let counts = true;
      try {
        if (watch.condition && evaluateNode(watch.condition, this.context()) === 0n) continue;
      } catch {
        counts = false; // a failing condition stops, like a code breakpoint's
      }
      const hit = watch.hit;
      out.push({ id: watch.id, reason: 'data breakpoint', counts, matches: (n) => !hit || hitMatches(hit, n), description: `data breakpoint: ${this.describe(watch, mine, machine)}` });
    }
    return out;
  }

  hitCount(id: number): number {
    return this.watches.find((w) => w.id === id)?.hits ?? 0;
  }

  setHitCount(id: number, hits: number): void {
    const watch = this.watches.find((w) => w.id === id);
    if (watch) watch.hits = Math.max(0, hits);
  }

  /** `write of 8 bytes at 0x100200 (hpa 0x1100200): 0x5 → 0x6 by mov … at 0x100080`, merging the 4-byte pieces of one access. */
  private describe(watch: Watch, hits: WatchHit[], machine: Machine): string {
    const first = hits.find((h) => h.access === 'write') ?? hits[0]!;
    const pieces = hits.filter((h) => h.access === first.access);
    const start = Math.min(...pieces.map((h) => h.physical));
    const end = Math.max(...pieces.map((h) => h.physical + h.size));
    const size = end - start;
    let value = 0n;
    let before: bigint | undefined = 0n;
    for (const h of [...pieces].sort((a, b) => b.physical - a.physical)) {
      value = (value << BigInt(h.size * 8)) | BigInt(le(h.value, h.size));
      before = before === undefined || h.before === undefined ? undefined : (before << BigInt(h.size * 8)) | BigInt(le(h.before, h.size));
    }
    const linear = pieces.find((h) => h.physical === start)?.linear;
    const where = linear !== undefined ? `${hex64(linear)} (hpa ${hex64(start)})` : `hpa ${hex64(start)}`;
    const values = first.access === 'write' ? `${before === undefined ? '?' : hex64(before)} → ${hex64(value)}` : `value ${hex64(value)}`;
    const rip = machine.loop.lastInstructionRip;
    const label = `${watch.space === 'gva' ? '' : watch.space + ' '}${hex64(watch.address)}`;
    return `${first.access} of ${size} byte${size === 1 ? '' : 's'} at ${where}: ${values} by ${this.describeInstruction(rip)} (watching ${watch.size} at ${label})`;
  }
}
