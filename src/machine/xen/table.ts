/** Xen hypercalls implemented by the built-in hypervisor, by number (names in abi.ts). */
import { Hc } from './abi';
import { consoleIo } from './consoleOp';
import { hvmOp } from './hvmOp';
import { memoryOp } from './memoryOp';
import { mmuextOp, mmuUpdate } from './mmuOp';
import { multicall } from './multicall';
import type { XenHypercall } from './platform';
import { schedOp, setTimerOp, vcpuOp } from './schedOp';
import { xenVersion } from './versionOp';

export const XEN_HYPERCALLS: ReadonlyMap<number, XenHypercall> = new Map<number, XenHypercall>([
  [Hc.mmu_update, mmuUpdate],
  [Hc.memory_op, memoryOp],
  [Hc.multicall, multicall],
  [Hc.set_timer_op, setTimerOp],
  [Hc.xen_version, xenVersion],
  [Hc.console_io, consoleIo],
  [Hc.grant_table_op, (xen, args) => xen.grants.op(args)],
  [Hc.vcpu_op, vcpuOp],
  [Hc.mmuext_op, mmuextOp],
  [Hc.sched_op, schedOp],
  [Hc.event_channel_op, (xen, args) => xen.evtchn.op(args)],
  [Hc.hvm_op, hvmOp],
]);
