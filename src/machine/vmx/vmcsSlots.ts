/**
 * Dense storage slots of VMCS fields: width (encoding bits 14:13), type (bits 11:10) and
 * index (bits 5:1; every supported field has index < 32, checked below) give 512 slots,
 * so a VMCS's values fit in a few cache lines instead of being spread over the 14 K
 * possible encodings. Only supported encodings (fields.ts) may be passed.
 */
import { HIGHEST_FIELD_INDEX } from './fields';

export const SLOTS = 512;

/** The slot of a field's (full or high-access) encoding. */
export function slotOf(encoding: number): number {
  return (((encoding >>> 13) & 3) << 7) | (((encoding >>> 10) & 3) << 5) | ((encoding >>> 1) & 31);
}

if (HIGHEST_FIELD_INDEX >= 32) throw new Error(`VMCS field index ${HIGHEST_FIELD_INDEX} does not fit the dense slot layout`);
