// Data breakpoints on guest memory as software watchpoints: while any is set, the runtime
// executes one instruction at a time and compares the watched bytes after each, stopping
// when they change (a write that changes the value; reads and same-value writes are not
// seen — the machine has no access hook). Each watch is a guest-virtual range whose
// host-physical address is re-translated whenever the mappings may have changed.
import type { DebugProtocol } from '@vscode/debugprotocol';
import type { Machine } from '../machine/machine';
import type { DebugMemory } from './memory';
import { evaluateNode, parseExpression, ExpressionError, type EvalContext, type ExprNode } from './expression';
import { hitMatches, parseHitCondition, type HitCondition } from './breakpoints';
import { bigIntToLinear } from '../machine/cpu/state';
import type { RuntimeStop } from './runtime';
import { hex64 } from './format';

const MAX_BYTES = 64;

interface Watch {
  readonly id: number;
  readonly linear: number;
  readonly size: number;
  readonly condition: ExprNode | undefined;
  readonly hit: HitCondition | undefined;
  hits: number;
  /** Bytes as last seen (undefined while unmapped). */
  last: Uint8Array | undefined;
  /** Host-physical address of each byte, valid for `generation`. */
  hosts: (number | undefined)[];
  generation: number;
}

/** `gva:0x1000:8` → a range; undefined if malformed. */
export function parseDataId(dataId: string): { linear: number; size: number } | undefined {
  const match = /^gva:(0x[0-9a-f]+):(\d+)$/i.exec(dataId);
  if (!match) return undefined;
  const linear = bigIntToLinear(BigInt(match[1]!));
  const size = Number(match[2]);
  return linear === undefined || size < 1 || size > MAX_BYTES ? undefined : { linear, size };
}

export class DataWatches {
  private watches: Watch[] = [];
  private nextId = 100_000;

  constructor(
    private readonly machine: () => Machine | undefined,
    private readonly memory: () => DebugMemory | undefined,
    private readonly context: () => EvalContext,
  ) {}

  get active(): boolean {
    return this.watches.length > 0;
  }

  /** What `name` (an expression: `value`, `[rsp+8]`, `byte [x]`, or an address with `asAddress`) would watch. */
  info(args: DebugProtocol.DataBreakpointInfoArguments): DebugProtocol.DataBreakpointInfoResponse['body'] {
    if (args.variablesReference !== undefined && args.variablesReference !== 0) return { dataId: null, description: 'registers cannot be watched; watch memory with an expression such as [rsp] or a label' };
    try {
      const node = parseExpression(args.name);
      const address = node.kind === 'memory' && !args.asAddress ? evaluateNode(node.address, this.context()) : evaluateNode(node, this.context());
      const size = args.bytes ?? (node.kind === 'memory' && !args.asAddress ? node.size : 8);
      if (size < 1 || size > MAX_BYTES) return { dataId: null, description: `can watch 1 to ${MAX_BYTES} bytes, not ${size}` };
      if (bigIntToLinear(address) === undefined) return { dataId: null, description: `${hex64(address)} is not a canonical address` };
      return { dataId: `gva:${hex64(address)}:${size}`, description: `${size} byte${size === 1 ? '' : 's'} at ${hex64(address)} (stops when the value changes)`, accessTypes: ['write'], canPersist: true };
    } catch (e) {
      if (e instanceof ExpressionError) return { dataId: null, description: e.message };
      throw e;
    }
  }

  set(breakpoints: DebugProtocol.DataBreakpoint[]): DebugProtocol.Breakpoint[] {
    this.watches = [];
    return breakpoints.map((bp) => {
      const id = this.nextId++;
      const range = parseDataId(bp.dataId);
      if (!range) return { id, verified: false, message: `'${bp.dataId}' is not a data breakpoint id from dataBreakpointInfo` };
      if (bp.accessType !== undefined && bp.accessType !== 'write') return { id, verified: false, message: `only write watchpoints (value changes) are supported, not '${bp.accessType}'` };
      try {
        const condition = bp.condition?.trim() ? parseExpression(bp.condition) : undefined;
        const hit = bp.hitCondition?.trim() ? parseHitCondition(bp.hitCondition) : undefined;
        const watch: Watch = { id, ...range, condition, hit, hits: 0, last: undefined, hosts: [], generation: -1 };
        watch.last = this.read(watch);
        this.watches.push(watch);
        return { id, verified: true, message: `watching ${range.size} byte${range.size === 1 ? '' : 's'} at ${hex64(range.linear)}` };
      } catch (e) {
        if (!(e instanceof ExpressionError)) throw e;
        return { id, verified: false, message: e.message };
      }
    });
  }

  /** Re-reads every watched value (after the debugger wrote memory, travelled in time, or restarted). */
  resync(resetHits: boolean): void {
    for (const watch of this.watches) {
      watch.generation = -1;
      watch.last = this.read(watch);
      if (resetHits) watch.hits = 0;
    }
  }

  private read(watch: Watch): Uint8Array | undefined {
    const machine = this.machine();
    const memory = this.memory();
    if (!machine || !memory) return undefined;
    const generation = machine.cpu.codeGeneration;
    if (watch.generation !== generation) {
      watch.hosts = Array.from({ length: watch.size }, (_, i) => memory.toHost('gva', watch.linear + i));
      watch.generation = generation;
    }
    const out = new Uint8Array(watch.size);
    const ram = machine.mem.ram;
    for (let i = 0; i < watch.size; i++) {
      const host = watch.hosts[i];
      if (host === undefined || host >= ram.length) return undefined;
      out[i] = ram[host]!;
    }
    return out;
  }

  /** After each instruction: a stop if a watched value changed and its conditions hold. */
  check(): RuntimeStop | undefined {
    let stop: RuntimeStop | undefined;
    for (const watch of this.watches) {
      const now = this.read(watch);
      const before = watch.last;
      if (now === before || (now && before && now.every((b, i) => b === before[i]))) continue;
      watch.last = now;
      try {
        if (watch.condition && evaluateNode(watch.condition, this.context()) === 0n) continue;
      } catch {
        // a failing condition stops, like a code breakpoint's
      }
      watch.hits++;
      if (watch.hit && !hitMatches(watch.hit, watch.hits)) continue;
      const value = now ? hex64(now.reduceRight((v, b) => (v << 8n) | BigInt(b), 0n)) : 'unmapped';
      const text = `${hex64(watch.linear)} changed to ${value}`;
      if (!stop) stop = { reason: 'data breakpoint', description: `data breakpoint: ${text}`, hitBreakpointIds: [] };
      stop.hitBreakpointIds!.push(watch.id);
    }
    return stop;
  }
}
