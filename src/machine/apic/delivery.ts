/**
 * Interrupt delivery from the CPU's local APIC to the processor (SDM Vol. 3 6.8, 11.8),
 * after an instruction completes, in bare mode and in VMX non-root operation:
 * - an NMI: in non-root with "NMI exiting" a VM exit (reason 0, type NMI), else vector 2
 *   through the IDT;
 * - the highest deliverable fixed vector: in non-root with "external-interrupt exiting" a
 *   VM exit (reason 1) whatever RFLAGS.IF says (SDM 25.2), acknowledging the vector into
 *   the exit's interruption information when the exit control "acknowledge interrupt on
 *   exit" is 1 (else it stays pending and the information is invalid); otherwise, with
 *   RFLAGS.IF = 1 and no STI / MOV-SS shadow, IRR → ISR and delivery through the IDT.
 * Also the halt logic: HLT waits for an interrupt; time (instructions) skips ahead to the
 * APIC timer or the VMX-preemption timer, whichever can wake the processor first.
 */
import type { Cpu } from '../cpu/cpu';
import { Attention } from '../cpu/cpu';
import { Vector } from '../cpu/fault';
import { Flag } from '../cpu/flags';
import { EventKind } from '../cpu/interrupts';
import { DeadlineSource, type LoopOutcome, type RunLoop } from '../cpu/runLoop';
import { ExitReason } from '../vmx/exitReasons';
import type { VmxUnit } from '../vmx/vmxUnit';
import type { LocalApic } from './localApic';

const VALID = 0x80000000;
const NMI_INFO = (VALID | (2 << 8) | Vector.NMI) >>> 0;

export class InterruptDelivery {
  constructor(
    private readonly cpu: Cpu,
    private readonly loop: RunLoop,
    private readonly vmx: VmxUnit,
    readonly apic: LocalApic,
  ) {
    apic.onEvent = () => void (cpu.attention |= Attention.Event);
    apic.onTimerChange = (expiry) => loop.setDeadline(DeadlineSource.ApicTimer, expiry);
    loop.timerHandler = () => apic.pollTimer();
    loop.interruptPoll = () => this.poll();
  }

  private get nonRoot(): boolean {
    return this.vmx.operation === 'non-root' && this.vmx.controls !== undefined;
  }

  /** No interrupt between STI / MOV SS and the next instruction (a halted processor has left any shadow behind). */
  private get shadowed(): boolean {
    return !this.cpu.halted && this.cpu.interruptShadowRip === this.cpu.rip;
  }

  /** The run loop's InterruptPoll: deliver, exit, or report 'blocked'. */
  poll(): LoopOutcome | 'blocked' | undefined {
    const cpu = this.cpu;
    const apic = this.apic;
    if (apic.nmiPending && !cpu.nmiBlocked) return this.deliverNmi(); // blocked: pending until IRET (SDM 6.7.1)
    const vector = apic.deliverable();
    if (vector < 0) return undefined;
    if (this.shadowed) return 'blocked';
    const controls = this.vmx.controls;
    if (this.nonRoot && controls!.pin.externalInterruptExiting) {
      const acknowledge = controls!.exit.acknowledgeInterruptOnExit;
      if (acknowledge) apic.acknowledge(vector);
      this.vmx.exit({ reason: ExitReason.ExternalInterrupt, interruptionInfo: acknowledge ? (VALID | vector) >>> 0 : 0 }, cpu.rip);
      // Not acknowledged: the interrupt stays requested — taken (or exiting again) once the host or a guest can take it.
      if (!acknowledge) cpu.attention |= Attention.Event;
      return undefined;
    }
    if (!(cpu.flagBits & Flag.IF)) return 'blocked';
    apic.acknowledge(vector);
    if (this.nonRoot) this.vmx.noteDelivery((VALID | vector) >>> 0, 0);
    return this.loop.deliver(vector, EventKind.External);
  }

  private deliverNmi(): LoopOutcome | 'blocked' | undefined {
    if (this.shadowed) return 'blocked';
    this.apic.nmiPending = false;
    if (this.nonRoot && this.vmx.controls!.pin.nmiExiting) {
      this.vmx.exit({ reason: ExitReason.ExceptionOrNmi, interruptionInfo: NMI_INFO }, this.cpu.rip);
      this.cpu.nmiBlocked = true; // an NMI that exits blocks NMIs once the exit completes (SDM 27.1)
      return undefined;
    }
    if (this.nonRoot) this.vmx.noteDelivery(NMI_INFO, 0);
    return this.loop.deliver(Vector.NMI, EventKind.External);
  }

  /** Whether an interrupt the processor would take (or exit for) is pending now or will be raised by the timer. */
  private interruptCanWake(): { now: boolean; at: number } {
    const exits = this.nonRoot && this.vmx.controls!.pin.externalInterruptExiting;
    const open = exits || (this.cpu.flagBits & Flag.IF) !== 0;
    if (this.apic.nmiPending && !this.cpu.nmiBlocked) return { now: true, at: this.cpu.instret };
    if (!open) return { now: false, at: Infinity };
    return { now: this.apic.deliverable() >= 0, at: this.apic.timerWakeAt };
  }

  /** A halted processor can still be woken (an interrupt, the APIC timer, the VMX-preemption timer). */
  canWakeHalted(): boolean {
    const wake = this.interruptCanWake();
    return wake.now || wake.at !== Infinity || this.vmx.canWakeHaltedGuest();
  }

  /**
   * Wakes a halted processor: a pending interrupt is taken now; else time skips to the
   * earlier of the APIC timer and the VMX-preemption timer (a VM exit), which then fires.
   * Returns false when nothing can ever wake it (the machine reports the halt).
   */
  wakeHalted(): boolean {
    const cpu = this.cpu;
    const wake = this.interruptCanWake();
    if (!wake.now && wake.at !== Infinity && (!this.vmx.canWakeHaltedGuest() || wake.at <= this.vmx.deadlines.timer)) {
      cpu.instret = Math.max(cpu.instret, wake.at);
      this.loop.setDeadline(DeadlineSource.ApicTimer, Infinity);
      this.apic.pollTimer();
    } else if (!wake.now) return this.vmx.wakeHaltedGuest();
    const outcome = this.poll();
    if (outcome !== undefined && outcome !== 'blocked') cpu.requestStop(outcome.kind === 'triple-fault' ? 'triple-fault' : 'pause', outcome.kind === 'triple-fault' ? outcome.cause : 'interrupt delivery stopped');
    return true;
  }
}
