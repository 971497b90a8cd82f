/**
 * Far control transfers in 64-bit mode (SDM Vol. 2 RET far, JMP/CALL far through
 * m16:32 / m16:64): the target CS is read from the GDT/LDT and checked; RETF to an outer
 * ring also pops SS:RSP and nulls data segments the new CPL may not use. Transfers
 * through call gates and task gates are not simulated (#GP(selector)).
 */
import { Code, Mnemonic } from 'iced-x86';
import type { Factory } from '../compile';
import type { Cpu } from '../cpu';
import { OperandKind } from '../decoded';
import { CpuFault, Vector, gp0 } from '../fault';
import { readDescriptor, type Descriptor } from '../descriptors';
import { effectiveAddress } from '../operands';
import { Seg } from '../registers';
import { Ar } from '../segment';
import { TWO32, isCanonicalHalves, toLinear } from '../state';
import { afterCodeSegmentLoad, checkStackSegmentSelector, DescType, dplOf, isCodeDescriptor, loadSegmentRegister, markAccessed } from './privilege';

const codeNames = Code as unknown as Record<number, string>;

/** Reads `size` (4 or 8) bytes as lo/hi halves. */
function readSized(cpu: Cpu, linear: number, size: number): [number, number] {
  const lo = size === 8 ? cpu.read64(linear) : cpu.read32(linear);
  return [lo >>> 0, size === 8 ? cpu.hiOut : 0];
}

/** The new RIP for a code segment: canonical in 64-bit code, within the limit in compatibility mode; #GP(0) otherwise. */
function targetRip(code: Descriptor, lo: number, hi: number): number {
  if (code.accessRights & Ar.L) {
    if (!isCanonicalHalves(hi)) throw gp0();
    return toLinear(lo, hi);
  }
  if (hi !== 0 || lo > code.limit) throw gp0();
  return lo;
}

/** The CS checks of a far return (RPL >= CPL, code, DPL vs RPL, present). */
function checkReturnCode(cpu: Cpu, selector: number): Descriptor {
  const error = selector & 0xfffc;
  if (error === 0) throw gp0();
  const rpl = selector & 3;
  if (rpl < cpu.cpl) throw new CpuFault(Vector.GP, error);
  const code = readDescriptor(cpu, selector);
  if (!isCodeDescriptor(code)) throw new CpuFault(Vector.GP, error);
  const conforming = (code.accessRights & DescType.CONFORMING) !== 0;
  if (conforming ? dplOf(code) > rpl : dplOf(code) !== rpl) throw new CpuFault(Vector.GP, error);
  if (!(code.accessRights & Ar.P)) throw new CpuFault(Vector.NP, error);
  return code;
}

/** RETF / RETFQ [imm16]: pops RIP and CS (and SS:RSP when returning to an outer ring). */
function retf(size: number): Factory {
  return (d) => {
    if (d.bitness !== 64 || size === 0) return undefined; // 16-bit RETFW and compatibility-mode RETF are not simulated
    const release = d.operands[0]?.kind === OperandKind.Immediate ? d.operands[0].immLo & 0xffff : 0;
    return (cpu) => {
      const sp = cpu.stackPointer();
      const [ripLo, ripHi] = readSized(cpu, sp, size);
      const selector = readSized(cpu, sp + size, size)[0] & 0xffff;
      const code = checkReturnCode(cpu, selector);
      const rip = targetRip(code, ripLo, ripHi);
      const rpl = selector & 3;
      const outer = rpl > cpu.cpl;
      let rsp = sp + 2 * size + release;
      let ss: { selector: number; descriptor: Descriptor | undefined } | undefined;
      if (outer) {
        const [rspLo, rspHi] = readSized(cpu, rsp, size);
        const ssSelector = readSized(cpu, rsp + size, size)[0] & 0xffff;
        ss = { selector: ssSelector, descriptor: checkStackSegmentSelector(cpu, ssSelector, rpl, (code.accessRights & Ar.L) !== 0) };
        rsp = toLinear(rspLo, rspHi) + release;
      }
      markAccessed(cpu, selector, code);
      cpu.segments[Seg.CS]!.load(selector, code.base, code.limit, code.accessRights | DescType.ACCESSED);
      if (ss) loadSegmentRegister(cpu, Seg.SS, ss.selector, ss.descriptor);
      cpu.rip = rip;
      cpu.setStackPointer(rsp);
      if (outer) nullDataSegmentsAbove(cpu, rpl);
      afterCodeSegmentLoad(cpu);
    };
  };
}

/** DS/ES/FS/GS holding segments more privileged than `cpl` (except conforming code) become null. */
function nullDataSegmentsAbove(cpu: Cpu, cpl: number): void {
  for (const seg of [Seg.ES, Seg.DS, Seg.FS, Seg.GS]) {
    const register = cpu.segments[seg]!;
    const rights = register.accessRights;
    if (rights & Ar.UNUSABLE) continue;
    const conformingCode = (rights & DescType.CODE) !== 0 && (rights & DescType.CONFORMING) !== 0;
    if (!conformingCode && register.dpl < cpl) register.load(0, register.base, 0, Ar.UNUSABLE);
  }
}

/** JMP/CALL far m16:32 or m16:64 to a code segment at the same privilege (conforming: DPL <= CPL). */
function farJump(call: boolean): Factory {
  return (d) => {
    const op = d.operands[0];
    const name = codeNames[d.code] ?? '';
    if (op?.kind !== OperandKind.Memory || !/_m16(32|64)$/.test(name)) return undefined;
    const size = name.endsWith('64') ? 8 : 4;
    const mem = op.mem!;
    return (cpu) => {
      const address = effectiveAddress(cpu, mem);
      const [offLo, offHi] = readSized(cpu, address, size);
      const selector = cpu.read16(address + size);
      const error = selector & 0xfffc;
      if (error === 0) throw gp0();
      const code = readDescriptor(cpu, selector);
      if (!isCodeDescriptor(code)) throw new CpuFault(Vector.GP, error); // call/task gates are not simulated
      const conforming = (code.accessRights & DescType.CONFORMING) !== 0;
      if (conforming ? dplOf(code) > cpu.cpl : (selector & 3) > cpu.cpl || dplOf(code) !== cpu.cpl) throw new CpuFault(Vector.GP, error);
      if (!(code.accessRights & Ar.P)) throw new CpuFault(Vector.NP, error);
      const rip = targetRip(code, offLo, offHi);
      if (call) {
        const sp = cpu.stackPointer() - 2 * size;
        const returnRip = cpu.rip;
        const write = (at: number, value: number): void =>
          size === 8 ? cpu.write64(at, value >>> 0, Math.floor(value / TWO32) >>> 0) : cpu.write32(at, value >>> 0);
        write(sp + size, cpu.segments[Seg.CS]!.selector);
        write(sp, returnRip);
        cpu.setStackPointer(sp);
      }
      markAccessed(cpu, selector, code);
      cpu.segments[Seg.CS]!.load(error | cpu.cpl, code.base, code.limit, code.accessRights | DescType.ACCESSED);
      cpu.rip = rip;
      afterCodeSegmentLoad(cpu);
    };
  };
}

export const farTransferHandlers: [number, Factory][] = [
  [Mnemonic.Retf, (d) => retf(/^Retfq/.test(codeNames[d.code] ?? '') ? 8 : /^Retfd/.test(codeNames[d.code] ?? '') ? 4 : 0)(d)],
  [Mnemonic.Jmp, farJump(false)],
  [Mnemonic.Call, farJump(true)],
];
