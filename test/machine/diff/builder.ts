/**
 * Building blocks of the differential test's random sequences: the memory layout both
 * machines share, flag masks, a seeded PRNG, and `Builder`, which picks registers,
 * memory operands and immediates in NASM syntax.
 */
import { mulberry32 } from '../../support/random';

/** Where every sequence runs (in our machine and in Unicorn). */
export const CODE_BASE = 0x100000;
export const DATA_BASE = 0x200000;
/** Bytes of the data region; the stack lives in its top quarter. */
export const DATA_SIZE = 0x4000;
export const STACK_TOP = DATA_BASE + 0x3800;
/** FS and GS bases set in both machines: fs:/gs: operands reach the data region through them. */
export const FS_BASE = 0x100000;
export const GS_BASE = 0x300000;

export const CF = 0x1;
export const PF = 0x4;
export const AF = 0x10;
export const ZF = 0x40;
export const SF = 0x80;
export const OF = 0x800;
export const DF = 0x400;
export const ALL6 = CF | PF | AF | ZF | SF | OF;

export interface Emitted {
  lines: string[];
  defines: number;
  undefines: number;
  reads: number;
}

/** A seeded PRNG (mulberry32) shared by all sequences of a run, with the draws the templates use. */
export class Random {
  /** The next number in [0, 1). */
  readonly next: () => number;
  constructor(seed: number) {
    this.next = mulberry32(seed);
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  range(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  u64(): bigint {
    const special = [0n, 1n, 0xffffffffffffffffn, 0x8000000000000000n, 0x7fffffffffffffffn, 0x80000000n, 0xffffffffn, 0x80n, 0xffn, 0x8000n];
    if (this.chance(0.15)) return this.pick(special);
    return (BigInt(Math.floor(this.next() * 4294967296)) << 32n) | BigInt(Math.floor(this.next() * 4294967296));
  }
  hex32(): string {
    return '0x' + Math.floor(this.next() * 4294967296).toString(16);
  }
}

const R64 = ['rax', 'rcx', 'rdx', 'rbx', 'rsp', 'rbp', 'rsi', 'rdi', 'r8', 'r9', 'r10', 'r11', 'r12', 'r13', 'r14', 'r15'];
const R32 = ['eax', 'ecx', 'edx', 'ebx', 'esp', 'ebp', 'esi', 'edi', 'r8d', 'r9d', 'r10d', 'r11d', 'r12d', 'r13d', 'r14d', 'r15d'];
const R16 = ['ax', 'cx', 'dx', 'bx', 'sp', 'bp', 'si', 'di', 'r8w', 'r9w', 'r10w', 'r11w', 'r12w', 'r13w', 'r14w', 'r15w'];
const R8 = ['al', 'cl', 'dl', 'bl', 'spl', 'bpl', 'sil', 'dil', 'r8b', 'r9b', 'r10b', 'r11b', 'r12b', 'r13b', 'r14b', 'r15b'];
const HIGH8 = ['al', 'cl', 'dl', 'bl', 'ah', 'ch', 'dh', 'bh'];
export const SIZE_NAMES: Record<number, string> = { 1: 'byte', 2: 'word', 4: 'dword', 8: 'qword' };
export const CONDITIONS = ['o', 'no', 'b', 'ae', 'e', 'ne', 'be', 'a', 's', 'ns', 'p', 'np', 'l', 'ge', 'le', 'g'];
export const CONDITION_READS: Record<string, number> = { o: OF, no: OF, b: CF, ae: CF, e: ZF, ne: ZF, be: CF | ZF, a: CF | ZF, s: SF, ns: SF, p: PF, np: PF, l: SF | OF, ge: SF | OF, le: ZF | SF | OF, g: ZF | SF | OF };

/** Register indexes a template may overwrite: all but RSP. */
export const WRITABLE = [0, 1, 2, 3, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15];

export function regName(index: number, size: number): string {
  return (size === 8 ? R64 : size === 4 ? R32 : size === 2 ? R16 : R8)[index]!;
}

/** Labels are unique across all sequences of a run (they are assembled in one file). */
let labelCounter = 0;

export class Builder {
  constructor(readonly rng: Random) {}

  label(): string {
    return `L${labelCounter++}`;
  }

  size(): number {
    return this.rng.pick([1, 2, 4, 8]);
  }

  /** A random register of `size` bytes (8-bit: sometimes from the AH..BH set, then returned as such). */
  reg(size: number, avoid: number[] = [], high = false): string {
    if (size === 1 && high) return this.rng.pick(HIGH8.filter((_, i) => !avoid.includes(i < 4 ? i : i - 4)));
    const pool = WRITABLE.filter((i) => !avoid.includes(i));
    return regName(this.rng.pick(pool), size);
  }

  /** A memory operand in the data region (absolute, RIP-relative or FS/GS-based), sometimes crossing a page. */
  mem(size: number, ripRelative = true): string {
    const offset = this.rng.chance(0.1) ? 0x1000 - this.rng.range(1, size) : this.rng.range(0, 0x2f00);
    // `$$` is the sequence's own section, which starts at CODE_BASE (see assembleAll)
    const form = this.rng.next();
    if (ripRelative && form < 0.2) return `${SIZE_NAMES[size]} [rel $$ + 0x${(DATA_BASE + offset - CODE_BASE).toString(16)}]`;
    if (form > 0.9) {
      const [segment, base] = this.rng.chance(0.5) ? ['fs', FS_BASE] : ['gs', GS_BASE];
      return `${SIZE_NAMES[size]} [${segment}:abs ${DATA_BASE + offset - base}]`;
    }
    return `${SIZE_NAMES[size]} [abs 0x${(DATA_BASE + offset).toString(16)}]`;
  }

  /** An immediate for a `size`-byte operation (64-bit: a sign-extended imm32 unless `full`). */
  imm(size: number, full = false): string {
    const v = this.rng.u64();
    if (size === 8 && full) return '0x' + v.toString(16);
    if (size === 8) return BigInt.asIntN(32, v).toString();
    return '0x' + (v & ((1n << BigInt(size * 8)) - 1n)).toString(16);
  }

  /** A register or memory operand; with 8-bit size sometimes the legacy high-byte set. */
  rm(size: number, high: boolean): string {
    return this.rng.chance(0.3) ? this.mem(size) : this.reg(size, [], high);
  }
}

export type Template = (b: Builder) => Emitted;

export const emit = (lines: string[], defines = 0, undefines = 0, reads = 0): Emitted => ({ lines, defines, undefines, reads });
