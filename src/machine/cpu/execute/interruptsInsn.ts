/**
 * Interrupt-flag and software-interrupt instructions: cli, sti (with the one-instruction
 * interrupt shadow), int n, int3, int1, into, and iretq (SDM Vol. 2 IRET, 64-bit mode:
 * always pops RIP, CS, RFLAGS, RSP, SS; a return to an outer ring reloads CS/SS from the
 * GDT with the pseudocode's checks and nulls data segments the new CPL may not use).
 */
import { Mnemonic } from 'iced-x86';
import type { Factory } from '../compile';
import type { Cpu } from '../cpu';
import { OperandKind } from '../decoded';
import { CpuFault, Vector, gp0, ud } from '../fault';
import { Flag } from '../flags';
import { deliverEvent, EventKind } from '../interrupts';
import { readDescriptor } from '../descriptors';
import { Ar } from '../segment';
import { Seg } from '../registers';
import { TWO32, isCanonicalHalves, toLinear } from '../state';
import { Cr0, Efer } from '../../paging/walker';
import { realModeIret } from '../realModeEvents';
import { afterIret, iretUnblocksNmis } from '../nmiBlocking';
import { afterCodeSegmentLoad, checkStackSegmentSelector, dplOf, DescType, isCodeDescriptor, loadSegmentRegister, markAccessed } from './privilege';

function iopl(cpu: Cpu): number {
  return (cpu.flagBits >>> 12) & 3;
}

const cli: Factory = () => (cpu) => {
  if (cpu.cpl > iopl(cpu)) throw gp0();
  cpu.materializeFlags();
  cpu.flagBits &= ~Flag.IF;
};

const sti: Factory = () => (cpu) => {
  if (cpu.cpl > iopl(cpu)) throw gp0();
  cpu.materializeFlags();
  // Interrupts stay blocked until the next instruction completes (SDM STI).
  if (!(cpu.flagBits & Flag.IF)) cpu.interruptShadowRip = cpu.rip;
  cpu.flagBits |= Flag.IF;
};

/** INT n: a software interrupt; the gate DPL must be >= CPL. RIP pushed = next instruction. */
const intN: Factory = (d) => {
  const op = d.operands[0];
  if (op?.kind !== OperandKind.Immediate) return undefined;
  const vector = op.immLo & 0xff;
  return (cpu) => {
    cpu.softwareInterruptHook?.(vector, d.length);
    deliverEvent(cpu, vector, EventKind.Software);
  };
};

/** INT3: #BP as a trap (software exception: DPL-checked, and reported to the VMX exception bitmap). */
const int3: Factory = (d) => (cpu) => {
  cpu.softwareExceptionHook?.(Vector.BP, 'software-exception', d.length);
  deliverEvent(cpu, Vector.BP, EventKind.Software);
};

/** INT1 (ICEBP): #DB as a trap, without the gate DPL check. */
const int1: Factory = (d) => (cpu) => {
  cpu.softwareExceptionHook?.(Vector.DB, 'privileged-software-exception', d.length);
  deliverEvent(cpu, Vector.DB, EventKind.External);
};

/** INTO is invalid in 64-bit mode; outside it, #OF when OF = 1. */
const into: Factory = (d) => (cpu) => {
  if (d.bitness === 64) throw ud();
  if (!cpu.getFlag(Flag.OF)) return;
  cpu.softwareExceptionHook?.(Vector.OF, 'software-exception', d.length);
  deliverEvent(cpu, Vector.OF, EventKind.Software);
};

/** RFLAGS bits IRET may change at CPL 0 (VM is not restored in IA-32e mode). */
const IRET_FLAGS = Flag.CF | Flag.PF | Flag.AF | Flag.ZF | Flag.SF | Flag.OF | Flag.TF | Flag.IF | Flag.DF | Flag.IOPL | Flag.NT | Flag.RF | Flag.AC | Flag.VIF | Flag.VIP | Flag.ID;

/** The RFLAGS value after IRET from privilege `cpl` (IOPL only at CPL 0, IF only at CPL <= IOPL). */
function iretFlags(cpu: Cpu, popped: number): number {
  const old = cpu.rflags;
  let writable = IRET_FLAGS;
  if (cpu.cpl !== 0) writable &= ~(Flag.IOPL | Flag.VIF | Flag.VIP);
  if (cpu.cpl > iopl(cpu)) writable &= ~Flag.IF;
  return ((old & ~writable) | (popped & writable) | Flag.FIXED1) >>> 0;
}

interface IretFrame {
  rip: number;
  ripHi: number;
  cs: number;
  rflags: number;
  rspLo: number;
  rspHi: number;
  ss: number;
}

/** Pops RIP, CS, RFLAGS and, when `withStack`, RSP and SS (`size`-byte slots). */
function popFrame(cpu: Cpu, size: number, withStack: boolean): IretFrame {
  const sp = cpu.stackPointer();
  const read = (i: number): [number, number] => {
    if (size === 8) {
      const lo = cpu.read64(sp + 8 * i);
      return [lo, cpu.hiOut];
    }
    return [cpu.read32(sp + 4 * i), 0];
  };
  const [rip, ripHi] = read(0);
  const [cs] = read(1);
  const [rflags] = read(2);
  if (!withStack) {
    const next = sp + 3 * size;
    return { rip, ripHi, cs: cs & 0xffff, rflags, rspLo: next >>> 0, rspHi: Math.floor(next / TWO32) >>> 0, ss: cpu.segments[Seg.SS]!.selector };
  }
  const [rspLo, rspHi] = read(3);
  const [ss] = read(4);
  return { rip, ripHi, cs: cs & 0xffff, rflags, rspLo, rspHi, ss: ss & 0xffff };
}

/**
 * IRETQ / IRETD in IA-32e mode (SDM IRET "IA-32e-MODE" path). From 64-bit mode SS:RSP is
 * always popped; from compatibility mode only on a return to an outer ring. All checks
 * precede any state change. In real mode IRET / IRETD pop IP, CS and FLAGS
 * (realModeEvents.ts). In legacy protected mode IRETD takes the compatibility-mode path (no
 * task return, no return to virtual-8086 mode).
 */
function iret(size: 2 | 4 | 8): Factory {
  return (d) => {
    const from64 = d.bitness === 64;
    return (cpu) => {
      if (!(cpu.cr0 & Cr0.PE) && size !== 8) {
        const unblockedVirtualNmi = iretUnblocksNmis(cpu);
        realModeIret(cpu, size);
        afterIret(cpu, unblockedVirtualNmi);
        return;
      }
      // Legacy protected mode: the compatibility-mode path (32-bit frame; SS:ESP on an outer return).
      if (d.bitness === 16 || (!(cpu.efer & Efer.LMA) && size !== 4)) throw new CpuFault(Vector.UD, undefined, 'iret with a 16-bit frame in protected mode');
      if (!(cpu.efer & Efer.LMA) && cpu.flagBits & Flag.NT) throw new CpuFault(Vector.UD, undefined, 'iret task return (NT = 1)');
      const unblockedVirtualNmi = iretUnblocksNmis(cpu); // even if IRET then faults (SDM 6.7.1)
      cpu.materializeFlags();
      if (cpu.flagBits & Flag.NT) throw gp0(); // task return is not supported in IA-32e mode
      const sp = cpu.stackPointer();
      const outerCs = (size === 8 ? cpu.read64(sp + 8) : cpu.read32(sp + 4)) & 3;
      const frame = popFrame(cpu, size, from64 || outerCs > cpu.cpl);
      const csSel = frame.cs;
      if ((csSel & 0xfffc) === 0) throw gp0();
      const rpl = csSel & 3;
      if (rpl < cpu.cpl) throw new CpuFault(Vector.GP, csSel & 0xfffc);
      const code = readDescriptor(cpu, csSel);
      if (!isCodeDescriptor(code)) throw new CpuFault(Vector.GP, csSel & 0xfffc);
      const conforming = (code.accessRights & DescType.CONFORMING) !== 0;
      if (conforming ? dplOf(code) > rpl : dplOf(code) !== rpl) throw new CpuFault(Vector.GP, csSel & 0xfffc);
      if (!(code.accessRights & Ar.P)) throw new CpuFault(Vector.NP, csSel & 0xfffc);
      const target64 = (code.accessRights & Ar.L) !== 0;
      // 64-bit target: RIP must be canonical; compatibility mode: RIP is 32 bits (within the limit).
      if (target64 ? !isCanonicalHalves(frame.ripHi) : frame.ripHi !== 0 || frame.rip > code.limit) throw gp0();
      const ss = from64 || rpl > cpu.cpl ? checkStackSegmentSelector(cpu, frame.ss, rpl, target64) : undefined;
      if (!target64 && !isCanonicalHalves(frame.rspHi)) throw gp0();

      const newFlags = iretFlags(cpu, frame.rflags);
      const outer = rpl > cpu.cpl;
      markAccessed(cpu, csSel, code);
      cpu.segments[Seg.CS]!.load(csSel, code.base, code.limit, code.accessRights | DescType.ACCESSED);
      if (from64 || outer) loadSegmentRegister(cpu, Seg.SS, frame.ss, ss);
      cpu.rip = target64 ? toLinear(frame.rip, frame.ripHi) : frame.rip;
      cpu.lo[4] = frame.rspLo;
      cpu.hi[4] = target64 ? frame.rspHi : 0;
      cpu.rflags = newFlags;
      if (outer) nullInaccessibleDataSegments(cpu, rpl);
      afterCodeSegmentLoad(cpu);
      afterIret(cpu, unblockedVirtualNmi);
    };
  };
}

/** After a return to an outer ring, DS/ES/FS/GS holding segments more privileged than the new CPL become null (SDM IRET). */
function nullInaccessibleDataSegments(cpu: Cpu, cpl: number): void {
  for (const seg of [Seg.ES, Seg.DS, Seg.FS, Seg.GS]) {
    const register = cpu.segments[seg]!;
    if (register.accessRights & Ar.UNUSABLE) continue;
    const rights = register.accessRights;
    const conformingCode = (rights & DescType.CODE) !== 0 && (rights & DescType.CONFORMING) !== 0;
    if (!conformingCode && register.dpl < cpl) register.load(0, register.base, 0, Ar.UNUSABLE);
  }
}

export const interruptInstructionHandlers: [number, Factory][] = [
  [Mnemonic.Cli, cli],
  [Mnemonic.Sti, sti],
  [Mnemonic.Int, intN],
  [Mnemonic.Int3, int3],
  [Mnemonic.Int1, int1],
  [Mnemonic.Into, into],
  [Mnemonic.Iretq, iret(8)],
  [Mnemonic.Iretd, iret(4)],
  [Mnemonic.Iret, iret(2)],
];
