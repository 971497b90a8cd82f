/**
 * Segment registers with their hidden descriptor caches, in the VMX access-rights
 * format (fact sheet §1.3): type 3:0, S 4, DPL 6:5, P 7, AVL 12, L 13, D/B 14, G 15,
 * unusable 16.
 */

export const Ar = {
  TYPE_MASK: 0xf,
  S: 1 << 4,
  DPL_SHIFT: 5,
  P: 1 << 7,
  AVL: 1 << 12,
  L: 1 << 13,
  DB: 1 << 14,
  G: 1 << 15,
  UNUSABLE: 1 << 16,
} as const;

export class SegmentRegister {
  selector = 0;
  base = 0;
  limit = 0xffff;
  accessRights: number = Ar.UNUSABLE;

  load(selector: number, base: number, limit: number, accessRights: number): void {
    this.selector = selector & 0xffff;
    this.base = base;
    this.limit = limit >>> 0;
    this.accessRights = accessRights;
  }

  get dpl(): number {
    return (this.accessRights >>> Ar.DPL_SHIFT) & 3;
  }

  copyFrom(other: SegmentRegister): void {
    this.load(other.selector, other.base, other.limit, other.accessRights);
  }
}

/** A descriptor-table register (GDTR/IDTR). */
export interface TableRegister {
  base: number;
  limit: number;
}

/**
 * Decodes an 8-byte code/data descriptor (lo, hi dwords) into base, limit and access
 * rights. System descriptors (TSS, LDT) in long mode are 16 bytes; the caller adds the
 * upper base bits.
 */
export function decodeDescriptor(lo: number, hi: number): { base: number; limit: number; accessRights: number } {
  const base = ((lo >>> 16) | ((hi & 0xff) << 16) | (hi & 0xff000000)) >>> 0;
  let limit = (lo & 0xffff) | (hi & 0xf0000);
  const accessRights = ((hi >>> 8) & 0xff) | (((hi >>> 20) & 0xf) << 12);
  if (accessRights & Ar.G) limit = ((limit << 12) | 0xfff) >>> 0;
  return { base, limit, accessRights };
}

/** Encodes an 8-byte descriptor (for building boot GDTs). */
export function encodeDescriptor(base: number, limit: number, accessRights: number): [number, number] {
  const lo = ((limit & 0xffff) | ((base & 0xffff) << 16)) >>> 0;
  const hi = (((base >>> 16) & 0xff) | ((accessRights & 0xff) << 8) | (limit & 0xf0000) | (((accessRights >>> 12) & 0xf) << 20) | (base & 0xff000000)) >>> 0;
  return [lo, hi];
}
