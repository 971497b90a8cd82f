/**
 * Extended page tables (SDM Vol. 3 29.3; fact sheet §6.1–6.2): a 4-level walk of the
 * guest-physical address, with 2 MiB and 1 GiB pages, R/W/X permissions ANDed along
 * the path, memory-type and reserved-bit checks (misconfiguration) versus missing
 * permissions (violation), accessed/dirty flags when EPTP bit 6 is set. In trace mode
 * every EPT entry read is recorded as a `WalkStep` with table 'ept'.
 *
 *   GPA:  47..39 PML4 | 38..30 PDPT | 29..21 PD | 20..12 PT | 11..0 offset
 */
import type { PhysicalMemory } from '../memory/physicalMemory';
import { Access, type WalkStep } from './types';
import { TlbPerm } from './tlb';
import type { EptRequest, GuestPhysicalTranslator } from './walker';

export const EptEntry = { R: 1, W: 2, X: 4, IGNORE_PAT: 1 << 6, PS: 1 << 7, A: 1 << 8, D: 1 << 9 } as const;

/** EPT-violation exit-qualification bits (fact sheet §4.5). */
export const EptQual = { Read: 1, Write: 2, Fetch: 4, Readable: 8, Writable: 16, Executable: 32, LinearValid: 128, FinalAccess: 256 } as const;

const MAX_PHYS = 46;
const TWO32 = 4294967296;
const LEVEL_NAMES = ['', 'PT', 'PD', 'PDPT', 'PML4'];
/** Bits 51:MAXPHYADDR of an entry's high dword (reserved). */
const HIGH_RESERVED = ((1 << (52 - 32)) - 1) & ~((1 << (MAX_PHYS - 32)) - 1);
const VALID_MEMORY_TYPES = new Set([0, 1, 4, 5, 6]);

/** Thrown by the translator when a side-effecting access fails; the VMX unit turns it into exit 48 or 49. */
export class EptFault {
  constructor(
    readonly kind: 'violation' | 'misconfiguration',
    readonly guestPhysical: number,
    readonly qualification: number,
    readonly linear: number | undefined,
    readonly detail: string,
  ) {}
}

export interface EptOptions {
  /** IA32_VMX_EPT_VPID_CAP bit 0: execute-only translations are allowed. */
  readonly executeOnly: boolean;
}

/** The decoded flags of an EPT entry at `level` (walk traces and the debugger's EPT tree); bit 7 is ignored in a PT entry. */
export function eptEntryFlags(lo: number, level: number, leaf: boolean): string[] {
  const flags: string[] = [];
  if (lo & EptEntry.R) flags.push('R');
  if (lo & EptEntry.W) flags.push('W');
  if (lo & EptEntry.X) flags.push('X');
  if (leaf) flags.push(`MT=${(lo >>> 3) & 7}`);
  if (leaf && lo & EptEntry.IGNORE_PAT) flags.push('IPAT');
  if (level > 1 && lo & EptEntry.PS) flags.push('PS');
  if (lo & EptEntry.A) flags.push('A');
  if (leaf && lo & EptEntry.D) flags.push('D');
  return flags;
}

/** Why an entry is a misconfiguration at `level` (fact sheet §6.1 outcome rules), or undefined. */
export function misconfiguration(lo: number, hi: number, level: number, leaf: boolean, options: EptOptions): string | undefined {
  const perms = lo & 7;
  if (perms & EptEntry.W && !(perms & EptEntry.R)) return 'write permission without read permission';
  if (perms === EptEntry.X && !options.executeOnly) return 'execute-only entry, not supported';
  if (hi & HIGH_RESERVED) return 'address bits above MAXPHYADDR set';
  if (level === 4 && lo & EptEntry.PS) return 'PS set in a PML4 entry';
  if (!leaf && (lo & 0x78) !== 0) return 'bits 6:3 of a non-leaf entry are reserved';
  if (leaf && !VALID_MEMORY_TYPES.has((lo >>> 3) & 7)) return `invalid memory type ${(lo >>> 3) & 7}`;
  if (leaf && level === 3 && (lo & 0x3ffff000) !== 0) return '1 GiB page frame not 1 GiB aligned (bits 29:12)';
  if (leaf && level === 2 && (lo & 0x1ff000) !== 0) return '2 MiB page frame not 2 MiB aligned (bits 20:12)';
  return undefined;
}

export class EptTranslator implements GuestPhysicalTranslator {
  /** PML4 host-physical address. */
  readonly root: number;
  readonly accessedDirty: boolean;
  /** TLB permission bits granted by the last successful translation (the CPU folds them into its TLB entry). */
  lastPermission = 0x7f;

  constructor(
    private readonly mem: PhysicalMemory,
    readonly eptp: bigint,
    private readonly options: EptOptions = { executeOnly: true },
  ) {
    this.root = Number(BigInt.asUintN(MAX_PHYS, eptp) & ~0xfffn);
    this.accessedDirty = (eptp & 0x40n) !== 0n;
  }

  /** Guest-physical → host-physical for one access; throws `EptFault` (or returns -1 without side effects). */
  translate(guestPhysical: number, request: EptRequest): number {
    // With A/D enabled, accesses to guest paging structures count as writes (SDM 29.3.3.2).
    const asWrite = request.access === Access.Write || (this.accessedDirty && request.pagingStructure);
    const fetch = request.access === Access.Execute;
    const steps = request.trace;
    let table = this.root;
    let allowed = 7;
    const used: number[] = [];
    for (let level = 4; level >= 1; level--) {
      const index = Math.floor(guestPhysical / 2 ** (12 + 9 * (level - 1))) & 0x1ff;
      const address = table + index * 8;
      const lo = this.mem.read32(address);
      const hi = this.mem.read32(address + 4);
      const present = (lo & 7) !== 0;
      const leaf = present && (level === 1 || (level < 4 && (lo & EptEntry.PS) !== 0));
      const record = (outcome: WalkStep['outcome'], pageSize?: number): void => {
        steps?.push({ table: 'ept', level, forGuestLevel: request.forGuestLevel, entryAddress: address, entryHostAddress: address, index, value: BigInt(lo) | (BigInt(hi) << 32n), flags: eptEntryFlags(lo, level, leaf), outcome, pageSize });
      };
      allowed &= lo & 7;
      if (!present) {
        record('ept-violation');
        return this.fail('violation', guestPhysical, request, allowed, asWrite, fetch, `EPT ${LEVEL_NAMES[level]} entry ${index} is not present`);
      }
      const bad = misconfiguration(lo, hi, level, leaf, this.options);
      if (bad !== undefined) {
        record('ept-misconfig');
        return this.fail('misconfiguration', guestPhysical, request, allowed, asWrite, fetch, `EPT ${LEVEL_NAMES[level]} entry ${index}: ${bad}`);
      }
      used.push(address);
      const frame = ((lo & 0xfffff000) >>> 0) + (hi & 0xfffff) * TWO32;
      if (!leaf) {
        record('next');
        table = frame;
        continue;
      }
      const pageSize = 2 ** (12 + 9 * (level - 1));
      const denied = (!(allowed & EptEntry.R) && !asWrite && !fetch) || (asWrite && !(allowed & EptEntry.W)) || (fetch && !(allowed & EptEntry.X));
      if (denied) {
        record('ept-violation', pageSize);
        const what = fetch ? 'execute' : asWrite ? 'write' : 'read';
        return this.fail('violation', guestPhysical, request, allowed, asWrite, fetch, `EPT denies ${what} access to guest-physical 0x${guestPhysical.toString(16)}`);
      }
      record('leaf', pageSize);
      if (request.sideEffects && this.accessedDirty) this.setAccessedDirty(used, asWrite);
      this.lastPermission = this.permission(allowed, lo, asWrite);
      return frame + (guestPhysical % pageSize);
    }
    return -1;
  }

  private permission(allowed: number, leafLo: number, wrote: boolean): number {
    let perm = 0;
    if (allowed & EptEntry.R) perm |= TlbPerm.SupervisorRead | TlbPerm.UserRead;
    if (allowed & EptEntry.W) perm |= TlbPerm.SupervisorWrite | TlbPerm.UserWrite;
    if (allowed & EptEntry.X) perm |= TlbPerm.SupervisorExec | TlbPerm.UserExec;
    // Without a dirty leaf, the next write must walk again to set EPT D.
    if (!this.accessedDirty || wrote || leafLo & EptEntry.D) perm |= TlbPerm.Dirty;
    return perm;
  }

  private setAccessedDirty(entries: number[], write: boolean): void {
    entries.forEach((address, i) => {
      const lo = this.mem.read32(address);
      let updated = lo | EptEntry.A;
      if (write && i === entries.length - 1) updated |= EptEntry.D;
      if (updated !== lo) this.mem.write32(address, updated >>> 0);
    });
  }

  private fail(kind: EptFault['kind'], gpa: number, request: EptRequest, allowed: number, asWrite: boolean, fetch: boolean, detail: string): number {
    if (!request.sideEffects) return -1;
    let qualification = 0;
    if (kind === 'violation') {
      if (fetch) qualification |= EptQual.Fetch;
      else if (asWrite && request.access !== Access.Write) qualification |= EptQual.Read | EptQual.Write; // paging-structure access treated as a write
      else qualification |= asWrite ? EptQual.Write : EptQual.Read;
      qualification |= (allowed & 7) << 3;
      if (request.linear !== undefined) {
        qualification |= EptQual.LinearValid;
        if (!request.pagingStructure) qualification |= EptQual.FinalAccess;
      }
    }
    throw new EptFault(kind, gpa, qualification, request.linear, detail);
  }
}
