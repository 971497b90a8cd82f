/**
 * CPUID (SDM Vol. 2 CPUID): EAX = leaf, ECX = subleaf; results from cpuidTable.ts. In
 * VMX non-root operation CPUID exits unconditionally (performed in place: no throw).
 */
import { Mnemonic } from 'iced-x86';
import type { Factory } from '../compile';
import { Intercept } from '../intercept';
import { cpuidResult } from '../cpuidTable';

const cpuid: Factory = (d) => (cpu) => {
  if (cpu.nonRoot && cpu.nonRoot.exitsNow(Intercept.Cpuid, { length: d.length })) return;
  const [eax, ebx, ecx, edx] = cpuidResult(cpu.lo[0]!, cpu.lo[1]!);
  cpu.lo[0] = eax >>> 0;
  cpu.lo[3] = ebx >>> 0;
  cpu.lo[1] = ecx >>> 0;
  cpu.lo[2] = edx >>> 0;
  cpu.hi[0] = cpu.hi[3] = cpu.hi[1] = cpu.hi[2] = 0;
};

export const cpuidHandlers: [number, Factory][] = [[Mnemonic.Cpuid, cpuid]];
