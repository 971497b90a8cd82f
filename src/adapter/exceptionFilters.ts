// Exception-breakpoint filters offered in `initialize`. Empty until the VMX unit lands:
// then one row per VM-exit family ("any VM exit", CPUID, HLT, I/O, MSR, CR access, EPT
// violation/misconfig, VMCALL, exception, external interrupt, triple fault, preemption
// timer, VMX instruction), "VM-entry failure", "guest exception" and "hypercall", each
// with `supportsCondition`. The session passes the table through and rejects unknown ids.
import type { DebugProtocol } from '@vscode/debugprotocol';

export const EXCEPTION_FILTERS: DebugProtocol.ExceptionBreakpointsFilter[] = [];

/** The filter ids in a setExceptionBreakpoints request that this adapter does not offer. */
export function unknownFilters(ids: readonly string[]): string[] {
  return ids.filter((id) => !EXCEPTION_FILTERS.some((f) => f.filter === id));
}
