/**
 * Arithmetic on a device register for the MMIO emulator: the read-modify-write forms a
 * driver uses (`or dword [rbx + 0x70], 4`) and the compares (`test byte [...], 1`), with
 * RFLAGS' status flags computed as the processor would (SDM Vol. 1 3.4.3, Vol. 2 ADD/SUB/
 * AND/OR/XOR/CMP/TEST) by the CPU's own lazy-flag code (cpu/flags.ts), which clears AF
 * after the logic instructions (undefined there).
 */
import { Mnemonic } from 'iced-x86';
import { LazyFlags, LazyOp, lazyArithFlags } from '../cpu/flags';

export type AluOp = 'add' | 'sub' | 'and' | 'or' | 'xor' | 'cmp' | 'test';

export const ALU_OPS: ReadonlyMap<number, AluOp> = new Map([
  [Mnemonic.Add, 'add'],
  [Mnemonic.Sub, 'sub'],
  [Mnemonic.And, 'and'],
  [Mnemonic.Or, 'or'],
  [Mnemonic.Xor, 'xor'],
  [Mnemonic.Cmp, 'cmp'],
  [Mnemonic.Test, 'test'],
]);

export interface AluResult {
  /** The value written back (undefined for CMP and TEST, which only set flags). */
  readonly value: bigint | undefined;
  /** The six status flags in their RFLAGS positions (the CPU's own lazy-flag rules). */
  readonly flags: bigint;
}

const LAZY_OPS: Readonly<Record<AluOp, LazyOp>> = {
  add: LazyOp.Add,
  sub: LazyOp.Sub,
  cmp: LazyOp.Sub,
  and: LazyOp.Logic,
  or: LazyOp.Logic,
  xor: LazyOp.Logic,
  test: LazyOp.Logic,
};

const RESULTS: Readonly<Record<AluOp, (a: bigint, b: bigint) => bigint>> = {
  add: (a, b) => a + b,
  sub: (a, b) => a - b,
  cmp: (a, b) => a - b,
  and: (a, b) => a & b,
  or: (a, b) => a | b,
  xor: (a, b) => a ^ b,
  test: (a, b) => a & b,
};

/** `a op b` on `size`-byte operands (both already masked to the size). */
export function alu(op: AluOp, a: bigint, b: bigint, size: number): AluResult {
  const result = BigInt.asUintN(size * 8, RESULTS[op](a, b));
  const lazy = new LazyFlags();
  lazy.op = LAZY_OPS[op];
  lazy.size = size * 8;
  [lazy.dstLo, lazy.dstHi] = halves(a);
  [lazy.srcLo, lazy.srcHi] = halves(b);
  [lazy.resLo, lazy.resHi] = halves(result);
  return { value: op === 'cmp' || op === 'test' ? undefined : result, flags: BigInt(lazyArithFlags(lazy)) };
}

function halves(value: bigint): [number, number] {
  return [Number(value & 0xffffffffn), Number(value >> 32n)];
}
