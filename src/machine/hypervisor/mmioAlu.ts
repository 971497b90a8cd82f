/**
 * Arithmetic on a device register for the MMIO emulator: the read-modify-write forms a
 * driver uses (`or dword [rbx + 0x70], 4`) and the compares (`test byte [...], 1`), with
 * RFLAGS' status flags computed as the processor would (SDM Vol. 1 3.4.3, Vol. 2 ADD/SUB/
 * AND/OR/XOR/CMP/TEST). AF is undefined after the logic instructions; we clear it.
 */
import { Mnemonic } from 'iced-x86';

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

/** CF, PF, AF, ZF, SF, OF. */
export const STATUS_FLAGS = 0x8d5n;

export interface AluResult {
  /** The value written back (undefined for CMP and TEST, which only set flags). */
  readonly value: bigint | undefined;
  /** The six status flags in their RFLAGS positions. */
  readonly flags: bigint;
}

function parityEven(byte: bigint): boolean {
  let bits = Number(byte & 0xffn);
  bits ^= bits >> 4;
  bits ^= bits >> 2;
  bits ^= bits >> 1;
  return (bits & 1) === 0;
}

/** `a op b` on `size`-byte operands (both already masked to the size). */
export function alu(op: AluOp, a: bigint, b: bigint, size: number): AluResult {
  const bits = BigInt(size * 8);
  const mask = (1n << bits) - 1n;
  const sign = 1n << (bits - 1n);
  let result: bigint;
  let cf = false;
  let of = false;
  let af = false;
  switch (op) {
    case 'add':
      result = (a + b) & mask;
      cf = a + b > mask;
      of = ((a ^ result) & (b ^ result) & sign) !== 0n;
      af = ((a ^ b ^ result) & 0x10n) !== 0n;
      break;
    case 'sub':
    case 'cmp':
      result = (a - b) & mask;
      cf = a < b;
      of = ((a ^ b) & (a ^ result) & sign) !== 0n;
      af = ((a ^ b ^ result) & 0x10n) !== 0n;
      break;
    case 'and':
    case 'test':
      result = a & b;
      break;
    case 'or':
      result = a | b;
      break;
    case 'xor':
      result = a ^ b;
      break;
  }
  const flags =
    (cf ? 0x1n : 0n) |
    (parityEven(result) ? 0x4n : 0n) |
    (af ? 0x10n : 0n) |
    (result === 0n ? 0x40n : 0n) |
    ((result & sign) !== 0n ? 0x80n : 0n) |
    (of ? 0x800n : 0n);
  return { value: op === 'cmp' || op === 'test' ? undefined : result, flags };
}
