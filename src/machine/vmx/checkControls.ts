/**
 * VM-entry checks on the VM-execution, VM-exit and VM-entry control fields (SDM
 * 26.2.1; fact sheet §10.1). A failure is VMfailValid(7). Controls the model does not
 * allow at all (TPR shadow, posted interrupts, PML, VM functions, …) are rejected by
 * the capability checks C1, so their dependent checks (C7–C11, C14, C16–C18, C25) are
 * unreachable and not listed.
 */
import { hasErrorCode } from '../cpu/fault';
import { TrueControls, controlAllowed, MiscInfo, type ControlCapability } from './capabilities';
import { F } from './fields';
import { aligned, physicalOk, type EntryCheck, type EntryContext } from './entryCheck';
import { Cr0 } from '../paging/walker';

const EXEC = '26.2.1.1';
const EXIT = '26.2.1.2';
const ENTRY = '26.2.1.3';

function capabilityCheck(id: string, field: string, word: (c: EntryContext) => number, cap: ControlCapability, what: string): EntryCheck {
  return {
    id,
    fields: [field],
    rule: `${what} must have the bits 0x${cap.mustBeOne.toString(16)} set and only bits of 0x${cap.mayBeOne.toString(16)} (IA32_VMX_TRUE_* / PROCBASED_CTLS2)`,
    sdm: what.startsWith('VM-exit') ? EXIT : what.startsWith('VM-entry') ? ENTRY : EXEC,
    violated: (c) => !controlAllowed(word(c), cap),
  };
}

const get = (c: EntryContext, encoding: number): bigint => c.vmcs.get(encoding);

/** Fields of the VM-entry interruption information (fact sheet §3.3). */
export function injection(c: EntryContext): { valid: boolean; vector: number; type: number; deliverError: boolean; reserved: number } {
  const info = c.vmcs.get32(F.VM_ENTRY_INTR_INFO);
  return { valid: info >>> 31 === 1, vector: info & 0xff, type: (info >>> 8) & 7, deliverError: (info & 0x800) !== 0, reserved: info & 0x7ffff000 };
}

function msrList(id: string, count: number, address: number, names: [string, string]): EntryCheck {
  return {
    id,
    fields: names,
    rule: `${names[1]} > 0 requires ${names[0]} 16-byte aligned with the whole list below 2^MAXPHYADDR`,
    sdm: id === 'C20c' ? ENTRY : EXIT,
    violated: (c) => {
      const n = c.vmcs.get32(count);
      if (n === 0) return false;
      const base = get(c, address);
      return !aligned(base, 16) || !physicalOk(base + BigInt(n) * 16n - 1n);
    },
  };
}

export const CONTROL_CHECKS: readonly EntryCheck[] = [
  capabilityCheck('C1', 'PIN_BASED_VM_EXEC_CONTROL', (c) => c.controls.pinValue, TrueControls.pin, 'pin-based VM-execution controls'),
  capabilityCheck('C1', 'CPU_BASED_VM_EXEC_CONTROL', (c) => c.controls.primaryValue, TrueControls.primary, 'primary processor-based VM-execution controls'),
  capabilityCheck('C1', 'SECONDARY_VM_EXEC_CONTROL', (c) => c.controls.secondaryValue, TrueControls.secondary, 'secondary processor-based VM-execution controls'),
  {
    id: 'C2',
    fields: ['CR3_TARGET_COUNT'],
    rule: `CR3-target count must not exceed ${MiscInfo.cr3TargetCount} (IA32_VMX_MISC bits 24:16)`,
    sdm: EXEC,
    violated: (c) => c.vmcs.get32(F.CR3_TARGET_COUNT) > MiscInfo.cr3TargetCount,
  },
  {
    id: 'C3',
    fields: ['IO_BITMAP_A', 'IO_BITMAP_B'],
    rule: '"use I/O bitmaps" requires both I/O-bitmap addresses 4 KiB aligned and below 2^MAXPHYADDR',
    sdm: EXEC,
    violated: (c) => c.controls.primary.useIoBitmaps && [F.IO_BITMAP_A, F.IO_BITMAP_B].some((f) => !aligned(get(c, f), 4096) || !physicalOk(get(c, f))),
  },
  {
    id: 'C4',
    fields: ['MSR_BITMAP'],
    rule: '"use MSR bitmaps" requires the MSR-bitmap address 4 KiB aligned and below 2^MAXPHYADDR',
    sdm: EXEC,
    violated: (c) => c.controls.primary.useMsrBitmaps && (!aligned(get(c, F.MSR_BITMAP), 4096) || !physicalOk(get(c, F.MSR_BITMAP))),
  },
  {
    id: 'C5',
    fields: ['PIN_BASED_VM_EXEC_CONTROL'],
    rule: 'pin-based control "virtual NMIs" set without "NMI exiting"',
    sdm: EXEC,
    violated: (c) => c.controls.pin.virtualNmis && !c.controls.pin.nmiExiting,
  },
  {
    id: 'C6',
    fields: ['PIN_BASED_VM_EXEC_CONTROL', 'CPU_BASED_VM_EXEC_CONTROL'],
    rule: 'primary control "NMI-window exiting" set without pin-based "virtual NMIs"',
    sdm: EXEC,
    violated: (c) => c.controls.primary.nmiWindowExiting && !c.controls.pin.virtualNmis,
  },
  {
    id: 'C12',
    fields: ['EPT_POINTER'],
    rule: '"enable EPT" requires a valid EPTP: memory type 0 (UC) or 6 (WB), page-walk length 4 (bits 5:3 = 3), bits 11:7 zero, address below 2^MAXPHYADDR',
    sdm: EXEC,
    violated: (c) => c.controls.secondary.enableEpt && !eptpValid(get(c, F.EPT_POINTER)),
  },
  {
    id: 'C13',
    fields: ['SECONDARY_VM_EXEC_CONTROL'],
    rule: `secondary control 'unrestricted guest' set without 'enable EPT'`,
    sdm: EXEC,
    violated: (c) => c.controls.secondary.unrestrictedGuest && !c.controls.secondary.enableEpt,
  },
  {
    id: 'C15',
    fields: ['SECONDARY_VM_EXEC_CONTROL', 'VPID'],
    rule: `secondary control 'enable VPID' set with VPID 0`,
    sdm: EXEC,
    violated: (c) => c.controls.secondary.enableVpid && c.vmcs.get32(F.VPID) === 0,
  },
  capabilityCheck('C1', 'VM_EXIT_CONTROLS', (c) => c.controls.exitValue, TrueControls.exit, 'VM-exit controls'),
  {
    id: 'C19',
    fields: ['VM_EXIT_CONTROLS', 'PIN_BASED_VM_EXEC_CONTROL'],
    rule: `exit control 'save VMX-preemption-timer value' set without pin-based 'activate VMX-preemption timer'`,
    sdm: EXIT,
    violated: (c) => c.controls.exit.savePreemptionTimer && !c.controls.pin.activatePreemptionTimer,
  },
  msrList('C20a', F.VM_EXIT_MSR_STORE_COUNT, F.VM_EXIT_MSR_STORE_ADDR, ['VM_EXIT_MSR_STORE_ADDR', 'VM_EXIT_MSR_STORE_COUNT']),
  msrList('C20b', F.VM_EXIT_MSR_LOAD_COUNT, F.VM_EXIT_MSR_LOAD_ADDR, ['VM_EXIT_MSR_LOAD_ADDR', 'VM_EXIT_MSR_LOAD_COUNT']),
  capabilityCheck('C1', 'VM_ENTRY_CONTROLS', (c) => c.controls.entryValue, TrueControls.entry, 'VM-entry controls'),
  msrList('C20c', F.VM_ENTRY_MSR_LOAD_COUNT, F.VM_ENTRY_MSR_LOAD_ADDR, ['VM_ENTRY_MSR_LOAD_ADDR', 'VM_ENTRY_MSR_LOAD_COUNT']),
  {
    id: 'C22',
    fields: ['VM_ENTRY_INTR_INFO'],
    rule: 'injected event: type 1 is reserved, type 7 needs vector 0, an NMI (type 2) needs vector 2, a hardware exception (type 3) needs vector ≤ 31, bits 30:12 must be 0',
    sdm: ENTRY,
    violated: (c) => {
      const e = injection(c);
      if (!e.valid) return false;
      return e.type === 1 || (e.type === 7 && e.vector !== 0) || (e.type === 2 && e.vector !== 2) || (e.type === 3 && e.vector > 31) || e.reserved !== 0;
    },
  },
  {
    id: 'C23',
    fields: ['VM_ENTRY_INTR_INFO', 'VM_ENTRY_EXCEPTION_ERROR_CODE'],
    rule: "injected event: 'deliver error code' must be set exactly for a hardware exception that pushes one in protected mode, and the error code's bits 31:16 must be 0",
    sdm: ENTRY,
    violated: (c) => {
      const e = injection(c);
      if (!e.valid) return false;
      const protectedMode = (c.vmcs.get32(F.GUEST_CR0) & Cr0.PE) !== 0 || !c.controls.secondary.unrestrictedGuest;
      const needs = e.type === 3 && protectedMode && hasErrorCode(e.vector);
      return e.deliverError !== needs || (e.deliverError && c.vmcs.get32(F.VM_ENTRY_EXCEPTION_ERROR_CODE) >>> 16 !== 0);
    },
  },
  {
    id: 'C24',
    fields: ['VM_ENTRY_INTR_INFO', 'VM_ENTRY_INSTRUCTION_LEN'],
    rule: 'injecting a software interrupt or exception (types 4, 5, 6) needs a VM-entry instruction length of 1 to 15',
    sdm: ENTRY,
    violated: (c) => {
      const e = injection(c);
      const length = c.vmcs.get32(F.VM_ENTRY_INSTRUCTION_LEN);
      return e.valid && e.type >= 4 && e.type <= 6 && (length < 1 || length > 15);
    },
  },
];

/** EPTP validity (fact sheet §6.2; C12). */
export function eptpValid(eptp: bigint): boolean {
  const memoryType = Number(eptp & 7n);
  const walkLength = Number((eptp >> 3n) & 7n);
  return (memoryType === 0 || memoryType === 6) && walkLength === 3 && (eptp & 0xf80n) === 0n && physicalOk(eptp);
}

