/**
 * Runs generated sequences in our machine and in Unicorn (test/machine/unicorn_driver.py,
 * one Python process per batch) from identical registers, flags and data, and lists the
 * differences in GPRs, defined flags and the data region.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { Machine } from '../../../src/machine/machine';
import { GPR_NAMES, Seg } from '../../../src/machine/cpu/registers';
import { nasm } from '../cpuRunner';
import { CODE_BASE, DATA_BASE, DATA_SIZE, DF, FS_BASE, GS_BASE, Random, STACK_TOP, type Sequence } from './generator';

export { CODE_BASE };

const PYTHON = '/usr/bin/python3';
const DRIVER = join(__dirname, '..', 'unicorn_driver.py');

export interface Case {
  readonly sequence: Sequence;
  readonly code: Uint8Array;
  readonly regs: bigint[];
  readonly rflags: number;
}

export interface Outcome {
  readonly regs: bigint[];
  readonly rflags: number;
  /** Final data region. */
  readonly data: Uint8Array;
  readonly error: string | undefined;
}

let unicornAvailable: boolean | undefined;

/** Whether /usr/bin/python3 can import unicorn. */
export function hasUnicorn(): boolean {
  if (unicornAvailable === undefined) {
    try {
      execFileSync(PYTHON, ['-c', 'import unicorn'], { stdio: 'ignore' });
      unicornAvailable = true;
    } catch {
      unicornAvailable = false;
    }
  }
  return unicornAvailable;
}

/**
 * Assembles all sequences in one nasm run; returns each sequence's bytes. Each sequence
 * is its own section with vstart = CODE_BASE, so labels and RIP-relative operands are
 * resolved as if it were loaded at CODE_BASE (where both machines run it).
 */
export function assembleAll(sequences: readonly Sequence[]): Uint8Array[] {
  const source: string[] = [];
  sequences.forEach((s, i) => source.push(`section s${i} ${i > 0 ? `follows=s${i - 1} ` : ''}align=1 vstart=0x${CODE_BASE.toString(16)}`, `s${i}:`, ...s.lines, `e${i}:`));
  source.push(`section lengths follows=s${sequences.length - 1} align=1`, ...sequences.map((_, i) => `dd e${i} - s${i}`));
  const image = nasm(source.join('\n'));
  const view = new DataView(image.buffer, image.byteOffset, image.byteLength);
  const table = image.length - sequences.length * 4;
  let offset = 0;
  return sequences.map((_, i) => {
    const length = view.getUint32(table + i * 4, true);
    offset += length;
    return image.slice(offset - length, offset);
  });
}

export function randomState(rng: Random): { regs: bigint[]; rflags: number } {
  const regs = GPR_NAMES.map((_, i) => (i === 4 ? BigInt(STACK_TOP) : rng.u64()));
  const rflags = (rng.int(0x1000) & (0x8d5 | DF)) | 2;
  return { regs, rflags };
}

let shared: Machine | undefined;

/** Runs one case in a reused machine (rebooted per case: cheaper than a new one). */
export function runOurs(c: Case, data: Uint8Array): Outcome {
  const machine = (shared ??= new Machine({ memoryMB: 4 }));
  const image = new Uint8Array(c.code.length + 1);
  image.set(c.code);
  image[c.code.length] = 0xf4; // hlt
  machine.loadBare(image);
  machine.mem.poke(DATA_BASE, data);
  const cpu = machine.cpu;
  cpu.halted = false;
  cpu.attention = 0;
  cpu.segments[Seg.FS]!.base = FS_BASE;
  cpu.segments[Seg.GS]!.base = GS_BASE;
  c.regs.forEach((value, i) => cpu.setGpr(i, value));
  cpu.rflags = c.rflags;
  const stop = machine.run(1_000_000);
  const end = CODE_BASE + c.code.length;
  const error = stop.reason === 'halt' && cpu.rip === end + 1 ? undefined : exceptionOf(stop.reason, stop.detail) ?? `${stop.reason}: ${stop.detail} at rip 0x${cpu.rip.toString(16)}`;
  return { regs: GPR_NAMES.map((_, i) => cpu.getGpr(i)), rflags: cpu.rflags, data: machine.mem.peek(DATA_BASE, DATA_SIZE).slice(), error };
}

const VECTORS: Record<string, number> = { '#DE': 0, '#UD': 6, '#SS': 12, '#GP': 13, '#PF': 14 };

/** With the boot IDT empty, an exception ends in a triple fault whose cause names it first. */
function exceptionOf(reason: string, detail: string): string | undefined {
  const vector = reason === 'triple-fault' ? VECTORS[detail.slice(0, 3)] : undefined;
  return vector === undefined ? undefined : `exception ${vector}`;
}

interface DriverResult {
  regs: string[];
  rflags: number;
  changes: [number, number][];
  error: string | null;
}

export function runUnicorn(cases: readonly Case[], data: Uint8Array): Outcome[] {
  const request = {
    codeBase: CODE_BASE,
    dataBase: DATA_BASE,
    fsBase: FS_BASE,
    gsBase: GS_BASE,
    data: Buffer.from(data).toString('hex'),
    cases: cases.map((c) => ({ code: Buffer.from(c.code).toString('hex'), regs: c.regs.map((r) => r.toString(16)), rflags: c.rflags })),
  };
  const result = spawnSync(PYTHON, [DRIVER], { input: JSON.stringify(request), maxBuffer: 1 << 28, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`unicorn driver failed: ${result.stderr}`);
  const parsed = JSON.parse(result.stdout) as DriverResult[];
  return parsed.map((r) => {
    const final = data.slice();
    for (const [offset, byte] of r.changes) final[offset] = byte;
    return { regs: r.regs.map((h) => BigInt('0x' + h)), rflags: r.rflags, data: final, error: r.error ?? undefined };
  });
}

const hex = (v: bigint | number): string => '0x' + BigInt(v).toString(16);

/** Differences between our outcome and Unicorn's, as readable lines (empty when equal). */
export function compare(c: Case, ours: Outcome, theirs: Outcome): string[] {
  const problems: string[] = [];
  if (ours.error !== theirs.error) problems.push(`stop: ours ${ours.error ?? 'ok'}, unicorn ${theirs.error ?? 'ok'}`);
  GPR_NAMES.forEach((name, i) => {
    if (ours.regs[i] !== theirs.regs[i]) problems.push(`${name}: ours ${hex(ours.regs[i]!)} unicorn ${hex(theirs.regs[i]!)} (initial ${hex(c.regs[i]!)})`);
  });
  // A sequence that stopped at a fault did not run its last templates: compare only the
  // flags that were defined all along.
  const mask = ours.error?.startsWith('exception') ? c.sequence.definedThroughout : c.sequence.definedFlags;
  if (((ours.rflags ^ theirs.rflags) & mask) !== 0) {
    problems.push(`rflags (compared ${hex(mask)}): ours ${hex(ours.rflags)} unicorn ${hex(theirs.rflags)} differ in ${hex((ours.rflags ^ theirs.rflags) & mask)} (initial ${hex(c.rflags)})`);
  }
  for (let i = 0; i < DATA_SIZE; i++) {
    if (ours.data[i] !== theirs.data[i]) {
      problems.push(`memory 0x${(DATA_BASE + i).toString(16)}: ours ${hex(ours.data[i]!)} unicorn ${hex(theirs.data[i]!)}`);
      if (problems.length > 24) break;
    }
  }
  return problems;
}

export function describe(c: Case, problems: string[]): string {
  const initial = GPR_NAMES.map((name, i) => `${name}=${hex(c.regs[i]!)}`).join(' ');
  return [
    `sequence (${c.sequence.templates.join(', ')}):`,
    ...c.sequence.lines.map((l) => '    ' + l),
    `  initial: ${initial} rflags=${hex(c.rflags)}`,
    ...problems.map((p) => '  ' + p),
  ].join('\n');
}
