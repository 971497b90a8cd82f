/**
 * The built-in "dom0" console back end: the split-driver model of Xen's PV console.
 * The guest (front end) grants a ring page to domain 0 and allocates an unbound event
 * channel for remote domain 0, then tells the back end with HVMOP_set_param
 * (HVM_PARAM.console_gref, then HVM_PARAM.console_evtchn, which connects). The ring is
 * laid out like Xen's `xencons_interface`: in[1024] @0, out[2048] @1024, then the
 * indices in_cons @3072, in_prod @3076, out_cons @3080, out_prod @3084 (free-running
 * u32, masked by the array size). On a notification the back end consumes "out" to the
 * machine console and notifies back; debug-console input is produced into "in".
 */
import { DomId, Errno, GNTMAP, GNTST } from '../abi';
import type { XenPlatform } from '../platform';

const IN = { offset: 0, size: 1024 } as const;
const OUT = { offset: 1024, size: 2048 } as const;
const IDX = { inCons: 3072, inProd: 3076, outCons: 3080, outProd: 3084 } as const;

export class ConsoleBackend {
  constructor(private readonly xen: XenPlatform) {}

  private get s() {
    return this.xen.state.console;
  }

  /** Maps the ring grant and binds the event channel; 0 or a positive errno. */
  connect(gref: number, guestPort: number): number {
    if (this.s.dom0Port !== undefined) return Errno.EBUSY;
    const mapping = this.xen.grants.map(DomId.dom0, DomId.guest, gref, GNTMAP.host_map, 0n);
    if (mapping.status !== GNTST.okay) {
      this.s.error = `cannot map the console ring: ${this.xen.grants.lastRefusal ?? `GNTST ${mapping.status}`}`;
      return Errno.EINVAL;
    }
    const dom0Port = this.xen.evtchn.bindFromDom0(guestPort);
    if (dom0Port < 0) {
      this.xen.grants.unmap(DomId.dom0, mapping.handle!, 0n);
      this.s.error = `port ${guestPort} is not an unbound channel for remote domain 0`;
      return -dom0Port;
    }
    Object.assign(this.s, { gref, guestPort, dom0Port, handle: mapping.handle, error: undefined });
    this.service();
    return 0;
  }

  /** The guest closed its end: unmap the ring. */
  disconnected(dom0Port: number): void {
    if (dom0Port !== this.s.dom0Port) return;
    if (this.s.handle !== undefined) this.xen.grants.unmap(DomId.dom0, this.s.handle, 0n);
    Object.assign(this.s, { guestPort: undefined, dom0Port: undefined, handle: undefined });
  }

  /** The guest notified dom0 port `dom0Port`. */
  notify(dom0Port: number): void {
    if (dom0Port !== this.s.dom0Port) return;
    this.s.notifications++;
    this.service();
  }

  /** New debug-console input. */
  input(): void {
    if (this.s.dom0Port !== undefined) this.service();
  }

  private ring(): number | undefined {
    const handle = this.s.handle;
    return handle === undefined ? undefined : this.xen.state.grantMaps.get(handle)?.frameHpa;
  }

  /** Consumes "out", produces pending input into "in", and notifies the guest if anything moved. */
  private service(): void {
    const ring = this.ring();
    if (ring === undefined) return;
    const mem = this.xen.cpu.mem;
    let moved = false;
    const outCons = mem.read32(ring + IDX.outCons);
    const outProd = mem.read32(ring + IDX.outProd);
    const pending = (outProd - outCons) >>> 0;
    if (pending > OUT.size) {
      this.s.error = `out ring indices are corrupt (out_prod ${outProd}, out_cons ${outCons})`;
      return;
    }
    if (pending > 0) {
      const bytes = new Uint8Array(pending);
      for (let i = 0; i < pending; i++) bytes[i] = mem.read8(ring + OUT.offset + ((outCons + i) % OUT.size));
      this.xen.writeConsole(bytes);
      mem.write32(ring + IDX.outCons, outProd);
      this.s.bytesOut += pending;
      moved = true;
    }
    moved = this.produceInput(ring) || moved;
    if (moved) this.xen.evtchn.sendFromDom0(this.s.dom0Port!);
  }

  private produceInput(ring: number): boolean {
    const mem = this.xen.cpu.mem;
    const queue = this.xen.state.consoleInput;
    if (queue.length === 0) return false;
    const inCons = mem.read32(ring + IDX.inCons);
    let inProd = mem.read32(ring + IDX.inProd);
    const used = (inProd - inCons) >>> 0;
    if (used > IN.size) {
      this.s.error = `in ring indices are corrupt (in_prod ${inProd}, in_cons ${inCons})`;
      return false;
    }
    const room = Math.min(IN.size - used, queue.length);
    for (let i = 0; i < room; i++) {
      mem.write8(ring + IN.offset + (inProd % IN.size), queue[i]!);
      inProd = (inProd + 1) >>> 0;
    }
    mem.write32(ring + IDX.inProd, inProd);
    queue.splice(0, room);
    this.s.bytesIn += room;
    return room > 0;
  }

  describe(): { connected: boolean; gref: number | null; guestPort: number | null; dom0Port: number | null; bytesOut: number; bytesIn: number; notifications: number; error: string | null } {
    const s = this.s;
    return { connected: s.dom0Port !== undefined, gref: s.gref ?? null, guestPort: s.guestPort ?? null, dom0Port: s.dom0Port ?? null, bytesOut: s.bytesOut, bytesIn: s.bytesIn, notifications: s.notifications, error: s.error ?? null };
  }
}
