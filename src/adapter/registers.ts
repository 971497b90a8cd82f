// Registers by name for the debugger: read any of them as a BigInt, write the ones a user
// may edit (GPRs in every width, RIP, RFLAGS and its flags) with validation. Used by the
// expression evaluator, the variables view, setVariable and `regs`.
import type { Cpu } from '../machine/cpu/cpu';
import { GPR_NAMES, SEGMENT_NAMES } from '../machine/cpu/registers';
import type { RegistersResult } from '../protocol/dap';
import { hex64, hexPadded } from './format';
import { bigIntToLinear, linearToBigInt } from '../machine/cpu/state';
import { Flag } from '../machine/cpu/flags';

export interface RegisterDef {
  readonly name: string;
  /** Width in bits. */
  readonly bits: number;
  get(cpu: Cpu): bigint;
  /** Writes the value; returns an error message instead when it is not acceptable. Absent: read-only. */
  set?(cpu: Cpu, value: bigint): string | undefined;
}

const registers = new Map<string, RegisterDef>();

function define(def: RegisterDef): void {
  registers.set(def.name, def);
}

function fits(value: bigint, bits: number): boolean {
  return value >= -(1n << BigInt(bits - 1)) && value < 1n << BigInt(bits);
}

/** A part of a GPR: `bits` wide at bit `shift`; writes of 32 bits zero the upper half as on hardware. */
function gprPart(name: string, index: number, bits: number, shift = 0): RegisterDef {
  const mask = (1n << BigInt(bits)) - 1n;
  return {
    name,
    bits,
    get: (cpu) => (cpu.getGpr(index) >> BigInt(shift)) & mask,
    set: (cpu, value) => {
      if (!fits(value, bits)) return `${name} is ${bits} bits wide; ${value} does not fit`;
      const v = BigInt.asUintN(bits, value);
      if (bits === 32) cpu.setGpr(index, v);
      else cpu.setGpr(index, (cpu.getGpr(index) & ~(mask << BigInt(shift))) | (v << BigInt(shift)));
      return undefined;
    },
  };
}

const WORD = ['ax', 'cx', 'dx', 'bx', 'sp', 'bp', 'si', 'di'];
const LOW8 = ['al', 'cl', 'dl', 'bl', 'spl', 'bpl', 'sil', 'dil'];
GPR_NAMES.forEach((name, i) => {
  define(gprPart(name, i, 64));
  define(gprPart(i < 8 ? `e${WORD[i]!}` : `${name}d`, i, 32));
  define(gprPart(i < 8 ? WORD[i]! : `${name}w`, i, 16));
  define(gprPart(i < 8 ? LOW8[i]! : `${name}b`, i, 8));
});
['ah', 'ch', 'dh', 'bh'].forEach((name, i) => define(gprPart(name, i, 8, 8)));

define({
  name: 'rip',
  bits: 64,
  get: (cpu) => linearToBigInt(cpu.rip),
  set: (cpu, value) => {
    const linear = bigIntToLinear(BigInt.asUintN(64, value));
    if (linear === undefined) return `rip must be a canonical address (bits 63:47 all equal); ${value.toString(16)} is not`;
    cpu.rip = linear;
    return undefined;
  },
});

/** RFLAGS bits that software may change (everything else is fixed or reserved). */
const EDITABLE_FLAGS = 0x3f7fd5;
define({
  name: 'rflags',
  bits: 64,
  get: (cpu) => BigInt(cpu.rflags >>> 0),
  set: (cpu, value) => {
    const v = BigInt.asUintN(64, value);
    if ((v & ~BigInt(EDITABLE_FLAGS | Flag.FIXED1)) !== 0n) return `rflags: reserved bits set in ${'0x' + v.toString(16)} (writable mask 0x${EDITABLE_FLAGS.toString(16)})`;
    cpu.rflags = Number(v);
    return undefined;
  },
});

/** Single RFLAGS bits by lowercase name (cf, zf, ...); IOPL is two bits. */
export const FLAG_BITS: readonly { name: string; mask: number; shift: number; description: string }[] = [
  { name: 'CF', mask: Flag.CF, shift: 0, description: 'carry' },
  { name: 'PF', mask: Flag.PF, shift: 2, description: 'parity' },
  { name: 'AF', mask: Flag.AF, shift: 4, description: 'auxiliary carry' },
  { name: 'ZF', mask: Flag.ZF, shift: 6, description: 'zero' },
  { name: 'SF', mask: Flag.SF, shift: 7, description: 'sign' },
  { name: 'TF', mask: Flag.TF, shift: 8, description: 'trap' },
  { name: 'IF', mask: Flag.IF, shift: 9, description: 'interrupt enable' },
  { name: 'DF', mask: Flag.DF, shift: 10, description: 'direction' },
  { name: 'OF', mask: Flag.OF, shift: 11, description: 'overflow' },
  { name: 'IOPL', mask: Flag.IOPL, shift: 12, description: 'I/O privilege level' },
  { name: 'NT', mask: Flag.NT, shift: 14, description: 'nested task' },
  { name: 'RF', mask: Flag.RF, shift: 16, description: 'resume' },
  { name: 'VM', mask: Flag.VM, shift: 17, description: 'virtual-8086 mode' },
  { name: 'AC', mask: Flag.AC, shift: 18, description: 'alignment check' },
  { name: 'VIF', mask: Flag.VIF, shift: 19, description: 'virtual interrupt' },
  { name: 'VIP', mask: Flag.VIP, shift: 20, description: 'virtual interrupt pending' },
  { name: 'ID', mask: Flag.ID, shift: 21, description: 'CPUID available' },
];

for (const flag of FLAG_BITS) {
  const max = BigInt(flag.mask >>> flag.shift);
  define({
    name: flag.name.toLowerCase(),
    bits: flag.name === 'IOPL' ? 2 : 1,
    get: (cpu) => BigInt((cpu.rflags & flag.mask) >>> flag.shift),
    set: (cpu, value) => {
      if (value < 0n || value > max) return `${flag.name} takes 0..${max}, got ${value}`;
      if ((flag.mask & EDITABLE_FLAGS) === 0) return `${flag.name} cannot be changed from the debugger`;
      cpu.rflags = (cpu.rflags & ~flag.mask) | (Number(value) << flag.shift);
      return undefined;
    },
  });
}

define({ name: 'cr0', bits: 64, get: (cpu) => BigInt(cpu.cr0 >>> 0) });
define({ name: 'cr2', bits: 64, get: (cpu) => linearToBigInt(cpu.cr2) });
define({ name: 'cr3', bits: 64, get: (cpu) => BigInt(cpu.cr3) });
define({ name: 'cr4', bits: 64, get: (cpu) => BigInt(cpu.cr4 >>> 0) });
define({ name: 'cr8', bits: 64, get: (cpu) => BigInt(cpu.cr8) });
define({ name: 'efer', bits: 64, get: (cpu) => BigInt(cpu.efer >>> 0) });

export function lookupRegister(name: string): RegisterDef | undefined {
  return registers.get(name.toLowerCase());
}

export function registerNames(): string[] {
  return [...registers.keys()];
}

/** Every register as hex strings, for the `hyperscope/registers` custom request. */
export function registerDump(cpu: Cpu): RegistersResult {
  const values: Record<string, string> = {};
  GPR_NAMES.forEach((name, i) => (values[name] = hexPadded(cpu.getGpr(i), 16)));
  for (const name of ['rip', 'rflags', 'cr0', 'cr2', 'cr3', 'cr4', 'efer']) values[name] = hex64(registers.get(name)!.get(cpu));
  const segments: RegistersResult['segments'] = {};
  SEGMENT_NAMES.forEach((name, i) => {
    const s = cpu.segments[i]!;
    segments[name] = { selector: hexPadded(s.selector, 4), base: hex64(s.base), limit: hex64(s.limit), accessRights: hex64(s.accessRights) };
  });
  return { values, segments, cpl: cpu.cpl, instret: cpu.instret };
}
