/**
 * Direct flag instructions: clc/stc/cmc, cld/std, lahf/sahf and pushf/popf (64-bit and
 * the 16-bit 66h forms). POPF follows the SDM's privilege rules: IOPL changes only at
 * CPL 0, IF only when CPL <= IOPL; RF is cleared; VM, VIF and VIP are never changed.
 */
import { Mnemonic } from 'iced-x86';
import type { Cpu } from '../cpu';
import { Attention } from '../cpu';
import type { Factory } from '../compile';
import { Flag } from '../flags';
import { setSomeFlags } from './flagWrite';

/** Flags POPF may change at CPL 0 (before the IOPL/IF restrictions). */
const POPF_CHANGEABLE = Flag.CF | Flag.PF | Flag.AF | Flag.ZF | Flag.SF | Flag.TF | Flag.IF | Flag.DF | Flag.OF | Flag.IOPL | Flag.NT | Flag.AC | Flag.ID;
/** SAHF loads SF ZF AF PF CF from AH. */
const SAHF_FLAGS = Flag.SF | Flag.ZF | Flag.AF | Flag.PF | Flag.CF;

function setFlagTo(flag: number, on: boolean): Factory {
  return () => (cpu) => cpu.setFlag(flag, on);
}

const cmc: Factory = () => (cpu) => cpu.setFlag(Flag.CF, (cpu.rflags & Flag.CF) === 0);

const lahf: Factory = () => (cpu) => {
  const low = (cpu.rflags & (SAHF_FLAGS | Flag.FIXED1)) & 0xff;
  cpu.lo[0] = (cpu.lo[0]! & 0xffff00ff) | (low << 8);
};

const sahf: Factory = () => (cpu) => setSomeFlags(cpu, SAHF_FLAGS, (cpu.lo[0]! >>> 8) & 0xff);

/** The image of RFLAGS that PUSHF stores: VM and RF read as zero. */
function pushedFlags(cpu: Cpu): number {
  return cpu.rflags & ~(Flag.VM | Flag.RF);
}

const pushfq: Factory = () => (cpu) => cpu.push64(pushedFlags(cpu), 0);

const pushf16: Factory = () => (cpu) => {
  const sp = cpu.stackPointer() - 2;
  cpu.write16(sp, pushedFlags(cpu) & 0xffff);
  cpu.setStackPointer(sp);
};

/** Merges a popped image into RFLAGS under the CPL/IOPL rules; `width` 2 or 8 bytes. */
function loadPoppedFlags(cpu: Cpu, value: number, width: number): void {
  const old = cpu.rflags;
  let changeable = POPF_CHANGEABLE;
  if (cpu.cpl > 0) changeable &= ~Flag.IOPL;
  if (cpu.cpl > (old & Flag.IOPL) >>> 12) changeable &= ~Flag.IF;
  if (width === 2) changeable &= 0xffff;
  const cleared = width === 2 ? 0 : Flag.RF;
  cpu.rflags = ((old & ~changeable & ~cleared) | (value & changeable)) >>> 0;
  if ((old & Flag.IF) === 0 && (value & changeable & Flag.IF) !== 0) cpu.attention |= Attention.Event;
}

const popfq: Factory = () => (cpu) => {
  const value = cpu.pop64();
  loadPoppedFlags(cpu, value, 8);
};

const popf16: Factory = () => (cpu) => {
  const sp = cpu.stackPointer();
  const value = cpu.read16(sp);
  cpu.setStackPointer(sp + 2);
  loadPoppedFlags(cpu, value, 2);
};

export const flagOpHandlers: [number, Factory][] = [
  [Mnemonic.Clc, setFlagTo(Flag.CF, false)],
  [Mnemonic.Stc, setFlagTo(Flag.CF, true)],
  [Mnemonic.Cmc, cmc],
  [Mnemonic.Cld, setFlagTo(Flag.DF, false)],
  [Mnemonic.Std, setFlagTo(Flag.DF, true)],
  [Mnemonic.Lahf, lahf],
  [Mnemonic.Sahf, sahf],
  [Mnemonic.Pushfq, pushfq],
  [Mnemonic.Pushf, pushf16],
  [Mnemonic.Popfq, popfq],
  [Mnemonic.Popf, popf16],
];
