/**
 * sched_op (public/sched.h), set_timer_op and vcpu_op's timer sub-ops (public/vcpu.h).
 * SCHEDOP_block and SCHEDOP_poll sleep until an event: time skips to the next timer
 * expiry; with nothing that could ever wake the vCPU the machine stops cleanly.
 * SCHEDOP_shutdown stops the machine with reason 'exit' and the shutdown reason as the code.
 */
import { Errno, SCHEDOP, SharedInfo, SHUTDOWN_REASONS, VCPUOP } from './abi';
import { fail, type XenArgs, type XenPlatform } from './platform';
import { MAX_GUEST_TIME } from './timers';

/** A guest time in ns from a 64-bit argument, clamped to MAX_GUEST_TIME. */
const guestTime = (value: bigint): number => Number(value > BigInt(MAX_GUEST_TIME) ? BigInt(MAX_GUEST_TIME) : value);

const MAX_POLL_PORTS = 128;
/** Xen refuses periodic timers faster than 1 ms. */
const MIN_PERIOD_NS = 1_000_000;

/** Sleeps until `woken()` or the deadline (guest ns); false when nothing can wake the vCPU. */
function sleep(xen: XenPlatform, woken: () => boolean, deadline: number, what: string): boolean {
  for (;;) {
    if (woken()) return true;
    const next = Math.min(xen.timers.nextExpiry(), deadline);
    if (next === Infinity) {
      xen.cpu.requestStop('halt', `${what}: no event channel is pending and no timer is armed — nothing can wake the guest`);
      return false;
    }
    const before = xen.now();
    xen.timers.skipTo(next);
    if (xen.now() >= deadline) return true;
    if (xen.now() === before && !woken()) {
      xen.cpu.requestStop('halt', `${what}: the guest clock reached its limit (2^50 ns) with nothing pending`);
      return false;
    }
  }
}

function shutdown(xen: XenPlatform, arg: bigint): bigint {
  const reason = xen.mem.readU32(arg);
  if (reason === undefined) return fail(Errno.EFAULT);
  const name = SHUTDOWN_REASONS[reason];
  if (name === undefined) return fail(Errno.EINVAL);
  xen.cpu.requestStop('exit', `Xen guest shut down: SCHEDOP_shutdown(${name})`, reason);
  return 0n;
}

function poll(xen: XenPlatform, arg: bigint): bigint {
  const op = xen.mem.read(arg, 24);
  if (!op) return fail(Errno.EFAULT);
  const v = new DataView(op.buffer);
  const count = v.getUint32(8, true);
  const timeout = v.getBigUint64(16, true);
  if (count > MAX_POLL_PORTS) return fail(Errno.EINVAL);
  const list = xen.mem.read(v.getBigUint64(0, true), count * 4);
  if (!list) return fail(Errno.EFAULT);
  const ports = Array.from({ length: count }, (_, i) => new DataView(list.buffer).getUint32(i * 4, true));
  if (ports.some((port) => !xen.state.channels.has(port))) return fail(Errno.EINVAL);
  const deadline = timeout === 0n ? Infinity : guestTime(timeout);
  sleep(xen, () => ports.some((port) => xen.evtchn.isPending(port)), deadline, 'SCHEDOP_poll');
  return 0n;
}

function block(xen: XenPlatform): bigint {
  xen.cpu.mem.write8(xen.sharedInfoHpa + SharedInfo.upcallMask, 0); // block enables event delivery, as Xen does
  sleep(xen, () => xen.evtchn.anyDeliverable(), Infinity, 'SCHEDOP_block');
  return 0n;
}

const SCHED_OPS = new Map<bigint, (xen: XenPlatform, arg: bigint) => bigint>([
  [BigInt(SCHEDOP.yield), (xen) => (xen.timers.fireDue(), 0n)],
  [BigInt(SCHEDOP.block), block],
  [BigInt(SCHEDOP.shutdown), shutdown],
  [BigInt(SCHEDOP.poll), poll],
]);

/** sched_op(cmd, arg). */
export function schedOp(xen: XenPlatform, args: XenArgs): bigint {
  const op = SCHED_OPS.get(args[0]);
  return op ? op(xen, args[1]) : fail(Errno.ENOSYS);
}

/** set_timer_op(timeout_abs_ns): 0 cancels; a time in the past fires at once. */
export function setTimerOp(xen: XenPlatform, args: XenArgs): bigint {
  const timeout = args[0];
  xen.state.singleShot = timeout === 0n ? undefined : guestTime(timeout);
  xen.timers.fireDue();
  return 0n;
}

/** vcpu_op(cmd, vcpuid, arg): timers and is_up for vCPU 0. */
export function vcpuOp(xen: XenPlatform, args: XenArgs): bigint {
  const [cmd, vcpu, arg] = args;
  if (vcpu !== 0n) return fail(Errno.ENOENT);
  switch (cmd) {
    case BigInt(VCPUOP.is_up):
      return 1n;
    case BigInt(VCPUOP.set_singleshot_timer): {
      const op = xen.mem.read(arg, 12);
      if (!op) return fail(Errno.EFAULT);
      const v = new DataView(op.buffer);
      const at = guestTime(v.getBigUint64(0, true));
      if (v.getUint32(8, true) & 1 && at < xen.now()) return fail(Errno.ETIME); // VCPU_SSHOTTMR_future
      xen.state.singleShot = at;
      xen.timers.fireDue();
      return 0n;
    }
    case BigInt(VCPUOP.stop_singleshot_timer):
      xen.state.singleShot = undefined;
      return 0n;
    case BigInt(VCPUOP.set_periodic_timer): {
      const period = xen.mem.readU64(arg);
      if (period === undefined) return fail(Errno.EFAULT);
      if (period < BigInt(MIN_PERIOD_NS) || period > 1n << 50n) return fail(Errno.EINVAL);
      xen.state.periodic = { next: xen.now() + Number(period), period: Number(period) };
      return 0n;
    }
    case BigInt(VCPUOP.stop_periodic_timer):
      xen.state.periodic = undefined;
      return 0n;
    default:
      return fail(Errno.ENOSYS);
  }
}
