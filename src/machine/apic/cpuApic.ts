/**
 * The processor's own local APIC (one per CPU, created on first use like the VMX unit)
 * and its MSRs in the CPU's MSR registry: IA32_APIC_BASE (0x1b), IA32_TSC_DEADLINE
 * (0x6e0) and the x2APIC range 0x800–0x8ff. Reset state: xAPIC mode at 0xfee00000 (the
 * xAPIC MMIO page is not simulated: software sets IA32_APIC_BASE.EXTD to use the APIC).
 */
import type { Cpu } from '../cpu/cpu';
import { registerMsr, timeStampCounter } from '../cpu/msrs';
import { Msr } from '../cpu/msrIndex';
import { LocalApic } from './localApic';
import { IA32_TSC_DEADLINE, X2APIC_FIRST, X2APIC_LAST, readTscDeadline, readX2apic, writeApicBase, writeTscDeadline, writeX2apic } from './x2apicMsrs';

const apics = new WeakMap<Cpu, LocalApic>();

/** The local APIC of `cpu` (APIC ID 0: the machine has one processor). */
export function apicOf(cpu: Cpu): LocalApic {
  let apic = apics.get(cpu);
  if (!apic) {
    apic = new LocalApic(0, () => cpu.instret);
    apics.set(cpu, apic);
  }
  return apic;
}

registerMsr(Msr.IA32_APIC_BASE, { read: (cpu) => apicOf(cpu).apicBase, write: (cpu, value) => writeApicBase(apicOf(cpu), value) });
registerMsr(IA32_TSC_DEADLINE, { read: (cpu) => readTscDeadline(apicOf(cpu)), write: (cpu, value) => writeTscDeadline(apicOf(cpu), value, timeStampCounter(cpu)) });
for (let index = X2APIC_FIRST; index <= X2APIC_LAST; index++) {
  registerMsr(index, { read: (cpu) => readX2apic(apicOf(cpu), index), write: (cpu, value) => writeX2apic(apicOf(cpu), index, value) });
}
