/**
 * The x2APIC MSR interface (SDM Vol. 3 11.12.1.2, table "Local APIC Register Address Map
 * Supported by x2APIC"): MSR 0x800 + (xAPIC offset >> 4). One table row per register
 * with its access rule; as the SDM says for x2APIC mode: reserved or unimplemented MSRs,
 * writes to read-only registers and reads of write-only ones raise #GP(0); bits 63:32
 * must be 0 except in the ICR; TPR and SVR reserved bits, and nonzero EOI or ESR writes,
 * raise #GP(0). With the APIC not in x2APIC mode every MSR 0x800–0x8ff raises #GP(0).
 * The same functions serve the CPU's APIC and the hypervisor's virtual one.
 */
import { gp0 } from '../cpu/fault';
import { APIC_VERSION, ApicBase, Lvt, type LocalApic } from './localApic';

interface X2apicRegister {
  readonly name: string;
  read?(apic: LocalApic): bigint;
  /** `value` has bits 63:32 clear (checked before) except for the ICR. */
  write?(apic: LocalApic, value: bigint, low: number): void;
}

const n = BigInt;

function lvtRegister(name: string, index: number): X2apicRegister {
  return { name, read: (apic) => n(apic.lvt[index]!), write: (apic, _v, low) => apic.writeLvt(index, low) };
}

function rejectReserved(low: number, mask: number): void {
  if ((low & ~mask) !== 0) throw gp0();
}

/** Rows by MSR offset from 0x800. */
const REGISTERS = new Map<number, X2apicRegister>([
  [0x02, { name: 'ID', read: (apic) => n(apic.id) }],
  [0x03, { name: 'version', read: () => n(APIC_VERSION) }],
  [0x08, { name: 'TPR', read: (apic) => n(apic.tpr), write: (apic, _v, low) => (rejectReserved(low, 0xff), apic.writeTpr(low)) }],
  [0x0a, { name: 'PPR', read: (apic) => n(apic.ppr) }],
  [0x0b, { name: 'EOI', write: (apic, _v, low) => (rejectReserved(low, 0), apic.eoi()) }],
  [0x0d, { name: 'LDR', read: (apic) => n(apic.ldr) }],
  [0x0f, { name: 'SVR', read: (apic) => n(apic.svr), write: (apic, _v, low) => (rejectReserved(low, 0x1ff), apic.writeSvr(low)) }],
  [0x28, { name: 'ESR', read: (apic) => n(apic.esr), write: (apic, _v, low) => (rejectReserved(low, 0), apic.latchErrors()) }],
  [0x30, { name: 'ICR', read: (apic) => apic.icr, write: (apic, value) => apic.writeIcr(value) }],
  [0x32, lvtRegister('LVT timer', Lvt.Timer)],
  [0x33, lvtRegister('LVT thermal sensor', Lvt.Thermal)],
  [0x34, lvtRegister('LVT performance monitoring', Lvt.Performance)],
  [0x35, lvtRegister('LVT LINT0', Lvt.Lint0)],
  [0x36, lvtRegister('LVT LINT1', Lvt.Lint1)],
  [0x37, lvtRegister('LVT error', Lvt.Error)],
  [0x38, { name: 'initial count', read: (apic) => n(apic.timer.initialCount), write: (apic, _v, low) => apic.timer.writeInitialCount(low, apic.timerMode) }],
  [0x39, { name: 'current count', read: (apic) => n(apic.timer.currentCount(apic.timerMode)) }],
  [0x3e, { name: 'divide configuration', read: (apic) => n(apic.timer.divideConfig), write: (apic, _v, low) => apic.timer.writeDivideConfig(low, apic.timerMode) }],
  [0x3f, { name: 'SELF IPI', write: (apic, _v, low) => (rejectReserved(low, 0xff), apic.sendFixed(low)) }],
]);
for (let i = 0; i < 8; i++) {
  REGISTERS.set(0x10 + i, { name: `ISR${i}`, read: (apic) => n(apic.isr[i]!) });
  REGISTERS.set(0x18 + i, { name: `TMR${i}`, read: (apic) => n(apic.tmr[i]!) });
  REGISTERS.set(0x20 + i, { name: `IRR${i}`, read: (apic) => n(apic.irr[i]!) });
}

export const X2APIC_FIRST = 0x800;
export const X2APIC_LAST = 0x8ff;

export function isX2apicMsr(index: number): boolean {
  return index >= X2APIC_FIRST && index <= X2APIC_LAST;
}

/** The register name of an x2APIC MSR (for the debugger), or undefined when reserved. */
export function x2apicRegisterName(index: number): string | undefined {
  return REGISTERS.get(index - X2APIC_FIRST)?.name;
}

/** RDMSR of an x2APIC MSR; throws #GP(0) per the rules above. */
export function readX2apic(apic: LocalApic, index: number): bigint {
  const register = REGISTERS.get(index - X2APIC_FIRST);
  if (!apic.x2apicMode || !register?.read) throw gp0();
  return register.read(apic);
}

/** WRMSR of an x2APIC MSR; throws #GP(0) per the rules above (before any state changes). */
export function writeX2apic(apic: LocalApic, index: number, value: bigint): void {
  const register = REGISTERS.get(index - X2APIC_FIRST);
  if (!apic.x2apicMode || !register?.write) throw gp0();
  if (index !== X2APIC_FIRST + 0x30 && value >> 32n !== 0n) throw gp0();
  register.write(apic, value, Number(value & 0xffffffffn));
}

/** Valid IA32_APIC_BASE bits: BSP (8), EXTD (10), EN (11), base address 45:12. */
const APIC_BASE_WRITABLE = (0x3ffffffffn << 12n) | ApicBase.EXTD | ApicBase.EN;

/**
 * IA32_APIC_BASE write (SDM 11.12.5, x2APIC state transitions): reserved bits, EXTD
 * without EN, and x2APIC → xAPIC (EN kept, EXTD cleared) raise #GP(0). Disabling the APIC
 * (EN = 0) clears its interrupt state, as a reset of the APIC does. BSP is read-only.
 */
export function writeApicBase(apic: LocalApic, value: bigint): void {
  if ((value & ~(APIC_BASE_WRITABLE | ApicBase.BSP)) !== 0n) throw gp0();
  const en = (value & ApicBase.EN) !== 0n;
  const extd = (value & ApicBase.EXTD) !== 0n;
  if (extd && !en) throw gp0();
  if (apic.x2apicMode && en && !extd) throw gp0();
  if (!apic.enabled && en && extd) throw gp0(); // disabled → x2APIC must go through xAPIC first
  const next = (value & APIC_BASE_WRITABLE) | (apic.apicBase & ApicBase.BSP);
  if (!en) apic.reset(next);
  else apic.apicBase = next;
}

/** IA32_TSC_DEADLINE (0x6e0): reads 0 outside TSC-deadline mode; writes arm or disarm the timer there. */
export function readTscDeadline(apic: LocalApic): bigint {
  return apic.timerMode === 2 ? apic.timer.tscDeadline : 0n;
}

export function writeTscDeadline(apic: LocalApic, value: bigint, tsc: bigint): void {
  apic.timer.writeTscDeadline(value, tsc, apic.timerMode);
}

export const IA32_TSC_DEADLINE = 0x6e0;
