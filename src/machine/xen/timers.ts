/**
 * The guest's Xen timers on the guest clock (1 ns per instruction retired): the
 * single-shot timer (set_timer_op, VCPUOP_set_singleshot_timer) and the periodic timer
 * (VCPUOP_set_periodic_timer); expiry raises VIRQ_TIMER. They are checked after every
 * VM exit, and a blocked vCPU skips time ahead to the next expiry.
 */
import { SharedInfo, VIRQ } from './abi';
import type { XenPlatform } from './platform';

export class XenTimers {
  constructor(private readonly xen: XenPlatform) {}

  /** Earliest expiry in guest ns, or Infinity. */
  nextExpiry(): number {
    const state = this.xen.state;
    return Math.min(state.singleShot ?? Infinity, state.periodic?.next ?? Infinity);
  }

  /** Raises VIRQ_TIMER for every timer that has expired by now. */
  fireDue(): void {
    const state = this.xen.state;
    const now = this.xen.now();
    let fired = false;
    if (state.singleShot !== undefined && state.singleShot <= now) {
      state.singleShot = undefined;
      fired = true;
    }
    const periodic = state.periodic;
    if (periodic && periodic.next <= now) {
      periodic.next += Math.ceil((now - periodic.next + 1) / periodic.period) * periodic.period;
      fired = true;
    }
    if (fired) this.xen.evtchn.sendVirq(VIRQ.timer);
  }

  /** Time passes to `at` (guest ns) without executing instructions, as while a vCPU is blocked. */
  skipTo(at: number): void {
    if (at > this.xen.cpu.instret) this.xen.cpu.instret = at;
    this.fireDue();
  }

  /**
   * vcpu_time_info of vCPU 0 (public/xen.h): system time = guest ns at tsc_timestamp, and
   * the scale ns = ((tsc − tsc_timestamp) << 1) · 2^31 >> 32, since the TSC counts instructions.
   */
  writeTimeInfo(): void {
    const mem = this.xen.cpu.mem;
    const at = this.xen.sharedInfoHpa + SharedInfo.time;
    const now = BigInt(this.xen.cpu.instret);
    mem.write32(at, 2); // version (even: stable)
    mem.write64(at + 8, now); // tsc_timestamp
    mem.write64(at + 16, now); // system_time
    mem.write32(at + 24, 0x80000000); // tsc_to_system_mul
    mem.write8(at + 28, 1); // tsc_shift
  }

  describe(): { now: number; singleShot: number | null; periodic: { next: number; period: number } | null } {
    const state = this.xen.state;
    return { now: this.xen.now(), singleShot: state.singleShot ?? null, periodic: state.periodic ? { ...state.periodic } : null };
  }
}
