/** A JSON-able picture of the Xen personality for the debugger (CLI --json, Devices view). */
import { HVM_PARAM } from './abi';
import type { XenPlatform } from './platform';

export interface XenDescription {
  readonly personality: 'xen';
  readonly hypercallPage: number | null;
  readonly sharedInfoGfn: number | null;
  readonly callbackVector: number | null;
  /** The per-vCPU upcall vector (HVMOP_set_evtchn_upcall_vector), which takes precedence. */
  readonly upcallVector: number | null;
  readonly upcallPending: boolean;
  readonly upcalls: number;
  readonly eventChannels: ReturnType<XenPlatform['evtchn']['describe']>;
  readonly dom0Ports: { port: number; remotePort: number | null }[];
  readonly grantTable: ReturnType<XenPlatform['grants']['describe']>;
  readonly timers: ReturnType<XenPlatform['timers']['describe']>;
  readonly ballooned: number[];
  readonly pinnedTables: { gfn: number; level: number }[];
  readonly console: ReturnType<XenPlatform['backend']['describe']>;
}

export function describeXen(xen: XenPlatform): XenDescription {
  const state = xen.state;
  const callback = state.params.get(HVM_PARAM.callback_irq);
  return {
    personality: 'xen',
    hypercallPage: state.hypercallPage ?? null,
    sharedInfoGfn: state.sharedInfoGfn ?? null,
    callbackVector: callback !== undefined && callback >> 56n === 2n ? Number(callback & 0xffn) : null,
    upcallVector: state.upcallVector ?? null,
    upcallPending: xen.cpu.mem.read8(xen.sharedInfoHpa) !== 0,
    upcalls: state.upcalls,
    eventChannels: xen.evtchn.describe(),
    dom0Ports: [...state.dom0Channels].map(([port, c]) => ({ port, remotePort: c.remotePort ?? null })),
    grantTable: xen.grants.describe(),
    timers: xen.timers.describe(),
    ballooned: [...state.ballooned].sort((a, b) => a - b),
    pinnedTables: [...state.pinned].map(([gfn, level]) => ({ gfn, level })),
    console: xen.backend.describe(),
  };
}
