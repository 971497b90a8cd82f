/**
 * memory_op (public/memory.h): ballooning with extent lists — decrease_reservation
 * clears the frames' EPT entries (a later guest access is an EPT violation reported as
 * a ballooned page), increase_reservation / populate_physmap map them back zeroed —
 * the reservation queries, and add_to_physmap for the shared-info and grant-table
 * frames at a GFN of the guest's choice.
 */
import { DomId, Errno, MAX_GRANT_FRAMES, PAGE, XENMAPSPACE, XENMEM } from './abi';
import { fail, type XenArgs, type XenPlatform } from './platform';

const MAX_ORDER = 9;

function reservation(xen: XenPlatform, arg: bigint, populate: boolean): bigint {
  const op = xen.mem.read(arg, 32);
  if (!op) return fail(Errno.EFAULT);
  const v = new DataView(op.buffer);
  const list = v.getBigUint64(0, true);
  const extents = v.getBigUint64(8, true);
  const order = v.getUint32(16, true);
  const dom = v.getUint16(24, true);
  if (!xen.isSelf(dom)) return fail(dom === DomId.dom0 ? Errno.EPERM : Errno.ESRCH);
  if (order > MAX_ORDER) return 0n; // as Xen: no extent done
  if (extents > 1n << 20n) return fail(Errno.EINVAL);
  const ept = xen.ept();
  if (!ept) return fail(Errno.EINVAL);
  let done = 0;
  for (; done < Number(extents); done++) {
    const first = xen.mem.readU64(list + BigInt(done * 8));
    if (first === undefined) return done === 0 ? fail(Errno.EFAULT) : BigInt(done);
    const base = Number(first & 0xffffffffffn);
    const pages = 2 ** order;
    if (base % pages !== 0 || !xen.inRam(base) || !xen.inRam(base + pages - 1)) break;
    if (!(populate ? populateExtent(xen, base, pages) : releaseExtent(xen, base, pages))) break;
  }
  xen.flushGuestTlb();
  return BigInt(done);
}

function releaseExtent(xen: XenPlatform, base: number, pages: number): boolean {
  const state = xen.state;
  for (let gfn = base; gfn < base + pages; gfn++) {
    if (state.ballooned.has(gfn) || gfn === state.sharedInfoGfn || state.grantFrameGfns.includes(gfn)) return false;
    for (const mapping of state.grantMaps.values()) if (mapping.hostGfn === gfn) return false; // a grant is mapped there
  }
  const ept = xen.ept()!;
  for (let gfn = base; gfn < base + pages; gfn++) {
    if (!ept.set(gfn, 0, 0)) return false;
    state.ballooned.add(gfn);
  }
  return true;
}

function populateExtent(xen: XenPlatform, base: number, pages: number): boolean {
  const ept = xen.ept()!;
  for (let gfn = base; gfn < base + pages; gfn++) {
    if (!xen.state.ballooned.has(gfn)) continue; // already populated
    xen.cpu.mem.poke(xen.ramHpa(gfn), new Uint8Array(PAGE));
    if (!ept.set(gfn, xen.ramHpa(gfn), 7)) return false;
    xen.state.ballooned.delete(gfn);
  }
  return true;
}

function reservationQuery(xen: XenPlatform, arg: bigint, maximum: boolean): bigint {
  const dom = xen.mem.readU16(arg);
  if (dom === undefined) return fail(Errno.EFAULT);
  if (!xen.isSelf(dom)) return fail(dom === DomId.dom0 ? Errno.EPERM : Errno.ESRCH);
  return BigInt(maximum ? xen.guestPages : xen.guestPages - xen.state.ballooned.size);
}

/** Moves a hypervisor frame (shared info, grant frame) to `gfn`; the RAM frame it covered comes back at the old GFN. */
function place(xen: XenPlatform, gfn: number, hpa: number, old: number | undefined): boolean {
  const ept = xen.ept();
  if (!ept) return false;
  if (old !== undefined && old !== gfn) ept.set(old, xen.ramHpa(old), 7);
  if (!ept.set(gfn, hpa, 7)) return false;
  xen.state.ballooned.delete(gfn);
  xen.flushGuestTlb();
  return true;
}

function addToPhysmap(xen: XenPlatform, arg: bigint): bigint {
  const op = xen.mem.read(arg, 24);
  if (!op) return fail(Errno.EFAULT);
  const v = new DataView(op.buffer);
  const dom = v.getUint16(0, true);
  const space = v.getUint32(4, true);
  const idx = v.getBigUint64(8, true);
  const gpfn = v.getBigUint64(16, true);
  if (!xen.isSelf(dom)) return fail(dom === DomId.dom0 ? Errno.EPERM : Errno.ESRCH);
  const gfn = Number(gpfn & 0xfffffffffffn);
  if (gpfn > 0xfffffffffffn || !xen.inRam(gfn)) return fail(Errno.EINVAL);
  const state = xen.state;
  /** Another hypervisor frame or a grant mapping already sits at `gfn` (`frame`: the grant frame being moved). */
  const busy = (frame: number | undefined): boolean =>
    (frame !== undefined && gfn === state.sharedInfoGfn) || state.grantFrameGfns.some((g, i) => g === gfn && i !== frame) || [...state.grantMaps.values()].some((m) => m.hostGfn === gfn);
  if (space === XENMAPSPACE.shared_info) {
    if (idx !== 0n) return fail(Errno.EINVAL);
    if (busy(undefined)) return fail(Errno.EBUSY);
    if (!place(xen, gfn, xen.sharedInfoHpa, state.sharedInfoGfn)) return fail(Errno.ENOMEM);
    state.sharedInfoGfn = gfn;
    return 0n;
  }
  if (space === XENMAPSPACE.grant_table) {
    if (idx >= BigInt(MAX_GRANT_FRAMES)) return fail(Errno.EINVAL); // also XENMAPIDX_grant_table_status: v1 only
    const frame = Number(idx);
    if (busy(frame)) return fail(Errno.EBUSY);
    if (!place(xen, gfn, xen.grantFrameHpa(frame), state.grantFrameGfns[frame])) return fail(Errno.ENOMEM);
    state.grantFrameGfns[frame] = gfn;
    state.grantFrames = Math.max(state.grantFrames, frame + 1);
    return 0n;
  }
  return fail(space === XENMAPSPACE.gmfn ? Errno.EOPNOTSUPP : Errno.EINVAL);
}

const SUB_OPS = new Map<number, (xen: XenPlatform, arg: bigint) => bigint>([
  [XENMEM.decrease_reservation, (xen, arg) => reservation(xen, arg, false)],
  [XENMEM.increase_reservation, (xen, arg) => reservation(xen, arg, true)],
  [XENMEM.populate_physmap, (xen, arg) => reservation(xen, arg, true)],
  [XENMEM.current_reservation, (xen, arg) => reservationQuery(xen, arg, false)],
  [XENMEM.maximum_reservation, (xen, arg) => reservationQuery(xen, arg, true)],
  [XENMEM.maximum_ram_page, (xen) => BigInt(xen.guestPages - 1)],
  [XENMEM.add_to_physmap, addToPhysmap],
]);

/** memory_op(cmd, arg). */
export function memoryOp(xen: XenPlatform, args: XenArgs): bigint {
  const cmd = args[0];
  if (cmd >> 6n !== 0n) return fail(Errno.EINVAL); // continuation encoding: not issued by the hypervisor
  const op = SUB_OPS.get(Number(cmd));
  return op ? op(xen, args[1]) : fail(Errno.ENOSYS);
}
