/**
 * Stack frames: enter imm16, imm8 (nesting level 0-31) and leave, with 64-bit operand
 * size (the 66h forms are not implemented and report so). All memory accesses happen before RSP/RBP change, so faults are restartable.
 * pause is a hint here; in VMX non-root it may exit (PAUSE exiting).
 */
import { Code, Mnemonic } from 'iced-x86';
import type { Factory } from '../compile';
import { CpuFault, Vector } from '../fault';
import { Intercept } from '../intercept';
import { isCanonicalHalves, toLinear } from '../state';

const enter: Factory = (d) => {
  const [sizeOp, levelOp] = d.operands;
  if (!sizeOp || !levelOp || d.code !== Code.Enterq_imm16_imm8) return undefined;
  const frameSize = sizeOp.immLo & 0xffff;
  const level = levelOp.immLo & 31;
  return (cpu) => {
    let sp = cpu.stackPointer() - 8;
    cpu.write64(sp, cpu.lo[5]!, cpu.hi[5]!);
    const frame = sp;
    if (level > 0) {
      const bpHi = cpu.hi[5]!;
      if (!isCanonicalHalves(bpHi)) throw new CpuFault(Vector.SS, 0);
      let bp = toLinear(cpu.lo[5]!, bpHi);
      for (let i = 1; i < level; i++) {
        bp -= 8;
        const lo = cpu.read64(bp);
        sp -= 8;
        cpu.write64(sp, lo, cpu.hiOut);
      }
      sp -= 8;
      cpu.write64(sp, frame >>> 0, Math.floor(frame / 4294967296) >>> 0);
    }
    cpu.lo[5] = frame >>> 0;
    cpu.hi[5] = Math.floor(frame / 4294967296) >>> 0;
    cpu.setStackPointer(sp - frameSize);
  };
};

const leave: Factory = (d) => {
  if (d.code !== Code.Leaveq) return undefined;
  return (cpu) => {
    const hi = cpu.hi[5]!;
    if (!isCanonicalHalves(hi)) throw new CpuFault(Vector.SS, 0);
    const bp = toLinear(cpu.lo[5]!, hi);
    const lo = cpu.read64(bp);
    cpu.setStackPointer(bp + 8);
    cpu.lo[5] = lo;
    cpu.hi[5] = cpu.hiOut;
  };
};

const pause: Factory = (d) => {
  const length = d.length;
  return (cpu) => {
    if (cpu.nonRoot) cpu.nonRoot.intercept(Intercept.Pause, { length });
  };
};

export const stackFrameHandlers: [number, Factory][] = [
  [Mnemonic.Enter, enter],
  [Mnemonic.Leave, leave],
  [Mnemonic.Pause, pause],
];
