/**
 * Near control transfers: jmp, jcc, call, ret (with imm16), loop/loope/loopne and
 * jrcxz/jecxz. Relative targets are applied to the next RIP (stored deltas); a
 * non-canonical target raises #GP(0) at the branch (SDM Vol. 1 6.3.7).
 */
import { Mnemonic } from 'iced-x86';
import type { Cpu } from '../cpu';
import type { Exec, Factory } from '../compile';
import { OperandKind, type Decoded } from '../decoded';
import { conditionPredicate } from '../conditions';
import { CpuFault, Vector } from '../fault';
import { readOperand } from '../operands';
import { TWO32 } from '../state';

const CANONICAL_LIMIT = 2 ** 47;

function checkCanonical(target: number): number {
  if (target >= CANONICAL_LIMIT || target < -CANONICAL_LIMIT) throw new CpuFault(Vector.GP, 0);
  return target;
}

/** Absolute target of an indirect operand as a signed-canonical number. */
function indirectTarget(cpu: Cpu, d: Decoded): number {
  const op = d.operands[0]!;
  const size = op.size === 0 ? 8 : op.size;
  const lo = readOperand(cpu, op, size);
  if (size < 8) return lo; // 16/32-bit targets zero-extend (operand-size override)
  const hi = cpu.hiOut;
  if ((hi << 16) >> 16 !== (hi | 0)) throw new CpuFault(Vector.GP, 0);
  return ((hi << 16) >> 16) * TWO32 + lo;
}

const jmp: Factory = (d) => {
  if (d.operands[0]?.kind === OperandKind.Branch) {
    const delta = d.branchDelta;
    return (cpu) => {
      cpu.rip = checkCanonical(cpu.rip + delta);
    };
  }
  return (cpu) => {
    cpu.rip = indirectTarget(cpu, d);
  };
};

const jcc: Factory = (d) => {
  const delta = d.branchDelta;
  const taken = conditionPredicate(d.condition);
  return (cpu) => {
    if (taken(cpu)) cpu.rip = checkCanonical(cpu.rip + delta);
  };
};

const call: Factory = (d) => {
  if (d.operands[0]?.kind === OperandKind.Branch) {
    const delta = d.branchDelta;
    return (cpu) => {
      const target = checkCanonical(cpu.rip + delta);
      cpu.pushLinear(cpu.rip);
      cpu.rip = target;
    };
  }
  return (cpu) => {
    const target = indirectTarget(cpu, d);
    cpu.pushLinear(cpu.rip);
    cpu.rip = target;
  };
};

const ret: Factory = (d) => {
  const release = d.operands[0]?.kind === OperandKind.Immediate ? d.operands[0].immLo & 0xffff : 0;
  return (cpu) => {
    const sp = cpu.stackPointer();
    const lo = cpu.read64(sp);
    const hi = cpu.hiOut;
    if ((hi << 16) >> 16 !== (hi | 0)) throw new CpuFault(Vector.GP, 0);
    cpu.setStackPointer(sp + 8 + release);
    cpu.rip = ((hi << 16) >> 16) * TWO32 + lo;
  };
};

/** Decrements RCX/ECX/CX (by address size) and returns whether it is now nonzero. */
function decrementCounter(cpu: Cpu, addressSize: number): boolean {
  if (addressSize === 8) {
    const lo = cpu.lo[1]!;
    cpu.lo[1] = (lo - 1) >>> 0;
    if (lo === 0) cpu.hi[1] = (cpu.hi[1]! - 1) >>> 0;
    return (cpu.lo[1]! | cpu.hi[1]!) !== 0;
  }
  if (addressSize === 4) {
    cpu.lo[1] = (cpu.lo[1]! - 1) >>> 0;
    cpu.hi[1] = 0;
    return cpu.lo[1] !== 0;
  }
  cpu.lo[1] = (cpu.lo[1]! & 0xffff0000) | ((cpu.lo[1]! - 1) & 0xffff);
  return (cpu.lo[1]! & 0xffff) !== 0;
}

function loop(extra: ((cpu: Cpu) => boolean) | undefined): Factory {
  return (d) => {
    const delta = d.branchDelta;
    const size = d.addressSize;
    return (cpu) => {
      const nonzero = decrementCounter(cpu, size);
      if (nonzero && (extra === undefined || extra(cpu))) cpu.rip = checkCanonical(cpu.rip + delta);
    };
  };
}

const jrcxz: Factory = (d) => {
  const delta = d.branchDelta;
  const size = d.addressSize;
  return (cpu) => {
    const zero = size === 8 ? (cpu.lo[1]! | cpu.hi[1]!) === 0 : size === 4 ? cpu.lo[1] === 0 : (cpu.lo[1]! & 0xffff) === 0;
    if (zero) cpu.rip = checkCanonical(cpu.rip + delta);
  };
};

const JCC = [Mnemonic.Jo, Mnemonic.Jno, Mnemonic.Jb, Mnemonic.Jae, Mnemonic.Je, Mnemonic.Jne, Mnemonic.Jbe, Mnemonic.Ja, Mnemonic.Js, Mnemonic.Jns, Mnemonic.Jp, Mnemonic.Jnp, Mnemonic.Jl, Mnemonic.Jge, Mnemonic.Jle, Mnemonic.Jg];

export const branchHandlers: [number, Factory][] = [
  [Mnemonic.Jmp, jmp],
  [Mnemonic.Call, call],
  [Mnemonic.Ret, ret],
  [Mnemonic.Loop, loop(undefined)],
  [Mnemonic.Loope, loop(conditionPredicate(5))],
  [Mnemonic.Loopne, loop(conditionPredicate(6))],
  [Mnemonic.Jrcxz, jrcxz],
  [Mnemonic.Jecxz, jrcxz],
  [Mnemonic.Jcxz, jrcxz],
  ...JCC.map((m): [number, Factory] => [m, jcc]),
];

export type { Exec };
