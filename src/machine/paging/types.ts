/** Shared types of address translation: access kinds and the walk trace for debuggers. */

export const enum Access {
  Read = 0,
  Write = 1,
  Execute = 2,
}

export interface AccessRequest {
  readonly kind: Access;
  /** CPL 3 access (or an implicit supervisor access when false). */
  readonly user: boolean;
}

/** One memory access made by a page walk, in order. */
export interface WalkStep {
  /** 'guest' for an x86 paging-structure read, 'ept' for an EPT entry read. */
  readonly table: 'guest' | 'ept';
  /** PML4 = 4, PDPT = 3, PD = 2, PT = 1 (EPT levels likewise). */
  readonly level: number;
  /** Which guest level this EPT walk serves (1-4), or 0 for the final data address. */
  readonly forGuestLevel?: number;
  /** Address of the entry read: guest-physical for guest tables (HPA when no EPT), HPA for EPT tables. */
  readonly entryAddress: number;
  /** The entry's host-physical address. */
  readonly entryHostAddress: number;
  readonly index: number;
  readonly value: bigint;
  readonly flags: string[];
  readonly outcome: 'next' | 'leaf' | 'not-present' | 'reserved' | 'permission' | 'ept-violation' | 'ept-misconfig';
  readonly pageSize?: number;
}

export interface WalkTrace {
  readonly linear: number;
  readonly steps: WalkStep[];
  /** Resulting physical (host-physical under EPT) address, when the walk succeeded. */
  physical?: number;
  guestPhysical?: number;
  pageSize?: number;
  /** Why the walk stopped, when it failed. */
  fault?: string;
  /** Whether the TLB held this page when the trace was taken. */
  tlbHit?: boolean;
}

export function hex(value: number | bigint): string {
  return '0x' + BigInt.asUintN(64, BigInt(value)).toString(16);
}
