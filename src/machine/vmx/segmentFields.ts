/**
 * Guest segment-register fields by register: ES, CS, SS, DS, FS, GS (encoding order),
 * then LDTR and TR. Each has selector, base, limit and access rights (fact sheet §1.2).
 */

export interface SegmentFieldSet {
  readonly name: string;
  readonly selector: number;
  readonly base: number;
  readonly limit: number;
  readonly accessRights: number;
}

const NAMES = ['ES', 'CS', 'SS', 'DS', 'FS', 'GS', 'LDTR', 'TR'] as const;

/** Index 0..5 = Seg.ES..Seg.GS, 6 = LDTR, 7 = TR. */
export const GUEST_SEGMENTS: readonly SegmentFieldSet[] = NAMES.map((name, i) => ({
  name,
  selector: 0x0800 + 2 * i,
  base: 0x6806 + 2 * i,
  limit: 0x4800 + 2 * i,
  accessRights: 0x4814 + 2 * i,
}));

export const SEG_LDTR = 6;
export const SEG_TR = 7;

/** Host selector fields for ES, CS, SS, DS, FS, GS, TR. */
export const HOST_SELECTORS = { ES: 0x0c00, CS: 0x0c02, SS: 0x0c04, DS: 0x0c06, FS: 0x0c08, GS: 0x0c0a, TR: 0x0c0c } as const;
