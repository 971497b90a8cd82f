/**
 * Segment-register moves (SDM Vol. 2 MOV, PUSH, POP): MOV Sreg, r/m16 loads the hidden
 * part from the GDT/LDT with the privilege checks (null selectors allowed for data
 * segments; SS only as the 64-bit-mode exception), MOV r/m, Sreg stores the selector,
 * and PUSH/POP FS/GS. MOV to CS is #UD; MOV SS starts an interrupt shadow.
 */
import { Code, Mnemonic } from 'iced-x86';
import type { Factory } from '../compile';
import type { Cpu } from '../cpu';
import { OperandKind } from '../decoded';
import { ud } from '../fault';
import { effectiveAddress } from '../operands';
import { Seg } from '../registers';
import { checkDataSegmentSelector, checkStackSegmentSelector, in64BitMode, loadSegmentRegister } from './privilege';

/** Loads `seg` with `selector` after the MOV/POP checks; nothing changes when a check faults. */
export function loadSegmentSelector(cpu: Cpu, seg: number, selector: number): void {
  if (seg === Seg.SS) {
    const d = checkStackSegmentSelector(cpu, selector, cpu.cpl, in64BitMode(cpu));
    loadSegmentRegister(cpu, seg, selector, d);
    return;
  }
  loadSegmentRegister(cpu, seg, selector, checkDataSegmentSelector(cpu, selector));
}

const movToSegment: Factory = (d) => {
  const [dst, src] = d.operands;
  if (dst?.kind !== OperandKind.Segment || !src) return undefined;
  const seg = dst.special;
  if (seg === Seg.CS) return () => { throw ud(); };
  return (cpu) => {
    const selector = src.kind === OperandKind.Memory ? cpu.read16(effectiveAddress(cpu, src.mem!)) : cpu.readReg(src.reg!) & 0xffff;
    loadSegmentSelector(cpu, seg, selector);
    if (seg === Seg.SS) cpu.interruptShadowRip = cpu.movSsShadowRip = cpu.rip;
  };
};

const movFromSegment: Factory = (d) => {
  const [dst, src] = d.operands;
  if (src?.kind !== OperandKind.Segment || !dst) return undefined;
  const seg = src.special;
  if (dst.kind === OperandKind.Memory) return (cpu) => cpu.write16(effectiveAddress(cpu, dst.mem!), cpu.segments[seg]!.selector);
  if (dst.kind !== OperandKind.Register) return undefined;
  const ref = dst.reg!;
  // A 32/64-bit destination receives the zero-extended selector.
  return (cpu) => cpu.writeReg(ref, cpu.segments[seg]!.selector, 0);
};

const codeNames = Code as unknown as Record<number, string>;

/** Operand size of PUSH/POP Sreg from the iced code name (Pushw_FS = 2, Pushd_GS = 4, Pushq_FS = 8). */
function stackOperandSize(code: number): number {
  const match = /^(?:Push|Pop)([wdq])_/.exec(codeNames[code] ?? '');
  return match?.[1] === 'w' ? 2 : match?.[1] === 'd' ? 4 : 8;
}

const pushSegment: Factory = (d) => {
  const src = d.operands[0];
  if (src?.kind !== OperandKind.Segment) return undefined;
  const seg = src.special;
  const size = stackOperandSize(d.code);
  return (cpu) => {
    const selector = cpu.segments[seg]!.selector;
    const sp = cpu.stackPointer() - size;
    if (size === 8) cpu.write64(sp, selector, 0);
    else if (size === 4) cpu.write32(sp, selector);
    else cpu.write16(sp, selector);
    cpu.setStackPointer(sp);
  };
};

const popSegment: Factory = (d) => {
  const dst = d.operands[0];
  if (dst?.kind !== OperandKind.Segment) return undefined;
  const seg = dst.special;
  if (seg === Seg.CS) return undefined;
  const size = stackOperandSize(d.code);
  return (cpu) => {
    const sp = cpu.stackPointer();
    const selector = cpu.read16(sp);
    loadSegmentSelector(cpu, seg, selector);
    cpu.setStackPointer(sp + size);
    if (seg === Seg.SS) cpu.interruptShadowRip = cpu.movSsShadowRip = cpu.rip;
  };
};

export const segmentLoadHandlers: [number, Factory][] = [
  [Mnemonic.Mov, movToSegment],
  [Mnemonic.Mov, movFromSegment],
  [Mnemonic.Push, pushSegment],
  [Mnemonic.Pop, popSegment],
];
