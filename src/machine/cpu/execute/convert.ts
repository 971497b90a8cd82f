/**
 * Conversions: sign extension of the accumulator (cbw/cwde/cdqe, cwd/cdq/cqo), byte
 * swap (bswap r32/r64; r16 is undefined in the SDM and clears the word, as hardware
 * does) and table translation (xlat: AL = [rBX + AL]). No flags change.
 */
import { Mnemonic } from 'iced-x86';
import type { Factory } from '../compile';
import { OperandKind } from '../decoded';
import { effectiveAddress } from '../operands';

const cbw: Factory = () => (cpu) => {
  cpu.lo[0] = (cpu.lo[0]! & 0xffff0000) | (((cpu.lo[0]! << 24) >> 24) & 0xffff);
};

const cwde: Factory = () => (cpu) => {
  cpu.lo[0] = ((cpu.lo[0]! << 16) >> 16) >>> 0;
  cpu.hi[0] = 0;
};

const cdqe: Factory = () => (cpu) => {
  cpu.hi[0] = cpu.lo[0]! >>> 31 ? 0xffffffff : 0;
};

const cwd: Factory = () => (cpu) => {
  cpu.lo[2] = (cpu.lo[2]! & 0xffff0000) | (cpu.lo[0]! & 0x8000 ? 0xffff : 0);
};

const cdq: Factory = () => (cpu) => {
  cpu.lo[2] = cpu.lo[0]! >>> 31 ? 0xffffffff : 0;
  cpu.hi[2] = 0;
};

const cqo: Factory = () => (cpu) => {
  const sign = cpu.hi[0]! >>> 31 ? 0xffffffff : 0;
  cpu.lo[2] = sign;
  cpu.hi[2] = sign;
};

function swap32(value: number): number {
  return ((value >>> 24) | ((value >>> 8) & 0xff00) | ((value & 0xff00) << 8) | (value << 24)) >>> 0;
}

const bswap: Factory = (d) => {
  const op = d.operands[0];
  if (op?.kind !== OperandKind.Register) return undefined;
  const r = op.reg!.index;
  switch (op.size) {
    case 8:
      return (cpu) => {
        const lo = cpu.lo[r]!;
        cpu.lo[r] = swap32(cpu.hi[r]!);
        cpu.hi[r] = swap32(lo);
      };
    case 4:
      return (cpu) => {
        cpu.lo[r] = swap32(cpu.lo[r]!);
        cpu.hi[r] = 0;
      };
    default:
      return (cpu) => {
        cpu.lo[r] = cpu.lo[r]! & 0xffff0000;
      };
  }
};

const xlat: Factory = (d) => {
  const mem = d.operands[0]?.mem;
  if (!mem?.base) return undefined;
  // iced describes the operand as [rBX + AL]; the index is AL zero-extended, not RAX.
  const table = { ...mem, index: undefined, scale: 1 };
  return (cpu) => {
    const base = effectiveAddress(cpu, table);
    const address = mem.addressSize === 4 ? (base + (cpu.lo[0]! & 0xff)) % 4294967296 : base + (cpu.lo[0]! & 0xff);
    const value = cpu.read8(address);
    cpu.lo[0] = (cpu.lo[0]! & 0xffffff00) | value;
  };
};

export const convertHandlers: [number, Factory][] = [
  [Mnemonic.Cbw, cbw],
  [Mnemonic.Cwde, cwde],
  [Mnemonic.Cdqe, cdqe],
  [Mnemonic.Cwd, cwd],
  [Mnemonic.Cdq, cdq],
  [Mnemonic.Cqo, cqo],
  [Mnemonic.Bswap, bswap],
  [Mnemonic.Xlatb, xlat],
];
