/**
 * Dirty-tracking groups of VMCS fields: every field slot belongs to one or more groups
 * (bits of a 32-bit mask). A `Vmcs` ORs the groups of every field whose value changes
 * into its `dirty` mask; the VM-entry check cache (checkCache.ts) re-runs a check only
 * when a group it read changed. Guest RFLAGS is split by bits: its status flags (CF,
 * PF, AF, ZF, SF, OF change with every arithmetic instruction) form a group of their
 * own, so checks that only test RFLAGS.VM/IF/reserved bits are not invalidated by them.
 */
import { F } from './fields';
import { GUEST_SEGMENTS } from './segmentFields';
import { SLOTS, slotOf } from './vmcsSlots';

export const Group = {
  /** The five control words (pin, primary, secondary, exit, entry controls): the decoded `Controls`. */
  controlWords: 1 << 0,
  /** Other VM-execution/exit/entry control fields (bitmaps, EPTP, VPID, MSR lists, masks…). */
  controls: 1 << 1,
  /** VM-entry event injection: interruption information, error code, instruction length. */
  entryEvent: 1 << 2,
  /** Read-only VM-exit information fields. */
  exitInfo: 1 << 3,
  /** Host-state area. */
  host: 1 << 4,
  guestRip: 1 << 5,
  /** Guest RFLAGS bits CF, PF, AF, ZF, SF, OF. */
  rflagsStatus: 1 << 6,
  /** Every other guest RFLAGS bit (incl. bits 63:32). */
  rflagsOther: 1 << 7,
  guestRsp: 1 << 8,
  /** Activity state, interruptibility, pending debug exceptions, preemption timer. */
  guestEvents: 1 << 9,
  /** Guest CR0, CR3, CR4, DR7. */
  guestCr: 1 << 10,
  /** Guest ES…GS, LDTR, TR (selector, base, limit, access rights): bit 11 + segment index. */
  segment0: 1 << 11,
  /** Guest GDTR and IDTR. */
  guestTables: 1 << 19,
  /** Guest MSR fields (SYSENTER, DEBUGCTL, PAT, EFER, PERF_GLOBAL_CTRL, SMBASE). */
  guestMsrs: 1 << 20,
  guestLink: 1 << 21,
  guestPdptes: 1 << 22,
  /** Any other guest-state field. */
  guestOther: 1 << 23,
  /** Not a field: IA32_EFER.LMA of the processor doing the entry (the H4 checks), changed when it differs from the last entry's. */
  processorLma: 1 << 24,
} as const;

/** RFLAGS bits of the `rflagsStatus` group. */
export const RFLAGS_STATUS_BITS = 0x8d5;
export const RFLAGS_SLOT = slotOf(F.GUEST_RFLAGS);

const BY_TYPE = [Group.controls, Group.exitInfo, Group.guestOther, Group.host];

const OVERRIDES: readonly [number, number][] = [
  ...[F.PIN_BASED_VM_EXEC_CONTROL, F.CPU_BASED_VM_EXEC_CONTROL, F.SECONDARY_VM_EXEC_CONTROL, F.VM_EXIT_CONTROLS, F.VM_ENTRY_CONTROLS].map((f): [number, number] => [f, Group.controlWords]),
  ...[F.VM_ENTRY_INTR_INFO, F.VM_ENTRY_EXCEPTION_ERROR_CODE, F.VM_ENTRY_INSTRUCTION_LEN].map((f): [number, number] => [f, Group.entryEvent]),
  [F.GUEST_RIP, Group.guestRip],
  [F.GUEST_RFLAGS, Group.rflagsStatus | Group.rflagsOther],
  [F.GUEST_RSP, Group.guestRsp],
  ...[F.GUEST_ACTIVITY_STATE, F.GUEST_INTERRUPTIBILITY_INFO, F.GUEST_PENDING_DBG_EXCEPTIONS, F.VMX_PREEMPTION_TIMER_VALUE].map((f): [number, number] => [f, Group.guestEvents]),
  ...[F.GUEST_CR0, F.GUEST_CR3, F.GUEST_CR4, F.GUEST_DR7].map((f): [number, number] => [f, Group.guestCr]),
  ...GUEST_SEGMENTS.flatMap((s, i): [number, number][] => [s.selector, s.base, s.limit, s.accessRights].map((f) => [f, Group.segment0 << i])),
  ...[F.GUEST_GDTR_BASE, F.GUEST_GDTR_LIMIT, F.GUEST_IDTR_BASE, F.GUEST_IDTR_LIMIT].map((f): [number, number] => [f, Group.guestTables]),
  ...[F.GUEST_SYSENTER_CS, F.GUEST_SYSENTER_ESP, F.GUEST_SYSENTER_EIP, F.GUEST_IA32_DEBUGCTL, F.GUEST_IA32_PAT, F.GUEST_IA32_EFER, F.GUEST_IA32_PERF_GLOBAL_CTRL, F.GUEST_SMBASE].map((f): [number, number] => [f, Group.guestMsrs]),
  [F.VMCS_LINK_POINTER, Group.guestLink],
  ...[F.GUEST_PDPTE0, F.GUEST_PDPTE1, F.GUEST_PDPTE2, F.GUEST_PDPTE3].map((f): [number, number] => [f, Group.guestPdptes]),
];

/** Groups of each field slot (vmcsSlots.ts). */
export const SLOT_GROUPS: Int32Array = (() => {
  const groups = new Int32Array(SLOTS);
  for (let slot = 0; slot < SLOTS; slot++) groups[slot] = BY_TYPE[(slot >>> 5) & 3]!;
  for (const [encoding, group] of OVERRIDES) groups[slotOf(encoding)] = group;
  return groups;
})();

/** Groups a value change of `slot` touches, given the changed bits of each half. */
export function changedGroups(slot: number, loChanged: number, hiChanged: number): number {
  if (slot !== RFLAGS_SLOT) return SLOT_GROUPS[slot]!;
  return (loChanged & RFLAGS_STATUS_BITS ? Group.rflagsStatus : 0) | (loChanged & ~RFLAGS_STATUS_BITS || hiChanged ? Group.rflagsOther : 0);
}

/** Groups a read of bits `mask` (low dword) of `slot` depends on. */
export function readGroups(slot: number, mask: number): number {
  if (slot !== RFLAGS_SLOT) return SLOT_GROUPS[slot]!;
  return (mask & RFLAGS_STATUS_BITS ? Group.rflagsStatus : 0) | (mask & ~RFLAGS_STATUS_BITS ? Group.rflagsOther : 0);
}
