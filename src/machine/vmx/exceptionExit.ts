/**
 * Exceptions in VMX non-root operation (SDM 26.2; fact sheet §3.5): the exception bitmap
 * decides whether an exception exits (reason 0); for #PF the error code is compared with
 * the mask/match fields: exit iff ((PFEC & mask) == match) == bitmap bit 14.
 */
import { Vector, hasErrorCode, type CpuFault } from '../cpu/fault';
import { ExitReason } from './exitReasons';
import { F } from './fields';
import type { Vmcs } from './vmcs';
import type { ExitInfo } from './vmExit';

/** Interruption types (fact sheet §3.3). */
export const InterruptionType = { External: 0, Nmi: 2, HardwareException: 3, SoftwareInterrupt: 4, PrivilegedSoftwareException: 5, SoftwareException: 6, Other: 7 } as const;

const VALID = 0x80000000;
const ERROR_VALID = 0x800;

/** Interruption information of a hardware exception (or NMI) raised by the processor. */
export function interruptionInfo(vector: number, errorCode: number | undefined): number {
  const type = vector === Vector.NMI ? InterruptionType.Nmi : InterruptionType.HardwareException;
  const withError = errorCode !== undefined && hasErrorCode(vector);
  return (VALID | (withError ? ERROR_VALID : 0) | (type << 8) | vector) >>> 0;
}

/** DR6 bits a #DB exit reports as its qualification (SDM 27.2.1 Table 27-1): B0–B3, BD (13), BS (14). */
export const DEBUG_QUALIFICATION_BITS = 0x600f;

/**
 * The exit for `fault`, or undefined when the exception is delivered to the guest. `dr6`:
 * DR6 as the #DB being raised set it — a #DB exit reports those bits as qualification.
 */
export function exceptionExit(vmcs: Vmcs, fault: CpuFault, dr6 = 0): ExitInfo | undefined {
  const vector = fault.vector;
  const bitmap = vmcs.get32(F.EXCEPTION_BITMAP);
  let exits = ((bitmap >>> vector) & 1) === 1;
  if (vector === Vector.PF) {
    const mask = vmcs.get32(F.PAGE_FAULT_ERROR_CODE_MASK);
    const match = vmcs.get32(F.PAGE_FAULT_ERROR_CODE_MATCH);
    exits = (((fault.errorCode ?? 0) & mask) >>> 0 === match) === exits;
  }
  if (!exits) return undefined;
  const withError = fault.errorCode !== undefined && hasErrorCode(vector);
  const info = interruptionInfo(vector, fault.errorCode);
  return {
    reason: ExitReason.ExceptionOrNmi,
    // #PF: the linear address CR2 would have received (CR2 is not written); #DB: the DR6 bits.
    qualification: vector === Vector.PF && fault.address !== undefined ? BigInt.asUintN(64, BigInt(fault.address)) : vector === Vector.DB ? dr6 & DEBUG_QUALIFICATION_BITS : 0,
    interruptionInfo: info,
    interruptionError: withError ? fault.errorCode : 0,
  };
}
