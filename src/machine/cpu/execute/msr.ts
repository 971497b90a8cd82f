/**
 * RDMSR/WRMSR through the MSR registry (msrs.ts), and the time-stamp counter
 * instructions RDTSC/RDTSCP (TSC = retired instructions + IA32_TSC_ADJUST; CR4.TSD
 * makes them privileged). Privilege faults come before VM exits (SDM 26.1.1).
 */
import { Mnemonic } from 'iced-x86';
import type { Factory } from '../compile';
import type { Cpu } from '../cpu';
import { gp0 } from '../fault';
import { Intercept } from '../intercept';
import { Msr } from '../msrIndex';
import { readMsr, timeStampCounter, writeMsr } from '../msrs';
import { Cr4 } from '../../paging/walker';
import { requireCpl0 } from './privilege';

/** EDX:EAX = value (upper halves of RAX/RDX cleared). */
function setEdxEax(cpu: Cpu, value: bigint): void {
  cpu.lo[0] = Number(value & 0xffffffffn);
  cpu.lo[2] = Number((value >> 32n) & 0xffffffffn);
  cpu.hi[0] = 0;
  cpu.hi[2] = 0;
}

const rdmsr: Factory = (d) => (cpu) => {
  requireCpl0(cpu);
  const index = cpu.lo[1]!;
  if (cpu.nonRoot && cpu.nonRoot.exitsNow(Intercept.Rdmsr, { length: d.length, msr: index })) return;
  setEdxEax(cpu, readMsr(cpu, index));
};

const wrmsr: Factory = (d) => (cpu) => {
  requireCpl0(cpu);
  const index = cpu.lo[1]!;
  const value = (BigInt(cpu.lo[2]!) << 32n) | BigInt(cpu.lo[0]!);
  if (cpu.nonRoot && cpu.nonRoot.exitsNow(Intercept.Wrmsr, { length: d.length, msr: index, value })) return;
  writeMsr(cpu, index, value);
};

function requireTscAllowed(cpu: Cpu): void {
  if (cpu.cr4 & Cr4.TSD && cpu.cpl !== 0) throw gp0();
}

const rdtsc: Factory = (d) => (cpu) => {
  requireTscAllowed(cpu);
  if (cpu.nonRoot && cpu.nonRoot.exitsNow(Intercept.Rdtsc, { length: d.length })) return;
  setEdxEax(cpu, timeStampCounter(cpu));
};

/** RDTSCP: RDTSC plus ECX = IA32_TSC_AUX. */
const rdtscp: Factory = (d) => (cpu) => {
  requireTscAllowed(cpu);
  if (cpu.nonRoot && cpu.nonRoot.exitsNow(Intercept.Rdtscp, { length: d.length })) return;
  setEdxEax(cpu, timeStampCounter(cpu));
  cpu.lo[1] = Number(readMsr(cpu, Msr.IA32_TSC_AUX) & 0xffffffffn);
  cpu.hi[1] = 0;
};

export const msrHandlers: [number, Factory][] = [
  [Mnemonic.Rdmsr, rdmsr],
  [Mnemonic.Wrmsr, wrmsr],
  [Mnemonic.Rdtsc, rdtsc],
  [Mnemonic.Rdtscp, rdtscp],
];
