/**
 * Event channels, 2-level ABI (public/event_channel.h, public/xen.h): pending and mask
 * bitmaps in the shared-info page, the per-vCPU pending selector and upcall flag in
 * vcpu_info[0]; an event that becomes deliverable raises the HVM callback vector.
 * EVTCHNOP_* sub-ops, ports to the built-in back end (domain 0), loopback ports.
 */
import { DomId, Errno, EVTCHNOP, EvtchnStat, MAX_PORTS, SharedInfo, VIRQ } from './abi';
import { fail, type XenArgs, type XenPlatform } from './platform';
import type { ChannelState } from './state';

export class EventChannels {
  constructor(private readonly xen: XenPlatform) {}

  // ---- shared-info bits -----------------------------------------------------------

  private bit(base: number, index: number): { address: number; mask: number } {
    return { address: this.xen.sharedInfoHpa + base + Math.floor(index / 32) * 4, mask: (1 << (index % 32)) >>> 0 };
  }

  private test(base: number, index: number): boolean {
    const { address, mask } = this.bit(base, index);
    return (this.xen.cpu.mem.read32(address) & mask) !== 0;
  }

  /** Sets a bit; true if it was already set. */
  private testAndSet(base: number, index: number): boolean {
    const { address, mask } = this.bit(base, index);
    const word = this.xen.cpu.mem.read32(address);
    if (word & mask) return true;
    this.xen.cpu.mem.write32(address, (word | mask) >>> 0);
    return false;
  }

  private clear(base: number, index: number): boolean {
    const { address, mask } = this.bit(base, index);
    const word = this.xen.cpu.mem.read32(address);
    if (word & mask) this.xen.cpu.mem.write32(address, (word & ~mask) >>> 0);
    return (word & mask) !== 0;
  }

  isPending(port: number): boolean {
    return this.test(SharedInfo.evtchnPending, port);
  }

  isMasked(port: number): boolean {
    return this.test(SharedInfo.evtchnMask, port);
  }

  /** Marks `port` pending and, if it is unmasked, the selector and upcall (Xen's evtchn_2l_set_pending). */
  setPending(port: number): void {
    if (this.testAndSet(SharedInfo.evtchnPending, port)) return;
    if (this.isMasked(port)) return;
    if (this.testAndSet(SharedInfo.pendingSel, Math.floor(port / 64))) return;
    this.markEventsPending();
  }

  private markEventsPending(): void {
    const mem = this.xen.cpu.mem;
    const flag = this.xen.sharedInfoHpa + SharedInfo.upcallPending;
    if (mem.read8(flag) !== 0) return;
    mem.write8(flag, 1);
    this.xen.upcall();
  }

  unmask(port: number): void {
    if (!this.clear(SharedInfo.evtchnMask, port)) return;
    if (this.isPending(port) && !this.testAndSet(SharedInfo.pendingSel, Math.floor(port / 64))) this.markEventsPending();
  }

  /** Whether any unmasked port is pending (a blocked vCPU would wake). */
  anyDeliverable(): boolean {
    for (const port of this.xen.state.channels.keys()) if (this.isPending(port) && !this.isMasked(port)) return true;
    return this.xen.cpu.mem.read8(this.xen.sharedInfoHpa + SharedInfo.upcallPending) !== 0;
  }

  // ---- ports ------------------------------------------------------------------------

  private allocate(state: ChannelState): number | undefined {
    const channels = this.xen.state.channels;
    for (let port = 1; port < MAX_PORTS; port++) {
      if (channels.has(port)) continue;
      channels.set(port, state);
      this.clear(SharedInfo.evtchnPending, port);
      return port;
    }
    return undefined;
  }

  private allocateDom0(remotePort: number | undefined): number {
    const ports = this.xen.state.dom0Channels;
    let port = 1;
    while (ports.has(port)) port++;
    ports.set(port, { remoteDom: DomId.guest, remotePort });
    return port;
  }

  /** VIRQ `virq` happened: its port, if bound, becomes pending. */
  sendVirq(virq: number): void {
    for (const [port, channel] of this.xen.state.channels) if (channel.kind === 'virq' && channel.virq === virq) this.setPending(port);
  }

  /** The back end binds a dom0 port to the guest's unbound port `guestPort` (remote domain 0); the dom0 port or −errno. */
  bindFromDom0(guestPort: number): number {
    const channel = this.xen.state.channels.get(guestPort);
    if (!channel || channel.kind !== 'unbound' || channel.remoteDom !== DomId.dom0) return -Errno.EINVAL;
    const dom0Port = this.allocateDom0(guestPort);
    this.xen.state.channels.set(guestPort, { kind: 'interdomain', remoteDom: DomId.dom0, remotePort: dom0Port });
    return dom0Port;
  }

  /** Domain 0 offers an unbound port to the guest (which binds it with bind_interdomain). */
  allocDom0Unbound(): number {
    return this.allocateDom0(undefined);
  }

  /** Domain 0 notifies its port `dom0Port`: the guest's end becomes pending. */
  sendFromDom0(dom0Port: number): boolean {
    const remote = this.xen.state.dom0Channels.get(dom0Port)?.remotePort;
    if (remote === undefined) return false;
    this.setPending(remote);
    return true;
  }

  // ---- EVTCHNOP ---------------------------------------------------------------------

  /** event_channel_op(cmd, arg). */
  op(args: XenArgs): bigint {
    const handler = OPS.get(Number(args[0] & 0xffffffffn));
    return handler && args[0] >> 32n === 0n ? handler(this, args[1]) : fail(Errno.ENOSYS);
  }

  private validPort(port: number | undefined): port is number {
    return port !== undefined && port > 0 && port < MAX_PORTS && this.xen.state.channels.has(port);
  }

  allocUnbound(arg: bigint): bigint {
    const mem = this.xen.mem;
    const dom = mem.readU16(arg);
    const remote = mem.readU16(BigInt(arg) + 2n);
    if (dom === undefined || remote === undefined) return fail(Errno.EFAULT);
    if (!this.xen.isSelf(dom)) return fail(Errno.EPERM);
    const remoteDom = this.xen.isSelf(remote) ? DomId.guest : remote;
    if (remoteDom !== DomId.dom0 && remoteDom !== DomId.guest) return fail(Errno.ESRCH);
    const port = this.allocate({ kind: 'unbound', remoteDom });
    if (port === undefined) return fail(Errno.ENOSPC);
    if (!mem.writeU32(arg + 4n, port)) {
      this.xen.state.channels.delete(port);
      return fail(Errno.EFAULT);
    }
    return 0n;
  }

  bindInterdomain(arg: bigint): bigint {
    const mem = this.xen.mem;
    const remoteDomRaw = mem.readU16(arg);
    const remotePort = mem.readU32(arg + 4n);
    if (remoteDomRaw === undefined || remotePort === undefined || !mem.read(arg + 8n, 4)) return fail(Errno.EFAULT);
    const state = this.xen.state;
    let local: number | undefined;
    if (this.xen.isSelf(remoteDomRaw)) {
      const remote = state.channels.get(remotePort);
      if (!remote || remote.kind !== 'unbound' || remote.remoteDom !== DomId.guest) return fail(Errno.EINVAL);
      local = this.allocate({ kind: 'interdomain', remoteDom: DomId.guest, remotePort });
      if (local === undefined) return fail(Errno.ENOSPC);
      state.channels.set(remotePort, { kind: 'interdomain', remoteDom: DomId.guest, remotePort: local });
    } else if (remoteDomRaw === DomId.dom0) {
      const remote = state.dom0Channels.get(remotePort);
      if (!remote || remote.remotePort !== undefined || remote.remoteDom !== DomId.guest) return fail(Errno.EINVAL);
      local = this.allocate({ kind: 'interdomain', remoteDom: DomId.dom0, remotePort });
      if (local === undefined) return fail(Errno.ENOSPC);
      state.dom0Channels.set(remotePort, { remoteDom: DomId.guest, remotePort: local });
    } else return fail(Errno.ESRCH);
    mem.writeU32(arg + 8n, local);
    this.setPending(local); // as Xen: a new binding starts pending, so no event is lost
    return 0n;
  }

  bindVirq(arg: bigint): bigint {
    const mem = this.xen.mem;
    const virq = mem.readU32(arg);
    const vcpu = mem.readU32(arg + 4n);
    if (virq === undefined || vcpu === undefined || !mem.read(arg + 8n, 4)) return fail(Errno.EFAULT);
    if (virq >= VIRQ.NR) return fail(Errno.EINVAL);
    if (vcpu !== 0) return fail(Errno.ENOENT);
    for (const channel of this.xen.state.channels.values()) if (channel.kind === 'virq' && channel.virq === virq) return fail(Errno.EEXIST);
    const port = this.allocate({ kind: 'virq', virq });
    if (port === undefined) return fail(Errno.ENOSPC);
    mem.writeU32(arg + 8n, port);
    return 0n;
  }

  /** bind_ipi: a port the vCPU signals itself through (one vCPU here). */
  bindIpi(arg: bigint): bigint {
    const mem = this.xen.mem;
    const vcpu = mem.readU32(arg);
    if (vcpu === undefined || !mem.read(arg + 4n, 4)) return fail(Errno.EFAULT);
    if (vcpu !== 0) return fail(Errno.ENOENT);
    const port = this.allocate({ kind: 'ipi' });
    if (port === undefined) return fail(Errno.ENOSPC);
    mem.writeU32(arg + 4n, port);
    return 0n;
  }

  close(arg: bigint): bigint {
    const port = this.xen.mem.readU32(arg);
    if (port === undefined) return fail(Errno.EFAULT);
    if (!this.validPort(port)) return fail(Errno.EINVAL);
    this.closePort(port);
    return 0n;
  }

  /** Closes `port`; the other end of an interdomain channel becomes unbound (as in Xen). */
  closePort(port: number): void {
    const state = this.xen.state;
    const channel = state.channels.get(port);
    if (channel?.kind === 'interdomain') {
      if (channel.remoteDom === DomId.guest) state.channels.set(channel.remotePort, { kind: 'unbound', remoteDom: DomId.guest });
      else {
        state.dom0Channels.delete(channel.remotePort);
        this.xen.backend.disconnected(channel.remotePort);
      }
    }
    state.channels.delete(port);
    this.clear(SharedInfo.evtchnPending, port);
  }

  send(arg: bigint): bigint {
    const port = this.xen.mem.readU32(arg);
    if (port === undefined) return fail(Errno.EFAULT);
    if (!this.validPort(port)) return fail(Errno.EINVAL);
    const channel = this.xen.state.channels.get(port)!;
    if (channel.kind === 'virq') return fail(Errno.EINVAL);
    if (channel.kind === 'ipi') this.setPending(port);
    if (channel.kind === 'interdomain') {
      if (channel.remoteDom === DomId.guest) this.setPending(channel.remotePort);
      else this.xen.backend.notify(channel.remotePort);
    }
    return 0n; // unbound: dropped, as Xen does
  }

  status(arg: bigint): bigint {
    const mem = this.xen.mem;
    const dom = mem.readU16(arg);
    const port = mem.readU32(arg + 4n);
    if (dom === undefined || port === undefined || !mem.read(arg + 8n, 16)) return fail(Errno.EFAULT);
    if (dom === DomId.dom0) return fail(Errno.EPERM);
    if (!this.xen.isSelf(dom)) return fail(Errno.ESRCH);
    if (port >= MAX_PORTS) return fail(Errno.EINVAL);
    const channel = this.xen.state.channels.get(port);
    const out = new DataView(new ArrayBuffer(16));
    if (channel?.kind === 'unbound') {
      out.setUint32(0, EvtchnStat.unbound, true);
      out.setUint16(8, channel.remoteDom, true);
    } else if (channel?.kind === 'interdomain') {
      out.setUint32(0, EvtchnStat.interdomain, true);
      out.setUint16(8, channel.remoteDom, true);
      out.setUint32(12, channel.remotePort, true);
    } else if (channel?.kind === 'virq') {
      out.setUint32(0, EvtchnStat.virq, true);
      out.setUint32(8, channel.virq, true);
    } else if (channel?.kind === 'ipi') out.setUint32(0, EvtchnStat.ipi, true);
    mem.write(arg + 8n, new Uint8Array(out.buffer));
    return 0n;
  }

  unmaskOp(arg: bigint): bigint {
    const port = this.xen.mem.readU32(arg);
    if (port === undefined) return fail(Errno.EFAULT);
    if (!this.validPort(port)) return fail(Errno.EINVAL);
    this.unmask(port);
    return 0n;
  }

  /** JSON-able state of every port. */
  describe(): { port: number; state: string; remoteDomain?: number; remotePort?: number; virq?: number; pending: boolean; masked: boolean }[] {
    return [...this.xen.state.channels].sort(([a], [b]) => a - b).map(([port, channel]) => ({
      port,
      state: channel.kind,
      ...(channel.kind === 'virq' ? { virq: channel.virq } : channel.kind === 'ipi' ? {} : { remoteDomain: channel.remoteDom }),
      ...(channel.kind === 'interdomain' ? { remotePort: channel.remotePort } : {}),
      pending: this.isPending(port),
      masked: this.isMasked(port),
    }));
  }
}

const OPS = new Map<number, (channels: EventChannels, arg: bigint) => bigint>([
  [EVTCHNOP.alloc_unbound, (c, a) => c.allocUnbound(a)],
  [EVTCHNOP.bind_interdomain, (c, a) => c.bindInterdomain(a)],
  [EVTCHNOP.bind_virq, (c, a) => c.bindVirq(a)],
  [EVTCHNOP.close, (c, a) => c.close(a)],
  [EVTCHNOP.send, (c, a) => c.send(a)],
  [EVTCHNOP.status, (c, a) => c.status(a)],
  [EVTCHNOP.unmask, (c, a) => c.unmaskOp(a)],
  [EVTCHNOP.bind_ipi, (c, a) => c.bindIpi(a)],
]);
