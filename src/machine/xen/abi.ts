/**
 * Xen's public ABI as the built-in hypervisor implements it (fact sheet §9; Xen's
 * xen/include/public headers): hypercall numbers, sub-ops, errno values, structure sizes.
 */

/** Hypercall numbers (public/xen.h). */
export const Hc = {
  mmu_update: 1,
  memory_op: 12,
  multicall: 13,
  set_timer_op: 15,
  xen_version: 17,
  console_io: 18,
  grant_table_op: 20,
  iret: 23,
  vcpu_op: 24,
  mmuext_op: 26,
  sched_op: 29,
  event_channel_op: 32,
  hvm_op: 34,
} as const;

/** Every hypercall name by number (public/xen.h), implemented or not, for the debugger. */
export const HYPERCALL_NAMES: readonly string[] = [
  'set_trap_table', 'mmu_update', 'set_gdt', 'stack_switch', 'set_callbacks', 'fpu_taskswitch', 'sched_op_compat', 'platform_op',
  'set_debugreg', 'get_debugreg', 'update_descriptor', 'hypercall_11', 'memory_op', 'multicall', 'update_va_mapping', 'set_timer_op',
  'event_channel_op_compat', 'xen_version', 'console_io', 'physdev_op_compat', 'grant_table_op', 'vm_assist', 'update_va_mapping_otherdomain', 'iret',
  'vcpu_op', 'set_segment_base', 'mmuext_op', 'xsm_op', 'nmi_op', 'sched_op', 'callback_op', 'xenoprof_op',
  'event_channel_op', 'physdev_op', 'hvm_op', 'sysctl', 'domctl', 'kexec_op', 'tmem_op', 'argo_op',
  'xenpmu_op', 'dm_op', 'hypfs_op', 'hypercall_43', 'hypercall_44', 'hypercall_45', 'hypercall_46', 'hypercall_47',
  'arch_0', 'arch_1', 'arch_2', 'arch_3', 'arch_4', 'arch_5', 'arch_6', 'arch_7',
];

/** Name of hypercall `number` ("hypercall_N" past the table). */
export function xenHypercallName(number: number): string {
  return HYPERCALL_NAMES[number] ?? `hypercall_${number}`;
}

/** Hypercall number by name (for breakpoints by name); undefined if unknown. */
export function xenHypercallNumber(name: string): number | undefined {
  const index = HYPERCALL_NAMES.indexOf(name);
  return index < 0 ? undefined : index;
}

/** Xen errno values (public/errno.h); hypercalls return them negated. */
export const Errno = {
  EPERM: 1,
  ENOENT: 2,
  ESRCH: 3,
  EINTR: 4,
  EIO: 5,
  E2BIG: 7,
  EBADF: 9,
  EAGAIN: 11,
  ENOMEM: 12,
  EACCES: 13,
  EFAULT: 14,
  EBUSY: 16,
  EEXIST: 17,
  ENODEV: 19,
  EINVAL: 22,
  ENOSPC: 28,
  ERANGE: 34,
  ENOSYS: 38,
  ETIME: 62,
  EOPNOTSUPP: 95,
} as const;

export const ERRNO_NAMES: ReadonlyMap<number, string> = new Map(Object.entries(Errno).map(([name, value]) => [value, name]));

/** Domain ids (public/xen.h). The guest is domain 1; the built-in back end is domain 0. */
export const DomId = { dom0: 0, guest: 1, self: 0x7ff0, invalid: 0x7ff4 } as const;

export const XENVER = { version: 0, extraversion: 1, compile_info: 2, capabilities: 3, changeset: 4, platform_parameters: 5, get_features: 6, pagesize: 7, guest_handle: 8, commandline: 9 } as const;
export const CONSOLEIO = { write: 0, read: 1 } as const;
export const SCHEDOP = { yield: 0, block: 1, shutdown: 2, poll: 3 } as const;
export const SHUTDOWN_REASONS = ['poweroff', 'reboot', 'suspend', 'crash', 'watchdog', 'soft_reset'] as const;
export const VCPUOP = { is_up: 3, set_periodic_timer: 6, stop_periodic_timer: 7, set_singleshot_timer: 8, stop_singleshot_timer: 9 } as const;
export const XENMEM = { increase_reservation: 0, decrease_reservation: 1, maximum_ram_page: 2, current_reservation: 3, maximum_reservation: 4, populate_physmap: 6, add_to_physmap: 7 } as const;
export const XENMAPSPACE = { shared_info: 0, grant_table: 1, gmfn: 2 } as const;
export const EVTCHNOP = { bind_interdomain: 0, bind_virq: 1, bind_pirq: 2, close: 3, send: 4, status: 5, alloc_unbound: 6, bind_ipi: 7, bind_vcpu: 8, unmask: 9 } as const;
export const VIRQ = { timer: 0, debug: 1, console: 2, NR: 24 } as const;
export const GNTTABOP = { map_grant_ref: 0, unmap_grant_ref: 1, setup_table: 2, copy: 5, query_size: 6, set_version: 8, get_version: 10 } as const;
export const MMUEXT = { pin_l1: 0, pin_l2: 1, pin_l3: 2, pin_l4: 3, unpin: 4, new_baseptr: 5, tlb_flush_local: 6, invlpg_local: 7 } as const;
export const HVMOP = { set_param: 0, get_param: 1, set_evtchn_upcall_vector: 23 } as const;
export const HVM_PARAM = {
  callback_irq: 0,
  /** Hyperscope: grant reference of the console ring page the guest granted to domain 0. */
  console_gref: 0x100,
  /** Hyperscope: the guest's unbound event-channel port for the console; writing it connects the back end. */
  console_evtchn: 0x101,
} as const;

/** Grant entry v1 flags (public/grant_table.h). */
export const GTF = { typeMask: 3, permit_access: 1, readonly: 1 << 2, reading: 1 << 3, writing: 1 << 4 } as const;
export const GNTMAP = { device_map: 1, host_map: 2, readonly: 4 } as const;
export const GNTCOPY = { source_gref: 1, dest_gref: 2 } as const;
/** Grant status codes (GNTST_*). */
export const GNTST = { okay: 0, general_error: -1, bad_domain: -2, bad_gntref: -3, bad_handle: -4, bad_virt_addr: -5, bad_dev_addr: -6, no_device_space: -7, permission_denied: -8, bad_page: -9, bad_copy_arg: -10 } as const;

/** Event-channel status values (EVTCHNSTAT_*). */
export const EvtchnStat = { closed: 0, unbound: 1, interdomain: 2, pirq: 3, virq: 4, ipi: 5 } as const;

/** shared_info / vcpu_info layout on x86-64 (public/xen.h, arch-x86/xen.h). */
export const SharedInfo = {
  /** vcpu_info[0]: evtchn_upcall_pending u8 @0, evtchn_upcall_mask u8 @1, evtchn_pending_sel u64 @8, time @32. */
  upcallPending: 0,
  upcallMask: 1,
  pendingSel: 8,
  time: 32,
  /** evtchn_pending[64] and evtchn_mask[64] (u64 words). */
  evtchnPending: 2048,
  evtchnMask: 2560,
  wcVersion: 3072,
} as const;

/** Ports of the 2-level ABI on x86-64: 64 words × 64 bits. */
export const MAX_PORTS = 4096;
/** Grant frames a guest may set up (query_size's max_nr_frames). */
export const MAX_GRANT_FRAMES = 4;
/** Grant entries v1 per 4 KiB frame. */
export const GRANTS_PER_FRAME = 512;
export const PAGE = 4096;
