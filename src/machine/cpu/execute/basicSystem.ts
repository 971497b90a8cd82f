/**
 * The minimum system set the machine needs to run and stop: hlt, port I/O (in/out with
 * imm8 and dx), and invalid opcodes. Privilege: hlt needs CPL 0; in/out need CPL <= IOPL
 * or permission in the TSS I/O bitmap (ioPermission.ts).
 */
import { Mnemonic } from 'iced-x86';
import type { Factory } from '../compile';
import { Attention } from '../cpu';
import { OperandKind } from '../decoded';
import { CpuFault, Vector } from '../fault';
import { checkIoPermission } from './ioPermission';

const hlt: Factory = () => (cpu) => {
  if (cpu.cpl !== 0) throw new CpuFault(Vector.GP, 0);
  cpu.halted = true;
  cpu.attention |= Attention.Halt;
};

/** Port number operand: imm8 or DX. */
function portOf(op: { kind: OperandKind; immLo: number }): ((cpu: { lo: Uint32Array }) => number) | undefined {
  if (op.kind === OperandKind.Immediate) {
    const port = op.immLo & 0xff;
    return () => port;
  }
  if (op.kind === OperandKind.Register) return (cpu) => cpu.lo[2]! & 0xffff;
  return undefined;
}

const inInsn: Factory = (d) => {
  const dst = d.operands[0];
  const src = d.operands[1];
  if (!dst?.reg || !src) return undefined;
  const port = portOf(src);
  if (!port) return undefined;
  const size = dst.size;
  return (cpu) => {
    const p = port(cpu);
    checkIoPermission(cpu, p, size);
    const value = cpu.io.in(p, size);
    cpu.writeReg(dst.reg!, value, 0);
  };
};

const outInsn: Factory = (d) => {
  const dst = d.operands[0];
  const src = d.operands[1];
  if (!dst || !src?.reg) return undefined;
  const port = portOf(dst);
  if (!port) return undefined;
  const size = src.size;
  return (cpu) => {
    const p = port(cpu);
    checkIoPermission(cpu, p, size);
    cpu.io.out(p, size, cpu.readReg(src.reg!));
  };
};

const invalid: Factory = () => () => {
  throw new CpuFault(Vector.UD);
};

export const basicSystemHandlers: [number, Factory][] = [
  [Mnemonic.Hlt, hlt],
  [Mnemonic.In, inInsn],
  [Mnemonic.Out, outInsn],
  [Mnemonic.INVALID, invalid],
  [Mnemonic.Ud2, invalid],
  [Mnemonic.Ud0, invalid],
  [Mnemonic.Ud1, invalid],
];
