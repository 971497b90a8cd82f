/**
 * The DMAR register page of our VT-d remapping unit (fact sheet §7.1): offsets, bit
 * positions, and the capabilities this model reports. The model is legacy mode only:
 * 3- and 4-level second-level tables, 2 MiB and 1 GiB superpages, page-selective IOTLB
 * invalidation, pass-through contexts, no queued invalidation, no interrupt remapping,
 * no device-TLB, no snoop control, no caching mode (not-present entries are never cached).
 */

export const DMAR_BASE = 0xfed90000;
export const DMAR_SIZE = 0x1000;

export const Reg = {
  VER: 0x00,
  CAP: 0x08,
  ECAP: 0x10,
  GCMD: 0x18,
  GSTS: 0x1c,
  RTADDR: 0x20,
  CCMD: 0x28,
  FSTS: 0x34,
  FECTL: 0x38,
  FEDATA: 0x3c,
  FEADDR: 0x40,
  FEUADDR: 0x44,
} as const;

/** IOTLB registers at ECAP.IRO·16: IVA at +0, IOTLB at +8. */
export const IOTLB_REGISTER_OFFSET = 0x100;
/** Fault-recording registers at CAP.FRO·16, 16 bytes each. */
export const FAULT_RECORD_OFFSET = 0x120;
export const FAULT_RECORD_COUNT = 8;

/** Host address width: table pointers and page addresses above it are reserved (as the CPU's MAXPHYADDR). */
export const HOST_ADDRESS_WIDTH = 46;
/** Maximum guest address width (CAP.MGAW + 1). */
export const MGAW = 48;
/** Domains = 2^(4 + 2·ND): ND = 2 → 256 domains. */
export const ND = 2;
/** Largest IVA address mask (CAP.MAMV): page-selective invalidation of up to 2^9 pages. */
export const MAMV = 9;

export const VERSION = 0x10; // 1.0

/** GCMD (write) / GSTS (read) bits. */
export const Gcmd = { TE: 1 << 31, SRTP: 1 << 30, SFL: 1 << 29, EAFL: 1 << 28, WBF: 1 << 27, QIE: 1 << 26, IRE: 1 << 25, SIRTP: 1 << 24, CFI: 1 << 23 } as const;
export const Gsts = { TES: 1 << 31, RTPS: 1 << 30 } as const;

/** FSTS bits: PFO (write 1 to clear), PPF (read-only: some fault record has F set), FRI in 15:8. */
export const Fsts = { PFO: 1, PPF: 2, FRI_SHIFT: 8 } as const;
/** FECTL: IM interrupt mask (reset 1), IP interrupt pending (read-only). */
export const Fectl = { IM: 1 << 31, IP: 1 << 30 } as const;

/** Context-command (CCMD) fields, in the high dword (bits 63:32 of the register). */
export const CcmdHigh = { ICC: 1 << 31, CIRG_SHIFT: 29, CAIG_SHIFT: 27, FM_MASK: 3 } as const;
/** IOTLB-invalidate register fields, in the high dword. */
export const IotlbHigh = { IVT: 1 << 31, IIRG_SHIFT: 28, IAIG_SHIFT: 25, DR: 1 << 17, DW: 1 << 16 } as const;
/** Request / actual granularity of context-cache and IOTLB invalidations. */
export const Granularity = { invalid: 0, global: 1, domain: 2, deviceOrPage: 3 } as const;

const TWO32 = 4294967296;

/** CAP: ND, SAGAW (3- and 4-level), MGAW, FRO, SLLPS (2 MiB, 1 GiB), PSI, NFR, MAMV. */
export const CAP_LOW =
  (ND | (0b110 << 8) | ((MGAW - 1) << 16) | (((FAULT_RECORD_OFFSET / 16) & 0xff) << 24)) >>> 0;
export const CAP_HIGH =
  (((FAULT_RECORD_OFFSET / 16) >>> 8) | (0b11 << 2) | (1 << 7) | ((FAULT_RECORD_COUNT - 1) << 8) | (MAMV << 16)) >>> 0;
/** ECAP: IRO, pass-through (bit 6); everything else 0. */
export const ECAP_LOW = (((IOTLB_REGISTER_OFFSET / 16) << 8) | (1 << 6)) >>> 0;
export const ECAP_HIGH = 0;

export const CAP_VALUE = CAP_HIGH * TWO32 + CAP_LOW;

/** Decoded capabilities, for describe() and the guest-mode driver. */
export interface Capabilities {
  readonly domains: number;
  readonly sagaw: number;
  readonly mgaw: number;
  readonly faultRecordOffset: number;
  readonly faultRecordCount: number;
  readonly iotlbOffset: number;
  readonly superpages2M: boolean;
  readonly superpages1G: boolean;
  readonly pageSelectiveInvalidation: boolean;
  readonly maxAddressMask: number;
  readonly passThrough: boolean;
}

/** Decodes CAP/ECAP as a driver does (fact sheet §7.1 bit positions). */
export function decodeCapabilities(capLow: number, capHigh: number, ecapLow: number): Capabilities {
  return {
    domains: 2 ** (4 + 2 * (capLow & 7)),
    sagaw: (capLow >>> 8) & 0x1f,
    mgaw: ((capLow >>> 16) & 0x3f) + 1,
    faultRecordOffset: (((capLow >>> 24) & 0xff) | ((capHigh & 3) << 8)) * 16,
    faultRecordCount: ((capHigh >>> 8) & 0xff) + 1,
    iotlbOffset: ((ecapLow >>> 8) & 0x3ff) * 16,
    superpages2M: (capHigh & (1 << 2)) !== 0,
    superpages1G: (capHigh & (1 << 3)) !== 0,
    pageSelectiveInvalidation: (capHigh & (1 << 7)) !== 0,
    maxAddressMask: (capHigh >>> 16) & 0x3f,
    passThrough: (ecapLow & (1 << 6)) !== 0,
  };
}
