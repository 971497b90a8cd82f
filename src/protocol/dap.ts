// Types and names of Hyperscope's debug-adapter surface beyond standard DAP: the launch
// configuration and the custom requests/events the views use. Imported by the adapter,
// the extension and the webview; imports nothing.

/** `type: "hyperscope"`, `request: "launch"` configuration. */
export interface HyperscopeLaunchArguments {
  /** An .hvasm/.asm source (assembled on launch), a flat binary or an ELF64 executable. */
  program: string;
  /** `bare`: the program runs on the bare machine in ring 0; `guest`: under the built-in hypervisor. */
  mode?: 'bare' | 'guest';
  /** Stop at the first instruction instead of running. */
  stopOnEntry?: boolean;
  /** Guest RAM in MiB (2..16384, default 128). */
  memoryMB?: number;
  /** Stop (as a pause) after this many instructions in total. */
  maxInstructions?: number;
  /** Entry point: an address (number or "0x..." string) or a label of the program. */
  entry?: number | string;
  /** Directory that a relative `program` is resolved against. */
  cwd?: string;
  /** mode "guest": the built-in hypervisor's VM-execution controls. */
  guest?: GuestLaunchOptions;
  /** virtio-mmio devices (register page i at 0xd0000000 + i·0x1000 in the order console, block, balloon). */
  devices?: DeviceLaunchOptions;
  /** mode "guest": the paravirtual interface, "kvm" (default) or "xen" (Xen hypercalls, event channels, grant tables). */
  paravirt?: 'kvm' | 'xen';
}

/** The machine's virtio devices. */
export interface DeviceLaunchOptions {
  /** virtio-console: output to the debug console, input from the `input` console command. */
  console?: boolean;
  /** virtio-blk backed by this disk image (size a multiple of 512 bytes; relative to `cwd`). */
  disk?: string;
  /** Let guest writes reach the image file (default false: writes stay in memory). */
  diskWritable?: boolean;
  /** Offer VIRTIO_BLK_F_RO: the disk is read-only for the guest. */
  diskReadOnly?: boolean;
  /** virtio-balloon; `targetPages` is the initial num_pages (the `balloon` console command changes it). */
  balloon?: boolean | { targetPages?: number };
}

/** VM-execution controls of the built-in hypervisor (mode "guest"). */
export interface GuestLaunchOptions {
  /** Guest RAM in MiB (a multiple of 2; default 32). */
  guestMemoryMB?: number;
  /** HLT exiting (default true). */
  hltExiting?: boolean;
  /** CR3-load/store exiting (default false). */
  cr3Exiting?: boolean;
  /** Ports whose accesses exit: "all" (default) or a list. */
  ioExitPorts?: 'all' | number[];
  /** MSRs whose RDMSR/WRMSR exit (default none). */
  msrExits?: number[];
  /** Exception bitmap (default 0). */
  exceptionBitmap?: number;
  /** VMX-preemption timer value (exits every value·32 instructions); absent = off. */
  preemptionTimer?: number;
  /** Paravirtual interface of the hypervisor: the launch field `paravirt` (also accepted here). */
  paravirt?: 'kvm' | 'xen';
}

export const LAUNCH_FIELDS = ['program', 'mode', 'stopOnEntry', 'memoryMB', 'maxInstructions', 'entry', 'cwd', 'guest', 'devices', 'paravirt'] as const;
export const DEVICE_FIELDS = ['console', 'disk', 'diskWritable', 'diskReadOnly', 'balloon'] as const;
export const GUEST_FIELDS = ['guestMemoryMB', 'hltExiting', 'cr3Exiting', 'ioExitPorts', 'msrExits', 'exceptionBitmap', 'preemptionTimer', 'paravirt'] as const;

/** Address spaces a memory reference can name: `gva:0x1000`, `gpa:0x1000`, `hpa:0x1000`. */
export type AddressSpace = 'gva' | 'gpa' | 'hpa';

// ---------------------------------------------------------------- custom requests

export const CustomRequest = {
  /** The page walk of one address, step by step (the walker's trace mode). */
  pageWalk: 'hyperscope/pageWalk',
  /** Every register as plain values (views that do not want the variables tree). */
  registers: 'hyperscope/registers',
  /** The guest's page tables as a tree of present entries, from CR3. */
  pageTables: 'hyperscope/pageTables',
  /** The current VMCS, grouped, control words bit by bit (or why there is none). */
  vmcs: 'hyperscope/vmcs',
  /** The latest VM exits and per-reason statistics. */
  vmExits: 'hyperscope/vmExits',
  /** The current VMCS's EPT: one table at a time (the PML4 from the EPTP, or a table by address). */
  eptTables: 'hyperscope/eptTables',
  /** Writes one VMCS field through VMWRITE's path, validated (the VMCS view's "Edit Value"). */
  writeVmcsField: 'hyperscope/writeVmcsField',
  /** Devices: virtio queues decoded, the IOMMU's tables and faults, hypercalls, Xen event channels and grant table. */
  devices: 'hyperscope/devices',
} as const;

export interface PageWalkArguments {
  /** Guest-virtual address, as a number or a "0x..." string. */
  address: number | string;
  /** Check the walk as this access (default read). */
  access?: 'read' | 'write' | 'execute';
  /** Walk as a CPL-3 access (default: the current CPL). */
  user?: boolean;
}

export interface PageWalkStep {
  table: 'guest' | 'ept';
  /** 4 = PML4 ... 1 = PT. */
  level: number;
  levelName: string;
  index: number;
  /** Entry address (guest-physical for guest tables), hex. */
  entryAddress: string;
  entryHostAddress: string;
  /** The 64-bit entry, hex. */
  value: string;
  flags: string[];
  /** next | leaf | not-present | reserved | permission | ept-violation | ept-misconfig. */
  outcome: string;
  pageSize?: number;
  /** EPT steps: the guest level whose table address they translate (4..1), or 0 for the final data address. Optional: the visualizer infers it from the order when absent. */
  forGuestLevel?: number;
}

export interface PageWalkResult {
  linear: string;
  pagingEnabled: boolean;
  steps: PageWalkStep[];
  ok: boolean;
  physical?: string;
  guestPhysical?: string;
  pageSize?: number;
  fault?: string;
  /** Whether the TLB held this page when the walk was traced (absent: unknown). */
  tlbHit?: boolean;
}

export interface PageTablesArguments {
  /** Stop after this many entries (default 512, at most 65536); `truncated` says when it did. */
  maxEntries?: number;
}

export interface PageTableNode {
  /** 4 = PML4 ... 1 = PT. */
  level: number;
  levelName: string;
  index: number;
  /** Entry address (guest-physical), hex. */
  entryAddress: string;
  /** The 64-bit entry, hex. */
  value: string;
  flags: string[];
  /** First linear address the entry maps, hex (canonical). */
  linearBase: string;
  /** For leaves: the page size in bytes and the physical frame, hex. */
  pageSize?: number;
  frame?: string;
  /** For tables: the present entries of the next level. */
  children?: PageTableNode[];
}

export interface PageTablesResult {
  cr3: string;
  pagingEnabled: boolean;
  roots: PageTableNode[];
  entries: number;
  truncated: boolean;
}

export type RegistersArguments = Record<string, never>;

export interface RegistersResult {
  /** rax..r15, rip, rflags, cr0, cr2, cr3, cr4, efer: hex strings. */
  values: Record<string, string>;
  segments: Record<string, { selector: string; base: string; limit: string; accessRights: string }>;
  cpl: number;
  instret: number;
}

export interface VmcsBit {
  name: string;
  /** Bit position in the control word. */
  bit: number;
  set: boolean;
}

export interface VmcsFieldInfo {
  name: string;
  encoding: number;
  /** Hex. */
  value: string;
  decoded?: string;
  /** Exit-information fields are read-only; the rest are writable (VMWRITE). */
  readOnly: boolean;
  /** Control words: every named bit. */
  bits?: VmcsBit[];
  /** Address fields: where the value points (`hpa:0x…`, `gpa:0x…`, `gva:0x…`), for the memory view. */
  memoryReference?: string;
}

export interface VmcsGroupInfo {
  group: 'Controls' | 'Exit information' | 'Guest state' | 'Host state';
  fields: VmcsFieldInfo[];
}

export type VmcsResult = { available: true; address: string; groups: VmcsGroupInfo[] } | { available: false; reason: string };

export interface VmExitsArguments {
  /** How many of the latest exits to list (default 100). */
  limit?: number;
}

export interface VmExitInfo {
  reason: number;
  name: string;
  qualification: string;
  description: string;
  guestRip: string;
  guestPhysical: string | null;
  instructionLength: number;
  entryFailure: boolean;
  instret: number;
}

export interface VmExitStat {
  reason: number;
  name: string;
  count: number;
  percent: number;
}

export interface VmExitsResult {
  /** Oldest first. */
  exits: VmExitInfo[];
  /** Exits counted but not listed. */
  omitted: number;
  total: number;
  /** Most frequent first. */
  stats: VmExitStat[];
}

export interface EptTablesArguments {
  /** Host-physical address of the table to list (a node's `table`); absent: the PML4 the EPTP names. */
  table?: string;
  /** The table's level (4 = PML4 ... 1 = PT); required with `table`. */
  level?: number;
  /** First guest-physical address the table maps (a node's `guestPhysical`); default 0. */
  guestPhysical?: string;
}

export interface EptEntryNode {
  /** 4 = PML4 ... 1 = PT. */
  level: number;
  levelName: string;
  index: number;
  /** Entry address (host-physical), hex. */
  entryAddress: string;
  /** The 64-bit entry, hex. */
  value: string;
  /** `R`/`W`/`X` as granted (`-` when not), e.g. `RW-`. */
  permissions: string;
  /** R, W, X, MT=6 (WB), IPAT, PS, A, D. */
  flags: string[];
  /** First guest-physical address the entry maps, hex. */
  guestPhysical: string;
  /** Leaves: page size in bytes and the host-physical frame, hex; memory type and ignore-PAT. */
  pageSize?: number;
  frame?: string;
  memoryType?: string;
  ignorePat?: boolean;
  /** Non-leaves: host-physical address of the next table, hex (pass it back as `table` to expand). */
  table?: string;
  /** Why the entry is an EPT misconfiguration (SDM 29.3.3.1), when it is one. */
  misconfiguration?: string;
}

export type EptTablesResult =
  | {
      available: true;
      /** The EPT pointer, hex; its memory type, walk length and accessed/dirty enable. */
      eptp: string;
      memoryType: string;
      walkLength: number;
      accessedDirty: boolean;
      /** "enable EPT" (secondary controls) is set: the EPT is in use. */
      enabled: boolean;
      /** The listed table: host-physical address, level, first guest-physical address. */
      table: string;
      level: number;
      guestPhysical: string;
      /** Present entries (R, W or X set) plus misconfigured ones. */
      entries: EptEntryNode[];
    }
  | { available: false; reason: string };

export interface WriteVmcsFieldArguments {
  /** Field name (GUEST_RIP) or encoding (0x681e, as a number or string). */
  field: string | number;
  /** The new value: a number or an expression string ("0x1000", "rax + 8"). */
  value: string | number;
}

export interface WriteVmcsFieldResult {
  name: string;
  encoding: number;
  /** The value now in the VMCS, hex. */
  value: string;
  /** When the write takes effect (e.g. guest-state fields of a running guest). */
  note?: string;
}

export interface DevicesArguments {
  /** Also walk the IOMMU tables for one device address (side-effect free). */
  translate?: { sourceId: number | string; address: number | string; write?: boolean };
  /** Descriptors / ring slots listed per virtqueue (default 16, at most 256). */
  maxRingEntries?: number;
}

export interface VirtqDescriptorInfo {
  index: number;
  /** Device address, hex. */
  addr: string;
  len: number;
  flags: string[];
  next: number;
}

export interface VirtqueueInfo {
  index: number;
  size: number;
  maxSize: number;
  ready: boolean;
  /** Device addresses of the descriptor table, driver (available) and device (used) areas, hex. */
  desc: string;
  driver: string;
  device: string;
  /** The device's next available-ring index and its used index. */
  lastAvail: number;
  usedIdx: number;
  /** Requests served (chains returned on the used ring). */
  served: number;
  /** Decoded from memory as the device sees it (through the IOMMU), or why not. */
  descriptors: VirtqDescriptorInfo[];
  avail?: { flags: number; idx: number; ring: number[] };
  used?: { flags: number; idx: number; ring: { id: number; len: number }[] };
  unreadable?: string;
}

export interface VirtioDeviceInfo {
  index: number;
  kind: string;
  deviceId: number;
  /** MMIO page (host-physical in bare mode, guest-physical in guest mode), hex. */
  base: string;
  /** Requester id "bb:dd.f". */
  sourceId: string;
  vector: number;
  status: number;
  statusBits: string[];
  negotiatedFeatures: string;
  interruptStatus: number;
  problem: string | null;
  notifications: number;
  interrupts: number;
  dmaFaults: number;
  queues: VirtqueueInfo[];
  /** Device-type state (block image and counters, console bytes, balloon pages). */
  device: Record<string, unknown>;
}

export interface IommuEntryInfo {
  entryAddress: number;
  value: string;
  valueHigh: string;
  flags: string[];
  /** 'next' for a present valid entry, else what is wrong ('not-present', 'reserved', 'invalid', 'access-error'). */
  outcome: string;
}

export interface IommuFaultInfo {
  sourceId: number;
  address: number;
  write: boolean;
  reason: number;
  reasonName: string;
  text: string;
  recordIndex?: number;
  overflow: boolean;
  suppressed: boolean;
}

export interface IommuWalkStepInfo {
  table: 'root' | 'context' | 'second-level';
  level: number;
  index: number;
  entryAddress: number;
  value: string;
  valueHigh?: string;
  flags: string[];
  outcome: string;
  pageSize?: number;
}

export interface IommuTraceInfo {
  sourceId: number;
  address: number;
  write: boolean;
  translationEnabled: boolean;
  steps: IommuWalkStepInfo[];
  hostPhysical?: number;
  pageSize?: number;
  domainId?: number;
  fault?: { reason: number; name: string; text: string };
  contextCached?: boolean;
  iotlbHit?: boolean;
  iotlbHostPhysical?: number;
}

export interface IommuInfo {
  /** DMAR register page, host-physical. */
  base: number;
  translationEnabled: boolean;
  rootTablePointerSet: boolean;
  rootTable: number;
  registers: Record<string, string>;
  rootEntries: (IommuEntryInfo & { bus: number; contexts: (IommuEntryInfo & { devfn: number; sourceId: number; name: string; domainId: number; secondLevelRoot: number })[] })[];
  domains: { domainId: number; sourceIds: string[]; secondLevelRoot: number }[];
  faultStatus: { overflow: boolean; pending: boolean; nextIndex: number; interruptMasked: boolean; interruptPending: boolean; vector: number };
  faultRecords: { index: number; sourceId: string; address: number; reason: number; reasonName: string; type: 'read' | 'write' }[];
  /** The latest blocked DMAs (recorded, suppressed by FPD or dropped on overflow). */
  faultLog: IommuFaultInfo[];
  iotlb: { size: number; capacity: number; entries: { domainId: number; address: number; hostPhysical: number; pageSize: number; read: boolean; write: boolean }[] };
  contextCache: string[];
}

export interface HypercallRecordInfo {
  personality: 'xen' | 'kvm';
  number: number;
  name: string;
  args: string[];
  result: string;
  error?: string;
  rip: string;
  instret: number;
  nested?: boolean;
}

export interface HypercallsInfo {
  total: number;
  counts: Record<string, number>;
  log: HypercallRecordInfo[];
}

export interface EventChannelInfo {
  port: number;
  state: string;
  remoteDomain?: number;
  remotePort?: number;
  virq?: number;
  pending: boolean;
  masked: boolean;
}

export interface GrantTableInfo {
  frames: number;
  maxFrames: number;
  frameGfns: (number | null)[];
  entries: { ref: number; flags: string[]; domid: number; frame: number }[];
  mappings: unknown[];
  lastRefusal?: string;
}

export interface XenInfo {
  personality: 'xen';
  hypercallPage: number | null;
  sharedInfoGfn: number | null;
  callbackVector: number | null;
  /** HVMOP_set_evtchn_upcall_vector's per-vCPU vector (through the virtual APIC), which takes precedence. */
  upcallVector?: number | null;
  upcallPending: boolean;
  upcalls: number;
  eventChannels: EventChannelInfo[];
  grantTable: GrantTableInfo;
  [more: string]: unknown;
}

export interface DevicesResult {
  mode: 'bare' | 'guest';
  virtio: VirtioDeviceInfo[];
  iommu: IommuInfo;
  /** Guest mode: every hypercall (VMCALL) the built-in hypervisor handled. */
  hypercalls?: HypercallsInfo;
  /** Guest mode with paravirt "xen". */
  xen?: XenInfo;
  translation?: IommuTraceInfo;
}

// ---------------------------------------------------------------- custom events

export const CustomEvent = {
  /** Machine state changed outside a stop (memory or register written by the user). */
  stateChanged: 'hyperscope/stateChanged',
} as const;

export interface StateChangedEventBody {
  what: 'registers' | 'memory' | 'vmcs';
}
