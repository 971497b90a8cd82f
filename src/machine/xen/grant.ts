/**
 * Grant tables, v1 (public/grant_table.h): 8-byte entries {flags, domid, frame} in
 * frames the hypervisor owns and the guest maps with XENMEM_add_to_physmap. The guest
 * grants a frame to a domain; that domain (the built-in back end, domain 0) maps it
 * or copies to/from it after the entry is validated. Per-op status is a GNTST_* code.
 */
import { Access } from '../paging/types';
import { DomId, Errno, GNTCOPY, GNTMAP, GNTST, GNTTABOP, GRANTS_PER_FRAME, GTF, MAX_GRANT_FRAMES, PAGE } from './abi';
import { fail, type XenArgs, type XenPlatform } from './platform';
import type { GrantMapping } from './state';

export interface GrantEntry {
  readonly flags: number;
  readonly domid: number;
  readonly frame: number;
}

const MAP_OP = 32;
const UNMAP_OP = 24;
const COPY_OP = 40;
const MAX_OPS = 512;

export class GrantTable {
  /** Why the last refused grant operation failed (for the debugger). */
  lastRefusal: string | undefined;

  constructor(private readonly xen: XenPlatform) {}

  get entries(): number {
    return this.xen.state.grantFrames * GRANTS_PER_FRAME;
  }

  private entryHpa(ref: number): number {
    return this.xen.grantFrameHpa(Math.floor(ref / GRANTS_PER_FRAME)) + (ref % GRANTS_PER_FRAME) * 8;
  }

  entry(ref: number): GrantEntry | undefined {
    if (!Number.isInteger(ref) || ref < 0 || ref >= this.entries) return undefined;
    const mem = this.xen.cpu.mem;
    const at = this.entryHpa(ref);
    return { flags: mem.read16(at), domid: mem.read16(at + 2), frame: mem.read32(at + 4) };
  }

  private refuse(status: number, why: string): { status: number } {
    this.lastRefusal = why;
    return { status };
  }

  /**
   * Checks that `ref` of the guest's table lets domain `user` access it (writable unless
   * `readonly`); the host-physical frame, or a GNTST status.
   */
  check(user: number, grantDom: number, ref: number, readonly: boolean): { status: number; hpa?: number } {
    if (!this.xen.isSelf(grantDom)) return this.refuse(GNTST.bad_domain, `domain ${grantDom} has no grant table`);
    const entry = this.entry(ref);
    if (!entry) return this.refuse(GNTST.bad_gntref, `grant reference ${ref} is outside the table (${this.entries} entries)`);
    if ((entry.flags & GTF.typeMask) !== GTF.permit_access) return this.refuse(GNTST.general_error, `grant ${ref} is not GTF_permit_access (flags 0x${entry.flags.toString(16)})`);
    if (entry.domid !== user) return this.refuse(GNTST.general_error, `grant ${ref} is for domain ${entry.domid}, not domain ${user}`);
    if (!readonly && entry.flags & GTF.readonly) return this.refuse(GNTST.general_error, `grant ${ref} is read-only (GTF_readonly) but a writable access was asked`);
    if (!this.xen.inRam(entry.frame) || this.xen.state.ballooned.has(entry.frame)) return this.refuse(GNTST.bad_page, `grant ${ref} names frame 0x${entry.frame.toString(16)}, not a populated guest frame`);
    const hpa = this.xen.mem.gpaToHpa(entry.frame * PAGE);
    if (hpa === undefined) return this.refuse(GNTST.bad_page, `frame 0x${entry.frame.toString(16)} of grant ${ref} is not mapped`);
    return { status: GNTST.okay, hpa };
  }

  private setBusy(ref: number): void {
    const at = this.entryHpa(ref);
    let reading = false;
    let writing = false;
    for (const m of this.xen.state.grantMaps.values()) {
      if (m.ref !== ref) continue;
      reading = true;
      writing ||= !m.readonly;
    }
    const flags = this.xen.cpu.mem.read16(at) & ~(GTF.reading | GTF.writing);
    this.xen.cpu.mem.write16(at, flags | (reading ? GTF.reading : 0) | (writing ? GTF.writing : 0));
  }

  /** GNTTABOP_map_grant_ref for domain `mapper`: status, handle, dev_bus_addr. */
  map(mapper: number, grantDom: number, ref: number, flags: number, hostAddr: bigint): { status: number; handle?: number; devBusAddr?: number } {
    if (!(flags & (GNTMAP.host_map | GNTMAP.device_map))) return this.refuse(GNTST.bad_gntref, 'neither GNTMAP_host_map nor GNTMAP_device_map');
    const readonly = (flags & GNTMAP.readonly) !== 0;
    const checked = this.check(mapper, grantDom, ref, readonly);
    if (checked.hpa === undefined) return { status: checked.status };
    let hostGfn: number | undefined;
    if (flags & GNTMAP.host_map && mapper === DomId.guest) {
      // The guest maps the granted frame at guest-physical host_addr (EPT), as an HVM guest's p2m would.
      const gfn = Number(hostAddr / BigInt(PAGE));
      if (hostAddr % BigInt(PAGE) !== 0n || !this.xen.inRam(gfn) || this.isSpecial(gfn)) return this.refuse(GNTST.bad_virt_addr, `host_addr 0x${hostAddr.toString(16)} is not a page-aligned guest frame`);
      if (!this.xen.ept()?.set(gfn, checked.hpa, readonly ? 5 : 7)) return this.refuse(GNTST.no_device_space, 'no EPT page table left for the mapping');
      this.xen.flushGuestTlb();
      hostGfn = gfn;
    }
    const handle = this.xen.state.nextHandle++;
    const mapping: GrantMapping = { handle, mapper, ref, readonly, frameHpa: checked.hpa, ...(hostGfn !== undefined ? { hostGfn } : {}) };
    this.xen.state.grantMaps.set(handle, mapping);
    this.setBusy(ref);
    return { status: GNTST.okay, handle, devBusAddr: flags & GNTMAP.device_map ? checked.hpa : 0 };
  }

  private isSpecial(gfn: number): boolean {
    const state = this.xen.state;
    return gfn === state.sharedInfoGfn || state.grantFrameGfns.includes(gfn) || [...state.grantMaps.values()].some((m) => m.hostGfn === gfn);
  }

  /** GNTTABOP_unmap_grant_ref for domain `mapper`. */
  unmap(mapper: number, handle: number, hostAddr: bigint): number {
    const mapping = this.xen.state.grantMaps.get(handle);
    if (!mapping || mapping.mapper !== mapper) return this.refuse(GNTST.bad_handle, `no grant mapping with handle ${handle}`).status;
    if (mapping.hostGfn !== undefined) {
      if (hostAddr !== 0n && hostAddr / BigInt(PAGE) !== BigInt(mapping.hostGfn)) return this.refuse(GNTST.bad_virt_addr, `handle ${handle} is mapped at frame 0x${mapping.hostGfn.toString(16)}, not at 0x${hostAddr.toString(16)}`).status;
      this.xen.ept()?.set(mapping.hostGfn, this.xen.ramHpa(mapping.hostGfn), 7);
      this.xen.flushGuestTlb();
    }
    this.xen.state.grantMaps.delete(handle);
    this.setBusy(mapping.ref);
    return GNTST.okay;
  }

  /** grant_table_op(cmd, uop, count) for the guest. */
  op(args: XenArgs): bigint {
    const cmd = args[0];
    const count = args[2];
    if (count > BigInt(MAX_OPS)) return fail(Errno.EINVAL);
    const n = Number(count);
    switch (cmd) {
      case BigInt(GNTTABOP.map_grant_ref):
        return this.each(args[1], n, MAP_OP, (at) => this.mapOp(at));
      case BigInt(GNTTABOP.unmap_grant_ref):
        return this.each(args[1], n, UNMAP_OP, (at) => this.unmapOp(at));
      case BigInt(GNTTABOP.copy):
        return this.each(args[1], n, COPY_OP, (at) => this.copyOp(at));
      case BigInt(GNTTABOP.setup_table):
        return n !== 1 ? fail(Errno.EINVAL) : this.setupTable(args[1]);
      case BigInt(GNTTABOP.query_size):
        return n !== 1 ? fail(Errno.EINVAL) : this.querySize(args[1]);
      case BigInt(GNTTABOP.get_version):
        return this.xen.mem.writeU32(args[1] + 4n, 1) ? 0n : fail(Errno.EFAULT);
      case BigInt(GNTTABOP.set_version): {
        const version = this.xen.mem.readU32(args[1]);
        if (version === undefined) return fail(Errno.EFAULT);
        return version === 1 || version === 0 ? (this.xen.mem.writeU32(args[1], 1) ? 0n : fail(Errno.EFAULT)) : fail(Errno.EOPNOTSUPP);
      }
      default:
        return fail(Errno.ENOSYS);
    }
  }

  private each(uop: bigint, count: number, size: number, run: (at: bigint) => boolean): bigint {
    for (let i = 0; i < count; i++) if (!run(uop + BigInt(i * size))) return fail(Errno.EFAULT);
    return 0n;
  }

  private mapOp(at: bigint): boolean {
    const op = this.xen.mem.read(at, MAP_OP);
    if (!op) return false;
    const v = new DataView(op.buffer);
    const result = this.map(DomId.guest, v.getUint16(16, true), v.getUint32(12, true), v.getUint32(8, true), v.getBigUint64(0, true));
    v.setInt16(18, result.status, true);
    v.setUint32(20, result.handle ?? 0, true);
    v.setBigUint64(24, BigInt(result.devBusAddr ?? 0), true);
    return this.xen.mem.write(at + 16n, op.subarray(16));
  }

  private unmapOp(at: bigint): boolean {
    const op = this.xen.mem.read(at, UNMAP_OP);
    if (!op) return false;
    const v = new DataView(op.buffer);
    return this.xen.mem.writeU16(at + 20n, this.unmap(DomId.guest, v.getUint32(16, true), v.getBigUint64(0, true)) & 0xffff);
  }

  /** One gnttab_copy: source and destination are a grant reference or a frame of the caller. */
  copy(user: number, op: DataView): number {
    const len = op.getUint16(32, true);
    const flags = op.getUint16(34, true);
    const side = (base: number, isGref: boolean, write: boolean): { status: number; hpa?: number } => {
      const offset = op.getUint16(base + 10, true);
      if (offset + len > PAGE) return this.refuse(GNTST.bad_copy_arg, `offset ${offset} + length ${len} crosses the page`);
      const dom = op.getUint16(base + 8, true);
      if (isGref) {
        const checked = this.check(user, dom, op.getUint32(base, true), !write);
        return checked.hpa === undefined ? checked : { status: GNTST.okay, hpa: checked.hpa + offset };
      }
      if (user !== DomId.guest || !this.xen.isSelf(dom)) return this.refuse(GNTST.permission_denied, `a frame operand must belong to the caller (domain ${dom})`);
      const gfn = Number(op.getBigUint64(base, true) & 0xfffffffffn);
      const hpa = this.xen.inRam(gfn) ? this.xen.mem.gpaToHpa(gfn * PAGE, write ? Access.Write : Access.Read) : undefined;
      return hpa === undefined ? this.refuse(GNTST.bad_page, `frame 0x${gfn.toString(16)} is not a populated guest frame`) : { status: GNTST.okay, hpa: hpa + offset };
    };
    const source = side(0, (flags & GNTCOPY.source_gref) !== 0, false);
    if (source.hpa === undefined) return source.status;
    const dest = side(16, (flags & GNTCOPY.dest_gref) !== 0, true);
    if (dest.hpa === undefined) return dest.status;
    this.xen.cpu.mem.poke(dest.hpa, this.xen.cpu.mem.peek(source.hpa, len));
    return GNTST.okay;
  }

  private copyOp(at: bigint): boolean {
    const op = this.xen.mem.read(at, COPY_OP);
    if (!op) return false;
    const status = this.copy(DomId.guest, new DataView(op.buffer));
    return this.xen.mem.writeU16(at + 36n, status & 0xffff);
  }

  private setupTable(at: bigint): bigint {
    const mem = this.xen.mem;
    const op = mem.read(at, 24);
    if (!op) return fail(Errno.EFAULT);
    const v = new DataView(op.buffer);
    const dom = v.getUint16(0, true);
    const frames = v.getUint32(4, true);
    let status: number = GNTST.okay;
    if (!this.xen.isSelf(dom)) status = GNTST.bad_domain;
    else if (frames > MAX_GRANT_FRAMES) status = GNTST.general_error;
    else {
      this.xen.state.grantFrames = Math.max(this.xen.state.grantFrames, frames);
      const list = v.getBigUint64(16, true);
      for (let i = 0; i < frames && status === GNTST.okay; i++) {
        const gfn = this.xen.state.grantFrameGfns[i];
        if (!mem.writeU64(list + BigInt(i * 8), gfn === undefined ? -1n : BigInt(gfn))) status = GNTST.bad_virt_addr;
      }
    }
    return mem.writeU16(at + 8n, status & 0xffff) ? 0n : fail(Errno.EFAULT);
  }

  private querySize(at: bigint): bigint {
    const mem = this.xen.mem;
    const dom = mem.readU16(at);
    if (dom === undefined || !mem.read(at, 16)) return fail(Errno.EFAULT);
    const out = new DataView(new ArrayBuffer(10));
    const self = this.xen.isSelf(dom);
    out.setUint32(0, self ? this.xen.state.grantFrames : 0, true);
    out.setUint32(4, MAX_GRANT_FRAMES, true);
    out.setInt16(8, self ? GNTST.okay : GNTST.bad_domain, true);
    mem.write(at + 4n, new Uint8Array(out.buffer));
    return 0n;
  }

  /** JSON-able entries in use (non-zero flags) and the active mappings. */
  describe(): { frames: number; maxFrames: number; frameGfns: (number | null)[]; entries: { ref: number; flags: string[]; domid: number; frame: number }[]; mappings: GrantMapping[]; lastRefusal?: string } {
    const entries: { ref: number; flags: string[]; domid: number; frame: number }[] = [];
    for (let ref = 0; ref < this.entries; ref++) {
      const e = this.entry(ref)!;
      if (e.flags === 0 && e.domid === 0 && e.frame === 0) continue;
      const names = [['invalid', 'permit_access', 'accept_transfer', 'transitive'][e.flags & 3]!];
      if (e.flags & GTF.readonly) names.push('readonly');
      if (e.flags & GTF.reading) names.push('reading');
      if (e.flags & GTF.writing) names.push('writing');
      entries.push({ ref, flags: names, domid: e.domid, frame: e.frame });
    }
    const frameGfns = Array.from({ length: this.xen.state.grantFrames }, (_, i) => this.xen.state.grantFrameGfns[i] ?? null);
    return { frames: this.xen.state.grantFrames, maxFrames: MAX_GRANT_FRAMES, frameGfns, entries, mappings: [...this.xen.state.grantMaps.values()], ...(this.lastRefusal ? { lastRefusal: this.lastRefusal } : {}) };
  }
}
