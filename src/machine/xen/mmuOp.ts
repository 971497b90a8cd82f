/**
 * mmu_update and mmuext_op (public/xen.h) as a PV guest uses them: every page-table
 * write is validated. A request's `ptr` is the guest-physical address of the entry, its
 * low 2 bits the command; the entry must lie in a page-table page of the guest's current
 * tables (walked from CR3) and the new entry may map only guest RAM (→ -EINVAL / -EPERM).
 * The guest's TLB is flushed after updates.
 */
import { Access } from '../paging/types';
import { F } from '../vmx/fields';
import { DomId, Errno, MMUEXT, PAGE } from './abi';
import { fail, type XenArgs, type XenPlatform } from './platform';

const MMU_NORMAL_PT_UPDATE = 0n;
const MMU_PT_UPDATE_PRESERVE_AD = 2n;
const FRAME = 0x000ffffffffff000n;
/** Physical-address bits above MAXPHYADDR (46) and below bit 52: reserved. */
const RESERVED = 0x000fc00000000000n;
const PRESENT = 1n;
const PS = 0x80n;
const AD = 0x60n;
const MAX_REQUESTS = 4096;
const MAX_TABLES = 4096;

/** Page-table pages reachable from `root` (GFN → level 4..1). */
export function guestTablePages(xen: XenPlatform, rootGfn: number): Map<number, number> {
  const tables = new Map<number, number>([[rootGfn, 4]]);
  const queue: [number, number][] = [[rootGfn, 4]];
  while (queue.length > 0 && tables.size < MAX_TABLES) {
    const [gfn, level] = queue.shift()!;
    if (level === 1) continue;
    const hpa = xen.inRam(gfn) ? xen.mem.gpaToHpa(gfn * PAGE) : undefined;
    if (hpa === undefined) continue;
    for (let i = 0; i < 512; i++) {
      const entry = xen.cpu.mem.read64(hpa + i * 8);
      if (!(entry & PRESENT) || (level < 4 && entry & PS)) continue;
      const next = Number((entry & FRAME) / BigInt(PAGE));
      if (!tables.has(next)) {
        tables.set(next, level - 1);
        queue.push([next, level - 1]);
      }
    }
  }
  return tables;
}

function currentRoot(xen: XenPlatform): number {
  return Number((xen.unit.current?.get(F.GUEST_CR3) ?? 0n) / BigInt(PAGE)) & 0xffffffffff;
}

/** Why entry `value` at paging level `level` may not be installed: an errno, or 0. */
export function checkEntry(xen: XenPlatform, value: bigint, level: number): number {
  if (!(value & PRESENT)) return 0;
  if (value & RESERVED) return Errno.EINVAL;
  const large = level > 1 && (value & PS) !== 0n;
  if (level === 4 && large) return Errno.EINVAL;
  const first = Number((value & FRAME) / BigInt(PAGE));
  const pages = large ? 512 ** (level - 1) : 1;
  if (large && first % pages !== 0) return Errno.EINVAL;
  return xen.inRam(first) && xen.inRam(first + pages - 1) ? 0 : Errno.EPERM;
}

function foreignOk(foreign: bigint): boolean {
  const dom = Number(foreign & 0xffffn);
  return dom === 0 || dom === DomId.self || dom === DomId.guest;
}

/** mmu_update(reqs, count, done_out, foreigndom). */
export function mmuUpdate(xen: XenPlatform, args: XenArgs): bigint {
  const [reqs, count, doneOut, foreign] = args;
  if (count > BigInt(MAX_REQUESTS)) return fail(Errno.EINVAL);
  if (!foreignOk(foreign)) return fail(Errno.EPERM);
  const tables = guestTablePages(xen, currentRoot(xen));
  let done = 0;
  let result = 0n;
  for (; done < Number(count); done++) {
    const req = xen.mem.read(reqs + BigInt(done * 16), 16);
    if (!req) {
      result = fail(Errno.EFAULT);
      break;
    }
    const v = new DataView(req.buffer);
    const ptr = v.getBigUint64(0, true);
    const value = v.getBigUint64(8, true);
    const cmd = ptr & 3n;
    if (cmd !== MMU_NORMAL_PT_UPDATE && cmd !== MMU_PT_UPDATE_PRESERVE_AD) {
      result = fail(Errno.ENOSYS);
      break;
    }
    const entryGpa = ptr & ~3n;
    const level = tables.get(Number(entryGpa / BigInt(PAGE)));
    const hpa = level === undefined || entryGpa % 8n !== 0n ? undefined : xen.mem.gpaToHpa(Number(entryGpa), Access.Write);
    if (level === undefined || hpa === undefined) {
      result = fail(Errno.EINVAL);
      break;
    }
    const refusal = checkEntry(xen, value, level);
    if (refusal !== 0) {
      result = fail(refusal);
      break;
    }
    const old = xen.cpu.mem.read64(hpa);
    xen.cpu.mem.write64(hpa, cmd === MMU_PT_UPDATE_PRESERVE_AD ? (value & ~AD) | (old & AD) : value);
  }
  if (done > 0) xen.flushGuestTlb();
  if (doneOut !== 0n && !xen.mem.writeU32(doneOut, done)) return fail(Errno.EFAULT);
  return result;
}

/** Validates a page-table page at `gfn` as a level-`level` table: 0 or an errno. */
function validateTable(xen: XenPlatform, gfn: number, level: number): number {
  const hpa = xen.inRam(gfn) ? xen.mem.gpaToHpa(gfn * PAGE) : undefined;
  if (hpa === undefined) return Errno.EINVAL;
  for (let i = 0; i < 512; i++) if (checkEntry(xen, xen.cpu.mem.read64(hpa + i * 8), level) !== 0) return Errno.EINVAL;
  return 0;
}

function extOp(xen: XenPlatform, cmd: number, arg1: bigint): bigint {
  const state = xen.state;
  const gfn = Number(arg1 & 0xffffffffffn);
  switch (cmd) {
    case MMUEXT.pin_l1:
    case MMUEXT.pin_l2:
    case MMUEXT.pin_l3:
    case MMUEXT.pin_l4: {
      if (state.pinned.has(gfn)) return fail(Errno.EINVAL);
      const refusal = validateTable(xen, gfn, cmd + 1);
      if (refusal !== 0) return fail(refusal);
      state.pinned.set(gfn, cmd + 1);
      return 0n;
    }
    case MMUEXT.unpin:
      return state.pinned.delete(gfn) ? 0n : fail(Errno.EINVAL);
    case MMUEXT.new_baseptr: {
      const refusal = state.pinned.get(gfn) === 4 ? 0 : validateTable(xen, gfn, 4);
      if (refusal !== 0) return fail(refusal);
      xen.unit.current?.set(F.GUEST_CR3, BigInt(gfn * PAGE));
      xen.flushGuestTlb();
      return 0n;
    }
    case MMUEXT.tlb_flush_local:
    case MMUEXT.invlpg_local:
      xen.flushGuestTlb();
      return 0n;
    default:
      return fail(Errno.ENOSYS);
  }
}

/** mmuext_op(ops, count, done_out, foreigndom): ops of 24 bytes {cmd u32, arg1 u64 @8, arg2 u64 @16}. */
export function mmuextOp(xen: XenPlatform, args: XenArgs): bigint {
  const [ops, count, doneOut, foreign] = args;
  if (count > BigInt(MAX_REQUESTS)) return fail(Errno.EINVAL);
  if (!foreignOk(foreign)) return fail(Errno.EPERM);
  let done = 0;
  let result = 0n;
  for (; done < Number(count); done++) {
    const op = xen.mem.read(ops + BigInt(done * 24), 24);
    if (!op) {
      result = fail(Errno.EFAULT);
      break;
    }
    const v = new DataView(op.buffer);
    result = extOp(xen, v.getUint32(0, true), v.getBigUint64(8, true));
    if (result !== 0n) break;
  }
  if (doneOut !== 0n && !xen.mem.writeU32(doneOut, done)) return fail(Errno.EFAULT);
  return result;
}
