// Scopes and variables: the "Registers" scope (GPRs, RIP, RFLAGS with its flags, segment
// registers with their hidden parts, CR0/CR2/CR3/CR4/EFER bit by bit), values in hex.
// Variable references are stable numbers so the client keeps expanded nodes across
// steps. Further scopes (VMCS, last VM exit) plug in as `ScopeProvider`s.
import type { DebugProtocol } from '@vscode/debugprotocol';
import type { Cpu } from '../machine/cpu/cpu';
import { GPR_NAMES, SEGMENT_NAMES } from '../machine/cpu/registers';
import { ACCESS_RIGHTS_BITS, CR0_BITS, CR3_BITS, CR4_BITS, EFER_BITS, fieldValue, setBitNames, type BitField } from './bitfields';
import { FLAG_BITS, lookupRegister } from './registers';
import { hex64, hexPadded } from './format';
import { formatMemoryReference } from './memory';

/** A source of extra scopes (next: VMCS guest/host state, controls, exit information). */
export interface ScopeProvider {
  scopes(): DebugProtocol.Scope[];
  /** Children of `reference`, or undefined if the reference is not this provider's. */
  variables(reference: number): DebugProtocol.Variable[] | undefined;
  /** Sets a variable; returns the new value shown, or throws Error with why not. Undefined if not this provider's reference. */
  setVariable?(reference: number, name: string, value: bigint): string | undefined;
}

export const Ref = {
  registers: 1,
  rflags: 2,
  /** 10 + segment number: selector, base, limit, access rights. */
  segmentBase: 10,
  /** 20 + segment number: access-rights fields. */
  accessRightsBase: 20,
  cr0: 30,
  cr3: 31,
  cr4: 32,
  efer: 33,
  /** First reference handed to providers. */
  firstProvided: 1000,
} as const;

const BIT_REGISTERS: { name: string; ref: number; fields: readonly BitField[]; get(cpu: Cpu): bigint }[] = [
  { name: 'cr0', ref: Ref.cr0, fields: CR0_BITS, get: (cpu) => BigInt(cpu.cr0 >>> 0) },
  { name: 'cr3', ref: Ref.cr3, fields: CR3_BITS, get: (cpu) => BigInt(cpu.cr3) },
  { name: 'cr4', ref: Ref.cr4, fields: CR4_BITS, get: (cpu) => BigInt(cpu.cr4 >>> 0) },
  { name: 'efer', ref: Ref.efer, fields: EFER_BITS, get: (cpu) => BigInt(cpu.efer >>> 0) },
];

function plain(name: string, value: string, evaluateName?: string, type = 'register'): DebugProtocol.Variable {
  return { name, value, variablesReference: 0, evaluateName, type };
}

function fieldVariables(value: bigint, fields: readonly BitField[]): DebugProtocol.Variable[] {
  return fields.map((f) => {
    const v = fieldValue(value, f);
    const width = f.width ?? 1;
    const shown = width === 1 ? `${v} (${f.description})` : `${width >= 8 ? hex64(v) : v.toString()} (${f.description})`;
    return plain(f.name, shown, undefined, 'bit field');
  });
}

export class RegisterVariables {
  readonly providers: ScopeProvider[] = [];

  constructor(private readonly cpu: () => Cpu) {}

  scopes(): DebugProtocol.Scope[] {
    const own: DebugProtocol.Scope = { name: 'Registers', variablesReference: Ref.registers, expensive: false, presentationHint: 'registers' };
    return [own, ...this.providers.flatMap((p) => p.scopes())];
  }

  variables(reference: number): DebugProtocol.Variable[] | undefined {
    const cpu = this.cpu();
    if (reference === Ref.registers) return this.registers(cpu);
    if (reference === Ref.rflags) return this.flags(cpu);
    const segment = reference - Ref.segmentBase;
    if (segment >= 0 && segment < SEGMENT_NAMES.length) return this.segment(cpu, segment);
    const rights = reference - Ref.accessRightsBase;
    if (rights >= 0 && rights < SEGMENT_NAMES.length) return fieldVariables(BigInt(cpu.segments[rights]!.accessRights), ACCESS_RIGHTS_BITS);
    const bits = BIT_REGISTERS.find((r) => r.ref === reference);
    if (bits) return fieldVariables(bits.get(cpu), bits.fields);
    for (const provider of this.providers) {
      const provided = provider.variables(reference);
      if (provided) return provided;
    }
    return undefined;
  }

  private registers(cpu: Cpu): DebugProtocol.Variable[] {
    const out: DebugProtocol.Variable[] = GPR_NAMES.map((name, i) => {
      const v = plain(name, hexPadded(cpu.getGpr(i), 16), name);
      if (name === 'rsp' || name === 'rbp') v.memoryReference = formatMemoryReference('gva', cpu.gprAsAddress(i));
      return v;
    });
    out.push({ ...plain('rip', hexPadded(BigInt.asUintN(64, BigInt(cpu.rip)), 16), 'rip'), memoryReference: formatMemoryReference('gva', cpu.rip) });
    const rflags = BigInt(cpu.rflags >>> 0);
    out.push({ name: 'rflags', value: `${hex64(rflags)} [${FLAG_BITS.filter((f) => f.name !== 'IOPL' && (cpu.rflags & f.mask) !== 0).map((f) => f.name).join(' ')}]`, variablesReference: Ref.rflags, evaluateName: 'rflags', type: 'register' });
    SEGMENT_NAMES.forEach((name, i) => {
      const s = cpu.segments[i]!;
      out.push({ name, value: `${hexPadded(s.selector, 4)} (base ${hex64(s.base)}, limit ${hex64(s.limit)})`, variablesReference: Ref.segmentBase + i, type: 'segment' });
    });
    for (const r of BIT_REGISTERS) {
      const value = r.get(cpu);
      const row: DebugProtocol.Variable = { name: r.name, value: `${hex64(value)} [${setBitNames(value, r.fields)}]`, variablesReference: r.ref, evaluateName: r.name, type: 'register' };
      // CR3 names the PML4 by its (guest-)physical address; CR2 is the last faulting linear address
      if (r.name === 'cr3') row.memoryReference = formatMemoryReference('gpa', Number(value & 0x000ffffffffff000n));
      out.push(row);
      if (r.name === 'cr0') out.push({ ...plain('cr2', hexPadded(BigInt.asUintN(64, BigInt(cpu.cr2)), 16), 'cr2'), memoryReference: formatMemoryReference('gva', cpu.cr2) });
    }
    out.push(plain('gdtr', `base ${hex64(cpu.gdtr.base)}, limit ${hex64(cpu.gdtr.limit)}`, undefined, 'descriptor table'));
    out.push(plain('idtr', `base ${hex64(cpu.idtr.base)}, limit ${hex64(cpu.idtr.limit)}`, undefined, 'descriptor table'));
    out.push(plain('cpl', String(cpu.cpl), undefined, 'privilege level'));
    return out;
  }

  private flags(cpu: Cpu): DebugProtocol.Variable[] {
    return FLAG_BITS.map((f) => plain(f.name, `${(cpu.rflags & f.mask) >>> f.shift}`, f.name.toLowerCase(), 'flag'));
  }

  private segment(cpu: Cpu, index: number): DebugProtocol.Variable[] {
    const s = cpu.segments[index]!;
    return [
      plain('selector', `${hexPadded(s.selector, 4)} (index ${s.selector >> 3}, ${s.selector & 4 ? 'LDT' : 'GDT'}, RPL ${s.selector & 3})`, undefined, 'selector'),
      plain('base', hex64(s.base), undefined, 'address'),
      plain('limit', hex64(s.limit), undefined, 'limit'),
      { name: 'access rights', value: `${hexPadded(s.accessRights, 5)} [${setBitNames(BigInt(s.accessRights), ACCESS_RIGHTS_BITS)}]`, variablesReference: Ref.accessRightsBase + index, type: 'access rights' },
    ];
  }

  /**
   * Sets a register (in the Registers scope) or a flag (under rflags) to `value`; returns
   * the value as the view shows it. Throws Error with a message the user can act on.
   */
  setVariable(reference: number, name: string, value: bigint): string {
    const cpu = this.cpu();
    if (reference === Ref.registers || reference === Ref.rflags) {
      const register = lookupRegister(name);
      if (!register) throw new Error(`'${name}' is not a register`);
      if (!register.set) throw new Error(`${name} is read-only in the debugger (only general-purpose registers, rip, rflags and flags can be edited)`);
      const problem = register.set(cpu, value);
      if (problem) throw new Error(problem);
      const now = register.get(cpu);
      if (reference === Ref.rflags) return now.toString();
      if (name === 'rflags') return `${hex64(now)} [${FLAG_BITS.filter((f) => f.name !== 'IOPL' && (cpu.rflags & f.mask) !== 0).map((f) => f.name).join(' ')}]`;
      return register.bits === 64 ? hexPadded(now, 16) : hex64(now);
    }
    for (const provider of this.providers) {
      const shown = provider.setVariable?.(reference, name, value);
      if (shown !== undefined) return shown;
    }
    throw new Error(`'${name}' cannot be edited here: only registers in the Registers scope and flags under rflags can be set`);
  }
}
