/**
 * Second-level page walk of legacy-mode VT-d (fact sheet §7.4): 3 or 4 levels of 4 KiB
 * tables of 64-bit entries, R/W at every level (the effective permission is their AND),
 * 2 MiB / 1 GiB superpages (PS in a PD / PDPT entry). Pure reads; optional trace.
 *
 *   device address: 47..39 L4 | 38..30 L3 | 29..21 L2 | 20..12 L1 | 11..0 offset
 *
 * Reserved in this model (no snoop control, no device-TLB): bit 11 SNP, bit 62 TM, address
 * bits 51:HAW, PS in a PML4E, the low address bits of a superpage. Bits 2–6 and 52–61, 63
 * are ignored (as QEMU's model; the VT-d spec's EPT-style X/EMT/IPAT bits are not modelled).
 */
import type { PhysicalMemory } from '../memory/physicalMemory';
import type { ContextInfo } from './contextWalk';
import { HIGH_ADDRESS_RESERVED } from './contextWalk';
import { FaultReason } from './faultReasons';
import { entryHex, type IommuWalkStep } from './walkTypes';

const TWO32 = 4294967296;
const R = 1;
const W = 2;
const PS = 0x80;
const SNP = 0x800;
/** High-dword reserved bits of every entry: 51:HAW and 62 (TM). Bits 52–61, 63 are ignored. */
const HIGH_RESERVED = (HIGH_ADDRESS_RESERVED & 0x000fffff) | (1 << 30);

export interface SecondLevelLimits {
  readonly superpages2M: boolean;
  readonly superpages1G: boolean;
}

export interface Translation {
  /** Device address of the start of the page. */
  readonly pageBase: number;
  readonly hostBase: number;
  readonly pageSize: number;
  readonly readable: boolean;
  readonly writable: boolean;
}

export type SecondLevelResult = { readonly ok: true; readonly translation: Translation } | { readonly ok: false; readonly reason: number };

const LEVEL_NAMES = ['', 'PT', 'PD', 'PDPT', 'PML4', 'PML5'];

/** Translates `address` for a read or write under `context`'s second-level tables. */
export function walkSecondLevel(mem: PhysicalMemory, context: ContextInfo, address: number, write: boolean, limits: SecondLevelLimits, trace?: IommuWalkStep[]): SecondLevelResult {
  if (!(address >= 0) || address >= 2 ** context.widthBits) return { ok: false, reason: FaultReason.beyondAddressWidth };
  const denied = write ? FaultReason.writeNotPermitted : FaultReason.readNotPermitted;
  let table = context.secondLevelRoot;
  let readable = true;
  let writable = true;
  for (let level = context.levels; level >= 1; level--) {
    const shift = 12 + 9 * (level - 1);
    const index = Math.floor(address / 2 ** shift) % 512;
    const entryAddress = table + index * 8;
    if (!mem.isRam(entryAddress, 8)) {
      trace?.push({ table: 'second-level', level, index, entryAddress, value: '', flags: [LEVEL_NAMES[level] ?? ''], outcome: 'access-error' });
      return { ok: false, reason: FaultReason.pagingEntryAccess };
    }
    const low = mem.view.getUint32(entryAddress, true);
    const high = mem.view.getUint32(entryAddress + 4, true);
    const present = (low & (R | W)) !== 0;
    const large = (low & PS) !== 0 && level > 1;
    const pageSize = 2 ** shift;
    const reserved = present && entryReserved(low, high, level, large, limits);
    readable &&= (low & R) !== 0;
    writable &&= (low & W) !== 0;
    const permitted = write ? writable : readable;
    const leaf = level === 1 || large;
    const outcome = !present ? 'not-present' : reserved ? 'reserved' : !permitted ? 'permission' : leaf ? 'leaf' : 'next';
    const next = (high & 0x3fff) * TWO32 + ((low & 0xfffff000) >>> 0);
    trace?.push({ table: 'second-level', level, index, entryAddress, value: entryHex(high, low), flags: entryFlags(low, level, large, next), outcome, ...(leaf && present ? { pageSize } : {}) });
    if (!present || (!reserved && !permitted)) return { ok: false, reason: denied };
    if (reserved) return { ok: false, reason: FaultReason.pagingReserved };
    if (leaf) {
      const pageBase = address - (address % pageSize);
      return { ok: true, translation: { pageBase, hostBase: next - (next % pageSize), pageSize, readable, writable } };
    }
    table = next;
  }
  return { ok: false, reason: denied }; // not reached: level 1 is always a leaf
}

function entryReserved(low: number, high: number, level: number, large: boolean, limits: SecondLevelLimits): boolean {
  if ((high & HIGH_RESERVED) !== 0 || (low & SNP) !== 0) return true;
  if ((low & PS) === 0 || level === 1) return false;
  if (level === 2) return !limits.superpages2M || (low & 0x1ff000) !== 0;
  if (level === 3) return !limits.superpages1G || (low & 0x3ffff000) !== 0;
  return large; // PS in a PML4E (or PML5E)
}

function entryFlags(low: number, level: number, large: boolean, next: number): string[] {
  const flags = [LEVEL_NAMES[level] ?? `L${level}`];
  if ((low & (R | W)) === 0) return [...flags, 'not present'];
  flags.push(low & R ? 'R' : '-', low & W ? 'W' : '-');
  if (large) flags.push(level === 2 ? '2M' : level === 3 ? '1G' : 'PS');
  if (low & SNP) flags.push('SNP');
  flags.push(`${level === 1 || large ? 'page' : 'table'}=0x${next.toString(16)}`);
  return flags;
}
