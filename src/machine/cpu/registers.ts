/**
 * General-purpose register numbering (the x86 encoding order) and the mapping from
 * iced-x86's `Register` enum to (index, size, high-byte) triples.
 */
import { Register } from 'iced-x86';

export const Reg = {
  RAX: 0,
  RCX: 1,
  RDX: 2,
  RBX: 3,
  RSP: 4,
  RBP: 5,
  RSI: 6,
  RDI: 7,
  R8: 8,
  R9: 9,
  R10: 10,
  R11: 11,
  R12: 12,
  R13: 13,
  R14: 14,
  R15: 15,
} as const;

export const GPR_NAMES = ['rax', 'rcx', 'rdx', 'rbx', 'rsp', 'rbp', 'rsi', 'rdi', 'r8', 'r9', 'r10', 'r11', 'r12', 'r13', 'r14', 'r15'] as const;

/** Segment register numbering (encoding order). */
export const Seg = { ES: 0, CS: 1, SS: 2, DS: 3, FS: 4, GS: 5 } as const;
export const SEGMENT_NAMES = ['es', 'cs', 'ss', 'ds', 'fs', 'gs'] as const;

export interface GprRef {
  readonly index: number;
  /** Size in bytes: 1, 2, 4 or 8. */
  readonly size: number;
  /** AH, CH, DH or BH: bits 15:8 of the register. */
  readonly high8: boolean;
}

const gprByIced = new Map<number, GprRef>();
const segByIced = new Map<number, number>();
const crByIced = new Map<number, number>();
const drByIced = new Map<number, number>();

function enumValue(name: string): number | undefined {
  return (Register as unknown as Record<string, number>)[name];
}

function define(name: string, ref: GprRef): void {
  const value = enumValue(name);
  if (value !== undefined) gprByIced.set(value, ref);
}

const low8 = ['AL', 'CL', 'DL', 'BL', 'SPL', 'BPL', 'SIL', 'DIL'];
const word = ['AX', 'CX', 'DX', 'BX', 'SP', 'BP', 'SI', 'DI'];
for (let i = 0; i < 16; i++) {
  const n = i - 8;
  define(i < 8 ? low8[i]! : `R${i}L`, { index: i, size: 1, high8: false });
  define(i < 8 ? word[i]! : `R${i}W`, { index: i, size: 2, high8: false });
  define(i < 8 ? `E${word[i]!}` : `R${i}D`, { index: i, size: 4, high8: false });
  define(i < 8 ? `R${word[i]!}` : `R${i}`, { index: i, size: 8, high8: false });
  void n;
}
['AH', 'CH', 'DH', 'BH'].forEach((name, i) => define(name, { index: i, size: 1, high8: true }));
['ES', 'CS', 'SS', 'DS', 'FS', 'GS'].forEach((name, i) => segByIced.set(enumValue(name)!, i));
for (let i = 0; i < 16; i++) {
  const cr = enumValue(`CR${i}`);
  if (cr !== undefined) crByIced.set(cr, i);
  const dr = enumValue(`DR${i}`);
  if (dr !== undefined) drByIced.set(dr, i);
}

export function gprOf(register: number): GprRef | undefined {
  return gprByIced.get(register);
}

export function segmentOf(register: number): number | undefined {
  return segByIced.get(register);
}

export function controlRegisterOf(register: number): number | undefined {
  return crByIced.get(register);
}

export function debugRegisterOf(register: number): number | undefined {
  return drByIced.get(register);
}

export const RIP_REGISTER = Register.RIP;
export const EIP_REGISTER = Register.EIP;
