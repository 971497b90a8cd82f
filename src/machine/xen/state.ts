/**
 * Everything the Xen personality remembers between hypercalls, as plain data so a
 * reverse-execution checkpoint is a structured clone (guest-visible bits — event
 * pending/mask words, grant entries — live in the shared-info and grant frames in
 * host memory, which the memory snapshot covers).
 */

export type ChannelState =
  | { readonly kind: 'unbound'; readonly remoteDom: number }
  | { readonly kind: 'interdomain'; readonly remoteDom: number; readonly remotePort: number }
  | { readonly kind: 'virq'; readonly virq: number }
  | { readonly kind: 'ipi' };

export interface GrantMapping {
  readonly handle: number;
  /** Domain that mapped the grant (0 = the built-in back end). */
  readonly mapper: number;
  readonly ref: number;
  readonly readonly: boolean;
  /** Guest frame the grant was mapped at (GNTMAP_host_map by the guest), else undefined. */
  readonly hostGfn?: number;
  /** Host-physical address of the granted frame. */
  readonly frameHpa: number;
}

export interface ConsoleBackendState {
  gref: number | undefined;
  /** Guest's port and the back end's (dom0) port once connected. */
  guestPort: number | undefined;
  dom0Port: number | undefined;
  /** Grant-map handle of the ring page. */
  handle: number | undefined;
  /** Characters the back end took from the "out" ring. */
  bytesOut: number;
  bytesIn: number;
  notifications: number;
  error: string | undefined;
}

export interface XenState {
  /** Guest-physical address of the hypercall page, once installed. */
  hypercallPage: number | undefined;
  /** GFN where the shared-info page is mapped, once mapped. */
  sharedInfoGfn: number | undefined;
  /** GFNs of the grant-table frames the guest mapped (index = frame number). */
  grantFrameGfns: (number | undefined)[];
  /** Grant-table size in frames (setup_table / add_to_physmap grow it). */
  grantFrames: number;
  /** HVM parameters the guest set. */
  params: Map<number, bigint>;
  /** The guest's event channels by port. */
  channels: Map<number, ChannelState>;
  /** The built-in back end's (dom0's) ports: remote guest port for interdomain, undefined while unbound. */
  dom0Channels: Map<number, { remoteDom: number; remotePort: number | undefined }>;
  grantMaps: Map<number, GrantMapping>;
  nextHandle: number;
  /** Ballooned-out GFNs (EPT entry cleared). */
  ballooned: Set<number>;
  /** Page-table pages the guest pinned (GFN → level). */
  pinned: Map<number, number>;
  /** Timers in guest ns (= instructions retired): single-shot deadline and periodic next expiry/period. */
  singleShot: number | undefined;
  periodic: { next: number; period: number } | undefined;
  /** CONSOLEIO_read input queue. */
  consoleInput: number[];
  console: ConsoleBackendState;
  /** Upcalls requested (the callback vector raised). */
  upcalls: number;
  /** The per-vCPU upcall vector (HVMOP_set_evtchn_upcall_vector), delivered through the virtual APIC. */
  upcallVector: number | undefined;
}

export function initialXenState(): XenState {
  return {
    hypercallPage: undefined,
    sharedInfoGfn: undefined,
    grantFrameGfns: [],
    grantFrames: 1,
    params: new Map(),
    channels: new Map(),
    dom0Channels: new Map(),
    grantMaps: new Map(),
    nextHandle: 1,
    ballooned: new Set(),
    pinned: new Map(),
    singleShot: undefined,
    periodic: undefined,
    consoleInput: [],
    console: { gref: undefined, guestPort: undefined, dom0Port: undefined, handle: undefined, bytesOut: 0, bytesIn: 0, notifications: 0, error: undefined },
    upcalls: 0,
    upcallVector: undefined,
  };
}
