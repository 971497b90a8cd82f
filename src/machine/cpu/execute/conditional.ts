/**
 * setcc (r/m8 := condition) and cmovcc. A memory source of cmovcc is always read (it can
 * fault even when the condition is false), and a 32-bit cmovcc zero-extends its
 * destination even when the move is not taken.
 */
import { Mnemonic } from 'iced-x86';
import type { Factory } from '../compile';
import { conditionPredicate } from '../conditions';
import { OperandKind } from '../decoded';
import { effectiveAddress, readOperand } from '../operands';

const CONDITIONS = ['o', 'no', 'b', 'ae', 'e', 'ne', 'be', 'a', 's', 'ns', 'p', 'np', 'l', 'ge', 'le', 'g'];

function mnemonicOf(prefix: string, condition: string): number {
  const name = prefix + condition;
  const value = (Mnemonic as unknown as Record<string, number>)[name];
  if (value === undefined) throw new Error(`iced-x86 has no mnemonic ${name}`);
  return value;
}

const setcc: Factory = (d) => {
  const dst = d.operands[0];
  if (!dst) return undefined;
  const taken = conditionPredicate(d.condition);
  if (dst.kind === OperandKind.Register) {
    const ref = dst.reg!;
    return (cpu) => cpu.writeReg(ref, taken(cpu) ? 1 : 0, 0);
  }
  if (dst.kind !== OperandKind.Memory) return undefined;
  const mem = dst.mem!;
  return (cpu) => cpu.write8(effectiveAddress(cpu, mem), taken(cpu) ? 1 : 0);
};

const cmovcc: Factory = (d) => {
  const [dst, src] = d.operands;
  if (dst?.kind !== OperandKind.Register || !src) return undefined;
  const taken = conditionPredicate(d.condition);
  const size = dst.size;
  const r = dst.reg!.index;
  if (src.kind === OperandKind.Register && size >= 4) {
    const s = src.reg!.index;
    if (size === 8) {
      return (cpu) => {
        if (!taken(cpu)) return;
        cpu.lo[r] = cpu.lo[s]!;
        cpu.hi[r] = cpu.hi[s]!;
      };
    }
    return (cpu) => {
      if (taken(cpu)) cpu.lo[r] = cpu.lo[s]!;
      cpu.hi[r] = 0;
    };
  }
  const ref = dst.reg!;
  return (cpu) => {
    const lo = readOperand(cpu, src, size);
    const hi = cpu.hiOut;
    if (taken(cpu)) cpu.writeReg(ref, lo, hi);
    else if (size === 4) cpu.hi[r] = 0;
  };
};

export const conditionalHandlers: [number, Factory][] = [
  ...CONDITIONS.map((c): [number, Factory] => [mnemonicOf('Set', c), setcc]),
  ...CONDITIONS.map((c): [number, Factory] => [mnemonicOf('Cmov', c), cmovcc]),
];
