/**
 * Data movement: mov (register, memory, immediate incl. imm64 and moffs), movzx,
 * movsx, movsxd, lea, push and pop.
 */
import { Code, Mnemonic } from 'iced-x86';
import type { Factory } from '../compile';
import { OperandKind } from '../decoded';
import { effectiveAddress, readOperand, signExtend, writeOperand } from '../operands';
import { TWO32 } from '../state';

const mov: Factory = (d) => {
  const dst = d.operands[0];
  const src = d.operands[1];
  if (!dst || !src) return undefined;
  if (dst.kind !== OperandKind.Register && dst.kind !== OperandKind.Memory) return undefined;
  if (src.kind !== OperandKind.Register && src.kind !== OperandKind.Memory && src.kind !== OperandKind.Immediate) return undefined;
  const size = dst.size;
  if (dst.kind === OperandKind.Register && src.kind === OperandKind.Register && size === 8) {
    const a = dst.reg!.index;
    const b = src.reg!.index;
    return (cpu) => {
      cpu.lo[a] = cpu.lo[b]!;
      cpu.hi[a] = cpu.hi[b]!;
    };
  }
  if (dst.kind === OperandKind.Register && src.kind === OperandKind.Immediate && size >= 4) {
    const a = dst.reg!.index;
    const lo = src.immLo >>> 0;
    const hi = size === 8 ? src.immHi : 0;
    return (cpu) => {
      cpu.lo[a] = lo;
      cpu.hi[a] = hi;
    };
  }
  if (dst.kind === OperandKind.Register && src.kind === OperandKind.Memory && size === 8) {
    const a = dst.reg!.index;
    const mem = src.mem!;
    return (cpu) => {
      const lo = cpu.read64(effectiveAddress(cpu, mem));
      cpu.lo[a] = lo;
      cpu.hi[a] = cpu.hiOut;
    };
  }
  return (cpu) => {
    const lo = readOperand(cpu, src, size);
    writeOperand(cpu, dst, size, lo, cpu.hiOut);
  };
};

/** movzx / movsx / movsxd: read the narrower source, extend to the destination size. */
function extend(signed: boolean): Factory {
  return (d) => {
    const dst = d.operands[0];
    const src = d.operands[1];
    if (!dst || !src || dst.kind !== OperandKind.Register) return undefined;
    const size = dst.size;
    const from = src.size;
    return (cpu) => {
      let lo = readOperand(cpu, src, from);
      let hi = 0;
      if (signed) {
        lo = signExtend(cpu, from, lo, cpu.hiOut);
        hi = cpu.hiOut;
      }
      cpu.writeReg(dst.reg!, size === 2 ? lo & 0xffff : lo, size === 8 ? hi : 0);
    };
  };
}

const lea: Factory = (d) => {
  const dst = d.operands[0];
  const src = d.operands[1];
  if (!dst?.reg || src?.kind !== OperandKind.Memory) return undefined;
  const mem = { ...src.mem!, segment: 3 }; // lea ignores segment bases
  const ref = dst.reg;
  return (cpu) => {
    // The address is computed without the canonical check: lea does not access memory.
    let lo = mem.dispLo;
    let hi = mem.dispHi;
    if (mem.ripRelative) {
      lo += cpu.rip >>> 0;
      hi += Math.floor(cpu.rip / TWO32);
    }
    if (mem.base) {
      lo += cpu.lo[mem.base.index]!;
      hi += cpu.hi[mem.base.index]!;
    }
    if (mem.index) {
      lo += cpu.lo[mem.index.index]! * mem.scale;
      hi += cpu.hi[mem.index.index]! * mem.scale;
    }
    hi = (hi + Math.floor(lo / TWO32)) >>> 0;
    lo = lo >>> 0;
    if (mem.addressSize === 4) hi = 0;
    cpu.writeReg(ref, ref.size === 2 ? lo & 0xffff : lo, hi);
  };
};

const push: Factory = (d) => {
  const src = d.operands[0];
  if (!src) return undefined;
  if (src.kind === OperandKind.Register && src.size === 8) {
    const r = src.reg!.index;
    return (cpu) => cpu.push64(cpu.lo[r]!, cpu.hi[r]!);
  }
  if (src.kind === OperandKind.Immediate) {
    // immediates carry no size: 66h push imm (Push_imm16, Pushw_imm8) stores a word, the rest a qword
    const lo = src.immLo;
    const hi = src.immHi;
    if (d.code === Code.Push_imm16 || d.code === Code.Pushw_imm8) {
      return (cpu) => {
        const sp = cpu.stackPointer() - 2;
        cpu.write16(sp, lo & 0xffff);
        cpu.setStackPointer(sp);
      };
    }
    return (cpu) => cpu.push64(lo, hi);
  }
  if (src.kind === OperandKind.Memory && src.size === 8) {
    return (cpu) => {
      const lo = readOperand(cpu, src, 8);
      cpu.push64(lo, cpu.hiOut);
    };
  }
  if (src.size === 2) {
    return (cpu) => {
      const value = readOperand(cpu, src, 2);
      const sp = cpu.stackPointer() - 2;
      cpu.write16(sp, value);
      cpu.setStackPointer(sp);
    };
  }
  return undefined;
};

const pop: Factory = (d) => {
  const dst = d.operands[0];
  if (!dst) return undefined;
  if (dst.kind === OperandKind.Register && dst.size === 8) {
    const r = dst.reg!.index;
    return (cpu) => {
      const lo = cpu.pop64();
      cpu.lo[r] = lo;
      cpu.hi[r] = cpu.hiOut;
    };
  }
  if (dst.kind === OperandKind.Memory && dst.size === 8) {
    return (cpu) => {
      // SDM: the address is computed after RSP is incremented.
      const sp = cpu.stackPointer();
      const lo = cpu.read64(sp);
      const hi = cpu.hiOut;
      cpu.setStackPointer(sp + 8);
      try {
        writeOperand(cpu, dst, 8, lo, hi);
      } catch (e) {
        cpu.setStackPointer(sp);
        throw e;
      }
    };
  }
  if (dst.size === 2) {
    return (cpu) => {
      const sp = cpu.stackPointer();
      const value = cpu.read16(sp);
      cpu.setStackPointer(sp + 2);
      try {
        writeOperand(cpu, dst, 2, value, 0);
      } catch (e) {
        cpu.setStackPointer(sp);
        throw e;
      }
    };
  }
  return undefined;
};

const nop: Factory = () => () => undefined;

export const moveHandlers: [number, Factory][] = [
  [Mnemonic.Mov, mov],
  [Mnemonic.Movzx, extend(false)],
  [Mnemonic.Movsx, extend(true)],
  [Mnemonic.Movsxd, extend(true)],
  [Mnemonic.Lea, lea],
  [Mnemonic.Push, push],
  [Mnemonic.Pop, pop],
  [Mnemonic.Nop, nop],
];
