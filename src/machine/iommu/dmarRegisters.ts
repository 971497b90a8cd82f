/**
 * The DMAR page as a table of dword registers (fact sheet §7.1): what a read returns and
 * what a write does. 64-bit registers are two dwords; a command in the high half (CCMD.ICC,
 * IOTLB.IVT) acts when that half is written — a 64-bit write arrives low half first.
 * Offsets not in the table read 0 and ignore writes (queued invalidation, interrupt
 * remapping, PMEN, AFLOG: not implemented, and not reported in CAP/ECAP).
 */
import { HOST_ADDRESS_WIDTH, CAP_HIGH, CAP_LOW, CcmdHigh, ECAP_HIGH, ECAP_LOW, FAULT_RECORD_COUNT, FAULT_RECORD_OFFSET, Gcmd, Granularity, Gsts, IOTLB_REGISTER_OFFSET, IotlbHigh, Reg, VERSION } from './registers';
import type { FaultRecording } from './faultRecording';

export interface DmarRegister {
  readonly name: string;
  read(): number;
  write?(value: number): void;
}

/** Register values and the state the commands latched. */
export interface RegisterState {
  translationEnabled: boolean;
  /** GSTS.RTPS: a root-table pointer has been latched. */
  rootTablePointerSet: boolean;
  /** The root table in use (latched from RTADDR by GCMD.SRTP). */
  rootTable: number;
  rtaddrLow: number;
  rtaddrHigh: number;
  ccmdLow: number;
  ccmdHigh: number;
  ivaLow: number;
  ivaHigh: number;
  iotlbHigh: number;
}

/** What the register table needs from the unit. */
export interface DmarUnit {
  regs: RegisterState;
  readonly faults: FaultRecording;
  invalidateContextCache(granularity: number, domainId: number, sourceId: number, functionMask: number): number;
  invalidateIotlb(granularity: number, domainId: number, address: number, addressMask: number): number;
}

const TWO32 = 4294967296;
const ADDRESS_HIGH_MASK = (1 << (HOST_ADDRESS_WIDTH - 32)) - 1;
/** IVA: address bits 63:12 up to MGAW (48), IH (bit 6), AM (5:0). */
const IVA_LOW_MASK = 0xfffff07f;
const IVA_HIGH_MASK = 0xffff;

export function registerTable(unit: DmarUnit): Map<number, DmarRegister> {
  const table = new Map<number, DmarRegister>();
  const add = (offset: number, register: DmarRegister): void => void table.set(offset, register);
  const constant = (name: string, value: number): DmarRegister => ({ name, read: () => value });

  add(Reg.VER, constant('VER', VERSION));
  add(Reg.CAP, constant('CAP', CAP_LOW));
  add(Reg.CAP + 4, constant('CAP[63:32]', CAP_HIGH));
  add(Reg.ECAP, constant('ECAP', ECAP_LOW));
  add(Reg.ECAP + 4, constant('ECAP[63:32]', ECAP_HIGH));
  add(Reg.GCMD, { name: 'GCMD', read: () => 0, write: (value) => globalCommand(unit, value) });
  add(Reg.GSTS, { name: 'GSTS', read: () => globalStatus(unit.regs) });
  add(Reg.RTADDR, { name: 'RTADDR', read: () => unit.regs.rtaddrLow, write: (value) => void (unit.regs.rtaddrLow = (value & 0xfffff000) >>> 0) });
  add(Reg.RTADDR + 4, { name: 'RTADDR[63:32]', read: () => unit.regs.rtaddrHigh, write: (value) => void (unit.regs.rtaddrHigh = value & ADDRESS_HIGH_MASK) });
  add(Reg.CCMD, { name: 'CCMD', read: () => unit.regs.ccmdLow, write: (value) => void (unit.regs.ccmdLow = value >>> 0) });
  add(Reg.CCMD + 4, { name: 'CCMD[63:32]', read: () => unit.regs.ccmdHigh, write: (value) => contextCommand(unit, value) });
  add(Reg.FSTS, { name: 'FSTS', read: () => unit.faults.status, write: (value) => unit.faults.writeStatus(value) });
  add(Reg.FECTL, { name: 'FECTL', read: () => unit.faults.fectl, write: (value) => unit.faults.writeControl(value) });
  add(Reg.FEDATA, { name: 'FEDATA', read: () => unit.faults.fedata, write: (value) => void (unit.faults.fedata = value & 0xffff) });
  add(Reg.FEADDR, { name: 'FEADDR', read: () => unit.faults.feaddr, write: (value) => void (unit.faults.feaddr = (value & ~3) >>> 0) });
  add(Reg.FEUADDR, { name: 'FEUADDR', read: () => unit.faults.feuaddr, write: (value) => void (unit.faults.feuaddr = value >>> 0) });
  add(IOTLB_REGISTER_OFFSET, { name: 'IVA', read: () => unit.regs.ivaLow, write: (value) => void (unit.regs.ivaLow = (value & IVA_LOW_MASK) >>> 0) });
  add(IOTLB_REGISTER_OFFSET + 4, { name: 'IVA[63:32]', read: () => unit.regs.ivaHigh, write: (value) => void (unit.regs.ivaHigh = value & IVA_HIGH_MASK) });
  add(IOTLB_REGISTER_OFFSET + 8, { name: 'IOTLB', read: () => 0 });
  add(IOTLB_REGISTER_OFFSET + 12, { name: 'IOTLB[63:32]', read: () => unit.regs.iotlbHigh, write: (value) => iotlbCommand(unit, value) });
  for (let index = 0; index < FAULT_RECORD_COUNT; index++) {
    for (let dword = 0; dword < 4; dword++) {
      add(FAULT_RECORD_OFFSET + index * 16 + dword * 4, {
        name: `FRCD${index}[${dword * 32 + 31}:${dword * 32}]`,
        read: () => unit.faults.readRecord(index, dword),
        write: (value) => unit.faults.writeRecord(index, dword, value),
      });
    }
  }
  return table;
}

function globalStatus(regs: RegisterState): number {
  return ((regs.translationEnabled ? Gsts.TES : 0) | (regs.rootTablePointerSet ? Gsts.RTPS : 0)) >>> 0;
}

/**
 * GCMD: TE is a persistent enable (GSTS.TES follows it); SRTP is one-shot — it latches
 * RTADDR as the root table in use and sets GSTS.RTPS. Drivers write GSTS | command, so a
 * write that repeats the current TE changes nothing. Unsupported commands are ignored.
 */
function globalCommand(unit: DmarUnit, value: number): void {
  const regs = unit.regs;
  if (value & Gcmd.SRTP) {
    regs.rootTable = regs.rtaddrHigh * TWO32 + regs.rtaddrLow;
    regs.rootTablePointerSet = true;
  }
  regs.translationEnabled = (value & Gcmd.TE) !== 0;
}

/** CCMD high dword: ICC starts an invalidation of granularity CIRG; done at once: ICC clears, CAIG reports. */
function contextCommand(unit: DmarUnit, value: number): void {
  const regs = unit.regs;
  if ((value & CcmdHigh.ICC) === 0) {
    regs.ccmdHigh = value & 0x7fffffff & ~(3 << CcmdHigh.CAIG_SHIFT);
    return;
  }
  const granularity = (value >>> CcmdHigh.CIRG_SHIFT) & 3;
  const domainId = regs.ccmdLow & 0xffff;
  const sourceId = regs.ccmdLow >>> 16;
  const actual = granularity === Granularity.invalid ? 0 : unit.invalidateContextCache(granularity, domainId, sourceId, value & CcmdHigh.FM_MASK);
  regs.ccmdHigh = ((value & 0x7fffffff & ~(3 << CcmdHigh.CAIG_SHIFT)) | (actual << CcmdHigh.CAIG_SHIFT)) >>> 0;
}

/** IOTLB high dword: IVT starts an invalidation of granularity IIRG (page-selective uses IVA); IAIG reports what was done. */
function iotlbCommand(unit: DmarUnit, value: number): void {
  const regs = unit.regs;
  const keep = value & 0x7fffffff & ~(3 << IotlbHigh.IAIG_SHIFT);
  if ((value & IotlbHigh.IVT) === 0) {
    regs.iotlbHigh = keep;
    return;
  }
  const granularity = (value >>> IotlbHigh.IIRG_SHIFT) & 3;
  const domainId = value & 0xffff;
  const address = regs.ivaHigh * TWO32 + ((regs.ivaLow & 0xfffff000) >>> 0);
  const actual = granularity === Granularity.invalid ? 0 : unit.invalidateIotlb(granularity, domainId, address, regs.ivaLow & 0x3f);
  regs.iotlbHigh = (keep | (actual << IotlbHigh.IAIG_SHIFT)) >>> 0;
}
