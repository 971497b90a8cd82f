/**
 * Descriptor queries (SDM Vol. 2 LAR, LSL, VERR, VERW): report through ZF whether the
 * descriptor a selector names is visible at CPL/RPL and of the right kind; nothing faults
 * for a bad selector (only the memory accesses themselves can fault).
 */
import { Mnemonic } from 'iced-x86';
import type { Factory } from '../compile';
import type { Cpu } from '../cpu';
import type { Operand } from '../decoded';
import { OperandKind } from '../decoded';
import { Flag } from '../flags';
import { effectiveAddress } from '../operands';
import { readDescriptor, type Descriptor } from '../descriptors';
import { Ar } from '../segment';
import { DescType, dplOf, isCodeDescriptor, isDataDescriptor } from './privilege';

/** System descriptor types LAR accepts in IA-32e mode (LDT, 64-bit TSS available/busy, call gate); LSL: all but the gate. */
const LAR_SYSTEM_TYPES = new Set([0x2, 0x9, 0xb, 0xc]);
const LSL_SYSTEM_TYPES = new Set([0x2, 0x9, 0xb]);

function selectorOf(cpu: Cpu, op: Operand): number {
  return op.kind === OperandKind.Memory ? cpu.read16(effectiveAddress(cpu, op.mem!)) : cpu.readReg(op.reg!) & 0xffff;
}

/** The descriptor when it exists and is visible at CPL and RPL (conforming code always is), else undefined. */
function visibleDescriptor(cpu: Cpu, selector: number): Descriptor | undefined {
  if ((selector & 0xfffc) === 0) return undefined;
  const table = selector & 4 ? cpu.ldtr : cpu.gdtr;
  if ((selector & 4 && cpu.ldtr.accessRights & Ar.UNUSABLE) || (selector & 0xfff8) + 7 > table.limit) return undefined;
  const d = readDescriptor(cpu, selector);
  const conformingCode = isCodeDescriptor(d) && (d.accessRights & DescType.CONFORMING) !== 0;
  if (!conformingCode && (dplOf(d) < cpu.cpl || dplOf(d) < (selector & 3))) return undefined;
  return d;
}

function setZf(cpu: Cpu, on: boolean): void {
  cpu.setFlag(Flag.ZF, on);
}

function query(kind: 'lar' | 'lsl'): Factory {
  return (d) => {
    const [dst, src] = d.operands;
    if (!dst?.reg || !src) return undefined;
    const ref = dst.reg;
    return (cpu) => {
      const desc = visibleDescriptor(cpu, selectorOf(cpu, src));
      const system = desc !== undefined && (desc.accessRights & Ar.S) === 0;
      const types = kind === 'lar' ? LAR_SYSTEM_TYPES : LSL_SYSTEM_TYPES;
      if (!desc || (system && !types.has(desc.accessRights & Ar.TYPE_MASK))) return setZf(cpu, false);
      const value = kind === 'lar' ? (desc.hi & (ref.size === 2 ? 0xff00 : 0x00ffff00)) >>> 0 : desc.limit >>> 0;
      cpu.writeReg(ref, ref.size === 2 ? value & 0xffff : value, 0);
      setZf(cpu, true);
    };
  };
}

/** VERR: readable code or data; VERW: writable data. */
function verify(write: boolean): Factory {
  return (d) => {
    const src = d.operands[0];
    if (!src) return undefined;
    return (cpu) => {
      const desc = visibleDescriptor(cpu, selectorOf(cpu, src));
      const ok =
        desc !== undefined &&
        (write
          ? isDataDescriptor(desc) && (desc.accessRights & DescType.WRITABLE_READABLE) !== 0
          : isDataDescriptor(desc) || (isCodeDescriptor(desc) && (desc.accessRights & DescType.WRITABLE_READABLE) !== 0));
      setZf(cpu, ok);
    };
  };
}

export const segmentQueryHandlers: [number, Factory][] = [
  [Mnemonic.Lar, query('lar')],
  [Mnemonic.Lsl, query('lsl')],
  [Mnemonic.Verr, verify(false)],
  [Mnemonic.Verw, verify(true)],
];
