/** The IOMMU walk trace the debugger shows (JSON-able): every table entry read, in order. */

export interface IommuWalkStep {
  /** Which structure the entry belongs to. */
  readonly table: 'root' | 'context' | 'second-level';
  /** Second-level: 4 = PML4 … 1 = PT; 0 for root and context entries. */
  readonly level: number;
  readonly index: number;
  /** Host-physical address of the entry. */
  readonly entryAddress: number;
  /** Low 64 bits as hex ('' when the entry could not be read). */
  readonly value: string;
  /** High 64 bits of a 128-bit root or context entry. */
  readonly valueHigh?: string;
  readonly flags: string[];
  readonly outcome: 'next' | 'leaf' | 'not-present' | 'reserved' | 'permission' | 'invalid' | 'access-error';
  readonly pageSize?: number;
}

export interface IommuTrace {
  readonly sourceId: number;
  readonly address: number;
  readonly write: boolean;
  /** False: translation disabled (GSTS.TES = 0), the address is used as is. */
  readonly translationEnabled: boolean;
  readonly steps: IommuWalkStep[];
  /** Host-physical result when the walk succeeded (or when translation is off / pass-through). */
  hostPhysical?: number;
  pageSize?: number;
  domainId?: number;
  /** Why the access would be blocked: VT-d fault reason. */
  fault?: { readonly reason: number; readonly name: string; readonly text: string };
  /** The context cache holds this requester's context entry. */
  contextCached?: boolean;
  /** The IOTLB holds this page; its cached host address (may be stale against the tables). */
  iotlbHit?: boolean;
  iotlbHostPhysical?: number;
}

export function entryHex(high: number, low: number): string {
  return '0x' + (high >>> 0).toString(16).padStart(8, '0') + (low >>> 0).toString(16).padStart(8, '0');
}
