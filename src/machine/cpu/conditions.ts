/**
 * Condition codes (iced `ConditionCode` numbering: o no b ae e ne be a s ns p np l ge le g)
 * evaluated from lazy flags without materializing RFLAGS.
 */
import type { Cpu } from './cpu';
import { Flag, LazyOp, lazyCarry, lazyOverflow, lazySign, lazyZero, PARITY } from './flags';

export const Cond = { o: 1, no: 2, b: 3, ae: 4, e: 5, ne: 6, be: 7, a: 8, s: 9, ns: 10, p: 11, np: 12, l: 13, ge: 14, le: 15, g: 16 } as const;

function zf(cpu: Cpu): boolean {
  return cpu.lazy.op !== LazyOp.None ? lazyZero(cpu.lazy) : (cpu.flagBits & Flag.ZF) !== 0;
}
function cf(cpu: Cpu): boolean {
  return cpu.lazy.op !== LazyOp.None ? lazyCarry(cpu.lazy) : (cpu.flagBits & Flag.CF) !== 0;
}
function sf(cpu: Cpu): boolean {
  return cpu.lazy.op !== LazyOp.None ? lazySign(cpu.lazy) : (cpu.flagBits & Flag.SF) !== 0;
}
function of(cpu: Cpu): boolean {
  return cpu.lazy.op !== LazyOp.None ? lazyOverflow(cpu.lazy) : (cpu.flagBits & Flag.OF) !== 0;
}
function pf(cpu: Cpu): boolean {
  return cpu.lazy.op !== LazyOp.None ? PARITY[cpu.lazy.resLo & 0xff] !== 0 : (cpu.flagBits & Flag.PF) !== 0;
}

export function testCondition(cpu: Cpu, condition: number): boolean {
  switch (condition) {
    case Cond.o:
      return of(cpu);
    case Cond.no:
      return !of(cpu);
    case Cond.b:
      return cf(cpu);
    case Cond.ae:
      return !cf(cpu);
    case Cond.e:
      return zf(cpu);
    case Cond.ne:
      return !zf(cpu);
    case Cond.be:
      return cf(cpu) || zf(cpu);
    case Cond.a:
      return !cf(cpu) && !zf(cpu);
    case Cond.s:
      return sf(cpu);
    case Cond.ns:
      return !sf(cpu);
    case Cond.p:
      return pf(cpu);
    case Cond.np:
      return !pf(cpu);
    case Cond.l:
      return sf(cpu) !== of(cpu);
    case Cond.ge:
      return sf(cpu) === of(cpu);
    case Cond.le:
      return zf(cpu) || sf(cpu) !== of(cpu);
    case Cond.g:
      return !zf(cpu) && sf(cpu) === of(cpu);
    default:
      return true;
  }
}

/** A specialised predicate for one condition (used when compiling jcc/setcc/cmovcc). */
export function conditionPredicate(condition: number): (cpu: Cpu) => boolean {
  switch (condition) {
    case Cond.e:
      return zf;
    case Cond.ne:
      return (cpu) => !zf(cpu);
    default:
      return (cpu) => testCondition(cpu, condition);
  }
}
