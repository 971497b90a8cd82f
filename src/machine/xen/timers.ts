/**
 * The guest's Xen timers on the guest clock (1 ns per instruction retired): the
 * single-shot timer (set_timer_op, VCPUOP_set_singleshot_timer) and the periodic timer
 * (VCPUOP_set_periodic_timer); expiry raises VIRQ_TIMER. They are checked after every
 * VM exit; the VMX-preemption timer is armed so that exit comes by the next expiry (as for
 * the virtual APIC timer), and a blocked or halted vCPU skips time ahead to it.
 */
import { Flag } from '../cpu/flags';
import { MiscInfo } from '../vmx/capabilities';
import { Pin } from '../vmx/controls';
import { F } from '../vmx/fields';
import type { Vmcs } from '../vmx/vmcs';
import { SharedInfo, VIRQ } from './abi';
import type { XenPlatform } from './platform';

const TIMER_RATE = 2 ** MiscInfo.preemptionTimerRate;
/** 2^50 ns (13 days): the latest time a timer or a blocked vCPU can reach; instruction counts stay below 2^53. */
export const MAX_GUEST_TIME = 2 ** 50;

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

  /**
   * Time passes to `at` (guest ns) without executing instructions, as while a vCPU is
   * blocked — never beyond MAX_GUEST_TIME, so the instruction count stays exact.
   */
  skipTo(at: number): void {
    const target = Math.min(at, MAX_GUEST_TIME);
    if (target > this.xen.cpu.instret) this.xen.cpu.instret = target;
    this.fireDue();
  }

  /**
   * Runs after the interrupt engine armed the VMX-preemption timer before VMRESUME: if a Xen
   * timer expires sooner, the preemption timer is armed (or shortened) for it.
   */
  arm(vmcs: Vmcs): void {
    const next = this.nextExpiry();
    if (next === Infinity) return;
    const value = Math.min(Math.max(0, Math.ceil((next - (this.xen.cpu.instret + 1)) / TIMER_RATE)), 0xffffffff);
    const pin = vmcs.get32(F.PIN_BASED_VM_EXEC_CONTROL);
    if (pin & Pin.activatePreemptionTimer && vmcs.get32(F.VMX_PREEMPTION_TIMER_VALUE) <= value) return;
    if (!(pin & Pin.activatePreemptionTimer)) vmcs.setNumber(F.PIN_BASED_VM_EXEC_CONTROL, (pin | Pin.activatePreemptionTimer) >>> 0);
    vmcs.setNumber(F.VMX_PREEMPTION_TIMER_VALUE, value);
  }

  /** HLT with RFLAGS.IF = 1, a callback vector and an armed timer: time skips to its expiry, whose upcall wakes the guest. */
  wakeHalted(vmcs: Vmcs): boolean {
    const next = this.nextExpiry();
    if (next === Infinity || !this.xen.upcallTarget() || !(vmcs.get32(F.GUEST_RFLAGS) & Flag.IF)) return false;
    this.skipTo(next);
    return true;
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
