/**
 * VT-d primary fault reasons of legacy-mode DMA remapping (fact sheet §7.5). "Qualified"
 * faults are the ones a context entry's FPD (fault processing disable) bit suppresses;
 * faults found before a context entry is trusted (root-table problems, reserved bits in
 * the context entry) are always recorded.
 */

export interface FaultReasonInfo {
  readonly code: number;
  readonly name: string;
  readonly text: string;
  readonly qualified: boolean;
}

export const FaultReason = {
  rootNotPresent: 0x1,
  contextNotPresent: 0x2,
  contextInvalid: 0x3,
  beyondAddressWidth: 0x4,
  writeNotPermitted: 0x5,
  readNotPermitted: 0x6,
  pagingEntryAccess: 0x7,
  rootTableAccess: 0x8,
  contextTableAccess: 0x9,
  rootReserved: 0xa,
  contextReserved: 0xb,
  pagingReserved: 0xc,
  translationTypeBlocked: 0xd,
} as const;

export type FaultReasonCode = (typeof FaultReason)[keyof typeof FaultReason];

const TABLE: readonly FaultReasonInfo[] = [
  { code: 0x1, name: 'ROOT_ENTRY_NOT_PRESENT', text: 'root entry present bit clear', qualified: false },
  { code: 0x2, name: 'CONTEXT_ENTRY_NOT_PRESENT', text: 'context entry present bit clear', qualified: true },
  { code: 0x3, name: 'CONTEXT_ENTRY_INVALID', text: 'invalid context entry programming (translation type or address width)', qualified: true },
  { code: 0x4, name: 'ADDRESS_BEYOND_AGAW', text: 'address beyond the context\'s address width (AGAW/MGAW)', qualified: true },
  { code: 0x5, name: 'WRITE_NOT_PERMITTED', text: 'write not permitted (second-level W = 0)', qualified: true },
  { code: 0x6, name: 'READ_NOT_PERMITTED', text: 'read not permitted (second-level R = 0)', qualified: true },
  { code: 0x7, name: 'PAGING_ENTRY_ACCESS', text: 'error accessing a second-level paging entry (table not in memory)', qualified: true },
  { code: 0x8, name: 'ROOT_TABLE_ACCESS', text: 'error accessing the root table (root-table address not in memory)', qualified: false },
  { code: 0x9, name: 'CONTEXT_TABLE_ACCESS', text: 'error accessing a context table (context-table pointer not in memory)', qualified: false },
  { code: 0xa, name: 'ROOT_ENTRY_RESERVED', text: 'reserved field set in a present root entry', qualified: false },
  { code: 0xb, name: 'CONTEXT_ENTRY_RESERVED', text: 'reserved field set in a present context entry', qualified: false },
  { code: 0xc, name: 'PAGING_ENTRY_RESERVED', text: 'reserved field set in a second-level paging entry', qualified: true },
  { code: 0xd, name: 'TRANSLATION_TYPE_BLOCKED', text: 'request blocked by the context entry\'s translation type', qualified: true },
];

const BY_CODE = new Map(TABLE.map((info) => [info.code, info]));

export function faultReasonInfo(code: number): FaultReasonInfo {
  return BY_CODE.get(code) ?? { code, name: `REASON_${code.toString(16)}`, text: `fault reason 0x${code.toString(16)}`, qualified: false };
}

/** "write not permitted (second-level W = 0) (VT-d fault reason 0x5)" — the `reason` of a DmaFault. */
export function describeFaultReason(code: number): string {
  return `${faultReasonInfo(code).text} (VT-d fault reason 0x${code.toString(16)})`;
}
