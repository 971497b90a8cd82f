/**
 * Descriptor-table registers (SDM Vol. 2 LGDT/LIDT, SGDT/SIDT, LLDT, LTR, SLDT, STR):
 * in 64-bit mode the pseudo-descriptor is a 16-bit limit followed by a 64-bit base,
 * which must be canonical. LLDT/LTR read 16-byte system descriptors from the GDT; LTR
 * marks the TSS busy. All are descriptor-table exits in VMX non-root operation.
 */
import { Mnemonic } from 'iced-x86';
import type { Factory } from '../compile';
import type { Cpu } from '../cpu';
import type { Decoded, Operand } from '../decoded';
import { OperandKind } from '../decoded';
import { CpuFault, Vector, gp0 } from '../fault';
import { Intercept } from '../intercept';
import { effectiveAddress } from '../operands';
import { readSystemDescriptor, writeDescriptorHigh } from '../descriptors';
import { Ar, type TableRegister } from '../segment';
import { isCanonicalHalves, toLinear, TWO32 } from '../state';
import { requireCpl0 } from './privilege';
import { Access } from '../../paging/types';

const SystemType = { LDT: 0x2, TSS_AVAILABLE: 0x9, TSS_BUSY: 0xb } as const;

/** Descriptor-table exit: the memory operand's linear address, or the register operand's GPR index. */
function exitIfIntercepted(cpu: Cpu, d: Decoded, linearAddress?: number): void {
  if (!cpu.nonRoot) return;
  const reg = d.operands[0]?.kind === OperandKind.Register ? d.operands[0].reg : undefined;
  cpu.nonRoot.intercept(Intercept.DescriptorTable, { length: d.length, mnemonic: d.mnemonic, linearAddress, gpr: reg?.index, memoryOperand: linearAddress !== undefined, decoded: d });
}

/** LGDT/LIDT m16&64: limit then base (a 32-bit base outside 64-bit mode). */
function loadTable(pick: (cpu: Cpu) => TableRegister): Factory {
  return (d) => {
    const src = d.operands[0];
    if (src?.kind !== OperandKind.Memory) return undefined;
    return (cpu) => {
      requireCpl0(cpu);
      const address = effectiveAddress(cpu, src.mem!);
      exitIfIntercepted(cpu, d, address);
      const limit = cpu.read16(address);
      let base: number;
      if (d.bitness === 64) {
        const lo = cpu.read32(address + 2);
        const hi = cpu.read32(address + 6);
        if (!isCanonicalHalves(hi)) throw gp0();
        base = toLinear(lo, hi);
      } else {
        base = cpu.read32(address + 2) >>> 0;
      }
      const table = pick(cpu);
      table.base = base;
      table.limit = limit;
    };
  };
}

/** SGDT/SIDT m16&64 (not privileged without CR4.UMIP, which this CPU does not implement). */
function storeTable(pick: (cpu: Cpu) => TableRegister): Factory {
  return (d) => {
    const dst = d.operands[0];
    if (dst?.kind !== OperandKind.Memory) return undefined;
    return (cpu) => {
      const address = effectiveAddress(cpu, dst.mem!);
      exitIfIntercepted(cpu, d, address);
      const table = pick(cpu);
      const base = table.base;
      // Probe the whole destination before writing (a fault leaves memory unchanged).
      cpu.translate(address, Access.Write);
      cpu.translate(address + (d.bitness === 64 ? 9 : 5), Access.Write);
      cpu.write16(address, table.limit);
      if (d.bitness === 64) cpu.write64(address + 2, base >>> 0, Math.floor(base / TWO32) >>> 0);
      else cpu.write32(address + 2, base >>> 0);
    };
  };
}

/**
 * LLDT/LTR's first steps: CPL 0, the 16-bit selector of the r/m16 source operand, then the
 * descriptor-table exit (with the operand's linear address when it is in memory).
 */
function readSelector(cpu: Cpu, d: Decoded, op: Operand): number {
  requireCpl0(cpu);
  let selector: number;
  let address: number | undefined;
  if (op.kind === OperandKind.Memory) {
    address = effectiveAddress(cpu, op.mem!);
    selector = cpu.read16(address);
  } else {
    selector = cpu.readReg(op.reg!) & 0xffff;
  }
  exitIfIntercepted(cpu, d, address);
  return selector;
}

function systemDescriptorChecks(cpu: Cpu, selector: number, type: number): ReturnType<typeof readSystemDescriptor> {
  const error = selector & 0xfffc;
  if (selector & 4) throw new CpuFault(Vector.GP, error); // must be in the GDT
  const d = readSystemDescriptor(cpu, selector);
  if ((d.accessRights & Ar.S) !== 0 || (d.accessRights & Ar.TYPE_MASK) !== type) throw new CpuFault(Vector.GP, error);
  if (!(d.accessRights & Ar.P)) throw new CpuFault(Vector.NP, error);
  return d;
}

const lldt: Factory = (d) => {
  const src = d.operands[0];
  if (!src) return undefined;
  return (cpu) => {
    const selector = readSelector(cpu, d, src);
    if ((selector & 0xfffc) === 0) {
      cpu.ldtr.load(selector, 0, 0, Ar.UNUSABLE);
      return;
    }
    const desc = systemDescriptorChecks(cpu, selector, SystemType.LDT);
    cpu.ldtr.load(selector, desc.base, desc.limit, desc.accessRights);
  };
};

const ltr: Factory = (d) => {
  const src = d.operands[0];
  if (!src) return undefined;
  return (cpu) => {
    const selector = readSelector(cpu, d, src);
    if ((selector & 0xfffc) === 0) throw gp0();
    const desc = systemDescriptorChecks(cpu, selector, SystemType.TSS_AVAILABLE);
    writeDescriptorHigh(cpu, selector, desc.hi | 0x200); // type 9 → 0xB: busy
    cpu.tr.load(selector, desc.base, desc.limit, (desc.accessRights & ~Ar.TYPE_MASK) | SystemType.TSS_BUSY);
  };
};

/** SLDT/STR: the selector to r/m16, or zero-extended to a 32/64-bit register. */
function storeSelector(pick: (cpu: Cpu) => number): Factory {
  return (d) => {
    const dst = d.operands[0];
    if (!dst) return undefined;
    return (cpu) => {
      const address = dst.kind === OperandKind.Memory ? effectiveAddress(cpu, dst.mem!) : undefined;
      exitIfIntercepted(cpu, d, address);
      if (address !== undefined) cpu.write16(address, pick(cpu));
      else cpu.writeReg(dst.reg!, pick(cpu), 0);
    };
  };
}

export const descriptorTableHandlers: [number, Factory][] = [
  [Mnemonic.Lgdt, loadTable((cpu) => cpu.gdtr)],
  [Mnemonic.Lidt, loadTable((cpu) => cpu.idtr)],
  [Mnemonic.Sgdt, storeTable((cpu) => cpu.gdtr)],
  [Mnemonic.Sidt, storeTable((cpu) => cpu.idtr)],
  [Mnemonic.Lldt, lldt],
  [Mnemonic.Ltr, ltr],
  [Mnemonic.Sldt, storeSelector((cpu) => cpu.ldtr.selector)],
  [Mnemonic.Str, storeSelector((cpu) => cpu.tr.selector)],
];
