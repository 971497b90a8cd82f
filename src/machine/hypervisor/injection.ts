/**
 * Guest interrupts of the built-in hypervisor: the guest's virtual x2APIC (a LocalApic
 * the hypervisor owns; its IRR is the pending-interrupt queue) and the step that runs
 * between every VM exit and the VMRESUME after it, the way KVM's inject_pending_event
 * does: re-inject an event whose delivery the exit interrupted, fire the virtual timer,
 * inject the highest deliverable vector by VM-entry event injection (type external
 * interrupt, SDM 26.6) when the guest can take it (RFLAGS.IF = 1, no STI / MOV-SS
 * blocking), else ask for an interrupt-window exit; and arm the VMX-preemption timer so
 * the hypervisor regains control when the virtual APIC timer expires.
 */
import type { Cpu } from '../cpu/cpu';
import { Flag } from '../cpu/flags';
import { ApicBase, LocalApic } from '../apic/localApic';
import { apicOf } from '../apic/cpuApic';
import { MiscInfo } from '../vmx/capabilities';
import { Pin, Primary } from '../vmx/controls';
import { F } from '../vmx/fields';
import { Activity, Interruptibility } from '../vmx/guestState';
import type { Vmcs } from '../vmx/vmcs';
import type { VmxUnit } from '../vmx/vmxUnit';
import { timeStampCounter } from '../cpu/msrs';
import { becomesDoubleFault } from '../cpu/interrupts';
import { Vector } from '../cpu/fault';
import { IA32_TSC_DEADLINE, isX2apicMsr, readTscDeadline, readX2apic, writeApicBase, writeTscDeadline, writeX2apic } from '../apic/x2apicMsrs';

/** RDMSR/WRMSR of a virtual-APIC MSR, emulated (they throw #GP(0) as the hardware would). */
export interface EmulatedMsr {
  read(): bigint;
  write(value: bigint): void;
}

const VALID = 0x80000000;
const BLOCKING = Interruptibility.Sti | Interruptibility.MovSs;
const TIMER_RATE = 2 ** MiscInfo.preemptionTimerRate;
/** The host vector the hypervisor kicks itself with (a self IPI on the CPU's APIC), like Linux's reschedule IPI. */
export const KICK_VECTOR = 0xfd;

export class GuestInterrupts {
  /** The guest's virtual x2APIC (x2APIC mode from the start; its timer counts machine instructions). */
  readonly apic: LocalApic;
  /** Vectors injected so far (for tests and statistics). */
  injected = 0;
  /**
   * Pending vectors that bypass the virtual APIC (Xen's HVM callback vector): injected
   * before APIC vectors, without setting an ISR bit, so the guest does not EOI them.
   */
  private direct: number[] = [];
  /** Vectors ever raised with `raiseDirect` (an interrupted delivery of one is requeued here, not in the IRR). */
  private readonly directVectors = new Set<number>();

  /** `timeSlice` is the user's preemption-timer value (undefined: no time slices). */
  constructor(
    private readonly cpu: Cpu,
    private readonly unit: VmxUnit,
    private readonly timeSlice: number | undefined,
  ) {
    this.apic = new LocalApic(0, () => cpu.instret, ApicBase.DEFAULT_ADDRESS | ApicBase.EN | ApicBase.EXTD | ApicBase.BSP);
  }

  /**
   * Queues `vector` for the guest (a device interrupt or the virtual timer). While the
   * hypervisor holds the CPU (between an exit and VMRESUME, or before the first entry)
   * the injection is prepared at once; while the guest runs, the hypervisor kicks it out
   * with a self IPI on the CPU's APIC (an external-interrupt exit, then injection).
   */
  raise(vector: number): void {
    this.apic.accept(vector);
    this.prepare();
  }

  /**
   * Queues `vector` outside the virtual APIC, as Xen delivers the HVM callback vector
   * (HVM_PARAM_CALLBACK_IRQ of type vector): no IRR/ISR bit and no EOI, not held back by
   * the TPR, still subject to RFLAGS.IF and STI / MOV-SS blocking. Raising it again while
   * it is pending is one injection.
   */
  raiseDirect(vector: number): void {
    if (vector < 16 || vector > 255) return;
    this.directVectors.add(vector);
    if (!this.direct.includes(vector)) this.direct.push(vector);
    this.prepare();
  }

  private prepare(): void {
    const vmcs = this.unit.current;
    if (this.unit.operation === 'root' && vmcs) this.injectPending(vmcs);
    else if (this.unit.operation === 'non-root') apicOf(this.cpu).sendFixed(KICK_VECTOR);
  }

  /**
   * Exception exit (the exception bitmap): reflect it into the guest. When it was raised
   * while delivering another event (IDT-vectoring information), combine them as the
   * processor would (SDM Table 6-5): #DF for a contributory/page-fault pair, a triple fault
   * (the VM stops) during #DF; an interrupt whose delivery it interrupted is requested again.
   */
  reflectException(vmcs: Vmcs): void {
    const info = vmcs.get32(F.VM_EXIT_INTR_INFO);
    const vectoring = vmcs.get32(F.IDT_VECTORING_INFO);
    let entry = (info & ~0x1000) >>> 0;
    let error = vmcs.get32(F.VM_EXIT_INTR_ERROR_CODE);
    if (vectoring & VALID) {
      const type = (vectoring >>> 8) & 7;
      const first = vectoring & 0xff;
      if (type === 0) this.requeue(first); // the interrupt is requested again
      else if (type === 3 && first === Vector.DF) {
        this.cpu.requestStop('triple-fault', `VM crashed: triple fault in the guest (exception ${info & 0xff} while delivering #DF) at RIP 0x${vmcs.get(F.GUEST_RIP).toString(16)}`);
        return;
      } else if (type === 3 && becomesDoubleFault(first, info & 0xff)) {
        entry = (VALID | (3 << 8) | 0x800 | Vector.DF) >>> 0;
        error = 0;
      }
    }
    vmcs.setNumber(F.VM_ENTRY_INTR_INFO, entry);
    vmcs.setNumber(F.VM_ENTRY_EXCEPTION_ERROR_CODE, error);
  }

  private requeue(vector: number): void {
    if (!this.directVectors.has(vector)) this.apic.requeue(vector);
    else if (!this.direct.includes(vector)) this.direct.unshift(vector);
  }

  /** External-interrupt exit (acknowledged on exit): the host's handler for its own vector is an EOI. */
  hostInterrupt(vmcs: Vmcs): void {
    const info = vmcs.get32(F.VM_EXIT_INTR_INFO);
    if (info & VALID) apicOf(this.cpu).eoi();
  }

  /** The guest's IA32_APIC_BASE, IA32_TSC_DEADLINE and x2APIC MSRs; undefined for other MSRs. */
  msr(index: number): EmulatedMsr | undefined {
    const apic = this.apic;
    if (isX2apicMsr(index)) return { read: () => readX2apic(apic, index), write: (value) => writeX2apic(apic, index, value) };
    if (index === 0x1b) return { read: () => apic.apicBase, write: (value) => writeApicBase(apic, value) };
    if (index === IA32_TSC_DEADLINE) return { read: () => readTscDeadline(apic), write: (value) => writeTscDeadline(apic, value, timeStampCounter(this.cpu)) };
    return undefined;
  }

  /** Whether the guest, halted with RFLAGS.IF = 1, can ever be woken by an interrupt. */
  canWake(vmcs: Vmcs): boolean {
    if (!(vmcs.get32(F.GUEST_RFLAGS) & Flag.IF)) return false;
    return this.pending() || this.apic.timerWakeAt !== Infinity;
  }

  /** HLT with an armed virtual timer and nothing pending: time skips ahead to the timer's expiry. */
  skipToTimer(): void {
    if (this.pending()) return;
    const at = this.apic.timerWakeAt;
    if (at !== Infinity && at > this.cpu.instret) this.cpu.instret = at;
  }

  /** Runs after every VM exit, before the host stub's VMRESUME. */
  beforeEntry(vmcs: Vmcs): void {
    this.reinjectInterrupted(vmcs);
    this.apic.pollTimer();
    this.injectPending(vmcs);
    this.armTimer(vmcs);
  }

  /** An exit during event delivery (IDT-vectoring information valid): deliver that event again (SDM 28.2.4). */
  private reinjectInterrupted(vmcs: Vmcs): void {
    const vectoring = vmcs.get32(F.IDT_VECTORING_INFO);
    if (!(vectoring & VALID) || vmcs.get32(F.VM_ENTRY_INTR_INFO) & VALID) return;
    vmcs.setNumber(F.VM_ENTRY_INTR_INFO, (vectoring & 0x80000fff) >>> 0);
    vmcs.setNumber(F.VM_ENTRY_EXCEPTION_ERROR_CODE, vmcs.get32(F.IDT_VECTORING_ERROR_CODE));
    vmcs.setNumber(F.VM_ENTRY_INSTRUCTION_LEN, vmcs.get32(F.VM_EXIT_INSTRUCTION_LEN));
  }

  /** Whether an interrupt waits for the guest (a bypassing vector or a deliverable APIC one). */
  pending(): boolean {
    return this.direct.length > 0 || this.apic.deliverable() >= 0;
  }

  private injectPending(vmcs: Vmcs): void {
    const direct = this.direct[0];
    const vector = direct ?? this.apic.deliverable();
    if (vector < 0) return this.setWindowExiting(vmcs, false); // nothing waits (the common case: no VMCS reads)
    const busy = (vmcs.get32(F.VM_ENTRY_INTR_INFO) & VALID) !== 0;
    const open = (vmcs.get32(F.GUEST_RFLAGS) & Flag.IF) !== 0 && (vmcs.get32(F.GUEST_INTERRUPTIBILITY_INFO) & BLOCKING) === 0;
    if (busy || !open) {
      this.setWindowExiting(vmcs, true);
      return;
    }
    vmcs.setNumber(F.VM_ENTRY_INTR_INFO, (VALID | vector) >>> 0); // type 0: external interrupt
    if (direct !== undefined) this.direct.shift();
    else this.apic.acknowledge(vector);
    this.injected++;
    // An injected interrupt wakes a guest in the HLT activity state.
    if (vmcs.get32(F.GUEST_ACTIVITY_STATE) === Activity.Hlt) vmcs.setNumber(F.GUEST_ACTIVITY_STATE, Activity.Active);
    this.setWindowExiting(vmcs, this.pending());
  }

  private setWindowExiting(vmcs: Vmcs, on: boolean): void {
    const primary = vmcs.get32(F.CPU_BASED_VM_EXEC_CONTROL);
    const next = on ? primary | Primary.interruptWindowExiting : primary & ~Primary.interruptWindowExiting;
    if (next >>> 0 !== primary) vmcs.setNumber(F.CPU_BASED_VM_EXEC_CONTROL, next >>> 0);
  }

  /**
   * The VMX-preemption timer is the hypervisor's alarm clock for the virtual APIC timer
   * (as KVM's "hv timer"): armed for whichever comes first, the user's time slice or the
   * virtual timer's expiry (rounded up to the timer rate, so the exit comes at or after it).
   */
  private armTimer(vmcs: Vmcs): void {
    const start = this.cpu.instret + 1; // the guest's first instruction retires after VMRESUME
    const wake = this.apic.timerWakeAt;
    const untilWake = wake === Infinity ? Infinity : Math.max(0, Math.ceil((wake - start) / TIMER_RATE));
    const wanted = Math.min(this.timeSlice ?? Infinity, untilWake);
    const pin = vmcs.get32(F.PIN_BASED_VM_EXEC_CONTROL);
    const next = wanted === Infinity ? pin & ~Pin.activatePreemptionTimer : pin | Pin.activatePreemptionTimer;
    if (next >>> 0 !== pin) vmcs.setNumber(F.PIN_BASED_VM_EXEC_CONTROL, next >>> 0);
    // The timer field is 32 bits: a farther deadline exits at the maximum and re-arms.
    if (wanted !== Infinity) vmcs.setNumber(F.VMX_PREEMPTION_TIMER_VALUE, Math.min(wanted, 0xffffffff));
  }

  saveState(): ReturnType<LocalApic['saveState']> & { injected: number; direct: number[]; directVectors: number[] } {
    return { ...this.apic.saveState(), injected: this.injected, direct: [...this.direct], directVectors: [...this.directVectors] };
  }

  restoreState(state: ReturnType<GuestInterrupts['saveState']>): void {
    this.apic.restoreState(state);
    this.injected = state.injected;
    this.direct = [...state.direct];
    this.directVectors.clear();
    for (const vector of state.directVectors) this.directVectors.add(vector);
  }
}
