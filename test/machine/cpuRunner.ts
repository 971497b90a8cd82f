/**
 * A fluent CPU test runner: bytes → set state → run → assert state. Every general-
 * purpose register and flag you do not name in `assertState` must be unchanged.
 *
 *   cpuTest([0x48, 0x01, 0xc8]).setState({ rax: 1n, rcx: 2n }).run(1).assertState({ rax: 3n })
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Machine } from '../../src/machine/machine';
import { GPR_NAMES } from '../../src/machine/cpu/registers';
import { Flag } from '../../src/machine/cpu/flags';
import type { StopReason } from '../../src/machine/stopReason';

export type GprName = (typeof GPR_NAMES)[number];
export type FlagName = 'cf' | 'pf' | 'af' | 'zf' | 'sf' | 'of' | 'df' | 'if' | 'tf';

const FLAG_BITS: Record<FlagName, number> = { cf: Flag.CF, pf: Flag.PF, af: Flag.AF, zf: Flag.ZF, sf: Flag.SF, of: Flag.OF, df: Flag.DF, if: Flag.IF, tf: Flag.TF };

export type State = Partial<Record<GprName, bigint | number>> & {
  rip?: bigint | number;
  rflags?: number;
  flags?: Partial<Record<FlagName, boolean>>;
};

export const IMAGE_BASE = 0x100000;

export class CpuTest {
  readonly machine: Machine;
  private before: bigint[] = [];
  private flagsBefore = 0;
  lastStop: StopReason | undefined;

  private constructor(code: Uint8Array, memoryMB: number) {
    this.machine = new Machine({ memoryMB });
    this.machine.loadBare(code);
    this.snapshot();
  }

  static create(code: Uint8Array | number[], memoryMB = 16): CpuTest {
    return new CpuTest(code instanceof Uint8Array ? code : Uint8Array.from(code), memoryMB);
  }

  get cpu(): Machine['cpu'] {
    return this.machine.cpu;
  }

  private snapshot(): void {
    this.before = GPR_NAMES.map((_, i) => this.cpu.getGpr(i));
    this.flagsBefore = this.cpu.rflags;
  }

  setState(state: State): this {
    const cpu = this.cpu;
    GPR_NAMES.forEach((name, i) => {
      const value = state[name];
      if (value !== undefined) cpu.setGpr(i, BigInt(value));
    });
    if (state.rip !== undefined) cpu.rip = Number(BigInt.asIntN(64, BigInt(state.rip)));
    let flags = state.rflags ?? cpu.rflags;
    for (const [name, on] of Object.entries(state.flags ?? {})) {
      const bit = FLAG_BITS[name as FlagName];
      flags = on ? flags | bit : flags & ~bit;
    }
    cpu.rflags = flags;
    this.snapshot();
    return this;
  }

  poke(address: number, bytes: Uint8Array | number[]): this {
    this.machine.mem.poke(address, bytes instanceof Uint8Array ? bytes : Uint8Array.from(bytes));
    return this;
  }

  /** Runs exactly `count` instructions (or until an earlier stop). */
  run(count: number): this {
    this.lastStop = this.machine.run(count);
    return this;
  }

  /** Runs until the program stops by itself (hlt, exit, fault...). */
  runToStop(maxInstructions = 1_000_000): this {
    this.lastStop = this.machine.run(maxInstructions);
    return this;
  }

  assertStop(reason: StopReason['reason'], detail?: RegExp): this {
    assert.ok(this.lastStop, 'the machine has not run');
    assert.equal(this.lastStop.reason, reason, `stop: ${this.lastStop.reason} — ${this.lastStop.detail}`);
    if (detail) assert.match(this.lastStop.detail, detail);
    return this;
  }

  assertState(expected: State): this {
    const cpu = this.cpu;
    GPR_NAMES.forEach((name, i) => {
      const want = expected[name] !== undefined ? BigInt.asUintN(64, BigInt(expected[name]!)) : this.before[i]!;
      const got = cpu.getGpr(i);
      assert.equal(hex(got), hex(want), `${name}${expected[name] === undefined ? ' (not named: must be unchanged)' : ''}`);
    });
    if (expected.rip !== undefined) assert.equal(hex(BigInt(cpu.rip)), hex(BigInt(expected.rip)), 'rip');
    const flags = cpu.rflags;
    if (expected.rflags !== undefined) assert.equal(hex(BigInt(flags)), hex(BigInt(expected.rflags)), 'rflags');
    else {
      const named = expected.flags ?? {};
      for (const [name, bit] of Object.entries(FLAG_BITS)) {
        const want = name in named ? named[name as FlagName]! : (this.flagsBefore & bit) !== 0;
        assert.equal((flags & bit) !== 0, want, `flag ${name}${name in named ? '' : ' (not named: must be unchanged)'}`);
      }
    }
    return this;
  }

  /** Asserts only the named flags (for instructions that leave others undefined). */
  assertFlags(expected: Partial<Record<FlagName, boolean>>): this {
    const flags = this.cpu.rflags;
    for (const [name, want] of Object.entries(expected)) assert.equal((flags & FLAG_BITS[name as FlagName]) !== 0, want, `flag ${name}`);
    return this;
  }

  assertMemory(address: number, bytes: number[]): this {
    assert.deepEqual(Array.from(this.machine.mem.peek(address, bytes.length)), bytes, `memory at 0x${address.toString(16)}`);
    return this;
  }
}

export function cpuTest(code: Uint8Array | number[], memoryMB?: number): CpuTest {
  return CpuTest.create(code, memoryMB);
}

function hex(value: bigint): string {
  return '0x' + BigInt.asUintN(64, value).toString(16);
}

let nasmAvailable: boolean | undefined;

/** Whether nasm is installed (tests that need it skip visibly otherwise). */
export function hasNasm(): boolean {
  if (nasmAvailable === undefined) {
    try {
      execFileSync('nasm', ['-v'], { stdio: 'ignore' });
      nasmAvailable = true;
    } catch {
      nasmAvailable = false;
    }
  }
  return nasmAvailable;
}

/** Assembles NASM source (bits 64, org 0x100000 prepended) with nasm into a flat image. */
export function nasm(source: string): Uint8Array {
  const dir = mkdtempSync(join(tmpdir(), 'hyperscope-nasm-'));
  writeFileSync(join(dir, 'in.asm'), `bits 64\norg 0x${IMAGE_BASE.toString(16)}\n${source}\n`);
  try {
    execFileSync('nasm', ['-f', 'bin', '-o', join(dir, 'out.bin'), join(dir, 'in.asm')]);
    return new Uint8Array(readFileSync(join(dir, 'out.bin')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
