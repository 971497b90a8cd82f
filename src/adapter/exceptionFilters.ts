// Exception-breakpoint filters offered in `initialize`: one row per VM-exit family ("any
// VM exit", CPUID, HLT, I/O, MSR, CR access, EPT violation/misconfig, VMCALL, exception
// or NMI, external interrupt, triple fault, preemption timer, VMX instruction) and
// "VM-entry failure" and "Guest exception", each with `supportsCondition` (an expression over the exit's
// fields and the registers). The session passes the table through and rejects unknown ids.
import type { DebugProtocol } from '@vscode/debugprotocol';
import { ExitReason as R } from '../machine/vmx/exitReasons';
import { GUEST_EXCEPTION_FILTER } from './guestExceptions';
import { HYPERCALL_FILTER, IOMMU_FAULT_FILTER } from './devicesBreaks';

/** The entry-failure filter's id (the others match exit reasons). */
export const ENTRY_FAILURE_FILTER = 'vm-entry-failure';

interface ExitFilter {
  readonly filter: string;
  readonly label: string;
  /** Basic exit reasons the filter stops on; undefined: every exit. */
  readonly reasons?: readonly number[];
}

const EXIT_FILTERS: readonly ExitFilter[] = [
  { filter: 'vm-exit-any', label: 'Any VM exit' },
  { filter: 'vm-exit-cpuid', label: 'VM exit: CPUID', reasons: [R.Cpuid] },
  { filter: 'vm-exit-hlt', label: 'VM exit: HLT', reasons: [R.Hlt] },
  { filter: 'vm-exit-io', label: 'VM exit: I/O instruction', reasons: [R.IoInstruction] },
  { filter: 'vm-exit-msr', label: 'VM exit: RDMSR / WRMSR', reasons: [R.Rdmsr, R.Wrmsr] },
  { filter: 'vm-exit-cr', label: 'VM exit: control-register access', reasons: [R.CrAccess] },
  { filter: 'vm-exit-ept', label: 'VM exit: EPT violation / misconfiguration', reasons: [R.EptViolation, R.EptMisconfiguration] },
  { filter: 'vm-exit-vmcall', label: 'VM exit: VMCALL', reasons: [R.Vmcall] },
  { filter: 'vm-exit-exception', label: 'VM exit: exception or NMI', reasons: [R.ExceptionOrNmi] },
  { filter: 'vm-exit-external-interrupt', label: 'VM exit: external interrupt', reasons: [R.ExternalInterrupt] },
  { filter: 'vm-exit-triple-fault', label: 'VM exit: triple fault', reasons: [R.TripleFault] },
  { filter: 'vm-exit-preemption-timer', label: 'VM exit: preemption timer', reasons: [R.PreemptionTimer] },
  {
    filter: 'vm-exit-vmx-instruction',
    label: 'VM exit: VMX instruction',
    reasons: [R.Vmclear, R.Vmlaunch, R.Vmptrld, R.Vmptrst, R.Vmread, R.Vmresume, R.Vmwrite, R.Vmxoff, R.Vmxon, R.Invept, R.Invvpid, R.Vmfunc],
  },
];

const CONDITION = 'Stop only when this holds, e.g. port == 0x3f8, reason == 48 && gpa >= 0xfee00000, rax == 2 (fields: reason, qualification, gpa, gla, rip, port, size, msr, cr, and the registers)';

export const EXCEPTION_FILTERS: DebugProtocol.ExceptionBreakpointsFilter[] = [
  ...EXIT_FILTERS.map((f) => ({ filter: f.filter, label: f.label, description: f.reasons ? `Stop after a VM exit with reason ${f.reasons.join(', ')}` : 'Stop after every VM exit', default: false, supportsCondition: true, conditionDescription: CONDITION })),
  { filter: ENTRY_FAILURE_FILTER, label: 'VM-entry failure', description: 'Stop when VMLAUNCH/VMRESUME fails (the field, the rule and the SDM section)', default: false, supportsCondition: true, conditionDescription: 'Stop only when this holds (registers)' },
  {
    filter: GUEST_EXCEPTION_FILTER,
    label: 'Guest exception',
    description: 'Stop when the guest takes an exception through its IDT (one that does not cause a VM exit), on the handler\'s first instruction',
    default: false,
    supportsCondition: true,
    conditionDescription: 'Stop only when this holds, e.g. vector == 14 && (errorCode & 2), vector == 13, cr2 >= 0x400000 (fields: vector, errorCode, rip of the faulting instruction, cr2, and the registers)',
  },
  {
    filter: HYPERCALL_FILTER,
    label: 'Hypercall',
    description: 'Stop after the guest\'s hypercall (VMCALL) is handled by the built-in hypervisor, on the next guest instruction (guest mode)',
    default: false,
    supportsCondition: true,
    conditionDescription: 'Hypercall names or numbers (sched_op, event_channel_op, 0x100), or an expression over nr, arg0–arg4, result and the registers (nr == 29 && arg0 == 2)',
  },
  {
    filter: IOMMU_FAULT_FILTER,
    label: 'IOMMU fault',
    description: 'Stop when the IOMMU blocks a device DMA (VT-d fault: recorded, suppressed by FPD or dropped on overflow)',
    default: false,
    supportsCondition: true,
    conditionDescription: 'Stop only when this holds, e.g. reason == 5, sid == 0x10 && write, address >= 0x2000000 (fields: sid, bus, dev, fn, address, reason, write)',
  },
];

/** Whether exit filter `id` stops on basic exit reason `reason`. */
export function filterMatchesReason(id: string, reason: number): boolean {
  const f = EXIT_FILTERS.find((e) => e.filter === id);
  return f !== undefined && (f.reasons === undefined || f.reasons.includes(reason));
}

/** The filter ids in a setExceptionBreakpoints request that this adapter does not offer. */
export function unknownFilters(ids: readonly string[]): string[] {
  return ids.filter((id) => !EXCEPTION_FILTERS.some((f) => f.filter === id));
}
