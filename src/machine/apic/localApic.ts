/**
 * A local APIC's state and priority logic (SDM Vol. 3 ch. 11): the 256-bit IRR, ISR and
 * TMR, TPR and the derived PPR, EOI, the spurious-interrupt vector register (software
 * enable), the LVT (timer, thermal, performance, LINT0, LINT1, error), the ICR, the error
 * status register and the timer. The physical CPU has one (reached through the x2APIC
 * MSRs, x2apicMsrs.ts); the built-in hypervisor owns another as its guest's virtual
 * x2APIC. Register-level access rules live in x2apicMsrs.ts; this class is the model.
 */
import { ApicTimer, TimerMode, type ApicTimerState } from './apicTimer';

/** IA32_APIC_BASE bits (SDM 11.4.4). */
export const ApicBase = { BSP: 1n << 8n, EXTD: 1n << 10n, EN: 1n << 11n, DEFAULT_ADDRESS: 0xfee00000n } as const;

/** LVT entries in register order (x2APIC MSRs 0x832–0x837). */
export const Lvt = { Timer: 0, Thermal: 1, Performance: 2, Lint0: 3, Lint1: 4, Error: 5 } as const;
export const LVT_MASKED = 1 << 16;

/** Error status register bits (SDM 11.5.3). */
export const ApicError = { SendIllegalVector: 1 << 5, ReceiveIllegalVector: 1 << 6, IllegalRegisterAddress: 1 << 7 } as const;

/** Local APIC version register: version 0x14 (integrated APIC), max LVT entry 5, no EOI-broadcast suppression. */
export const APIC_VERSION = 0x00050014;

/** Writable bits of each LVT entry (delivery status and remote IRR are read-only). */
const LVT_WRITABLE = [0x700ff, 0x107ff, 0x107ff, 0x1a7ff, 0x1a7ff, 0x100ff];

export interface LocalApicState {
  readonly apicBase: bigint;
  readonly tpr: number;
  readonly svr: number;
  readonly esr: number;
  readonly pendingErrors: number;
  readonly icr: bigint;
  readonly irr: readonly number[];
  readonly isr: readonly number[];
  readonly tmr: readonly number[];
  readonly lvt: readonly number[];
  readonly nmiPending: boolean;
  readonly timer: ApicTimerState;
}

/** Highest set bit of a 256-bit register, or -1. */
function highest(bits: Uint32Array): number {
  for (let i = 7; i >= 0; i--) {
    const word = bits[i]!;
    if (word !== 0) return i * 32 + 31 - Math.clz32(word);
  }
  return -1;
}

const setBit = (bits: Uint32Array, vector: number): void => void (bits[vector >>> 5] = (bits[vector >>> 5]! | (1 << (vector & 31))) >>> 0);
const clearBit = (bits: Uint32Array, vector: number): void => void (bits[vector >>> 5] = (bits[vector >>> 5]! & ~(1 << (vector & 31))) >>> 0);

export class LocalApic {
  readonly irr = new Uint32Array(8);
  readonly isr = new Uint32Array(8);
  readonly tmr = new Uint32Array(8);
  readonly lvt = new Uint32Array([LVT_MASKED, LVT_MASKED, LVT_MASKED, LVT_MASKED, LVT_MASKED, LVT_MASKED]);
  apicBase: bigint;
  tpr = 0;
  /** Spurious-interrupt vector register: bit 8 = APIC software enable (reset: 0xff, disabled). */
  svr = 0xff;
  /** Error status as last latched by a write to the ESR. */
  esr = 0;
  /** Errors detected since the last ESR write. */
  pendingErrors = 0;
  icr = 0n;
  /** An NMI sent to this APIC (ICR delivery mode NMI) waiting for the processor. */
  nmiPending = false;
  readonly timer: ApicTimer;
  /** Told when an interrupt may have become deliverable (IRR set, ISR or TPR lowered, NMI). */
  onEvent: () => void = () => undefined;
  /** Told every new timer expiry (an instruction count, or Infinity). */
  onTimerChange: (expiry: number) => void = () => undefined;

  /** `now` is the timer's clock (an instruction count). Reset state: xAPIC mode, software-disabled, LVT masked. */
  constructor(
    readonly id: number,
    now: () => number,
    apicBase: bigint = ApicBase.DEFAULT_ADDRESS | ApicBase.EN | ApicBase.BSP,
  ) {
    this.apicBase = apicBase;
    this.timer = new ApicTimer(now, (expiry) => this.onTimerChange(expiry));
  }

  get enabled(): boolean {
    return (this.apicBase & ApicBase.EN) !== 0n;
  }

  get x2apicMode(): boolean {
    return (this.apicBase & (ApicBase.EN | ApicBase.EXTD)) === (ApicBase.EN | ApicBase.EXTD);
  }

  get softwareEnabled(): boolean {
    return (this.svr & 0x100) !== 0;
  }

  /** x2APIC logical destination: cluster (ID bits 19:4) in bits 31:16, one bit for ID bits 3:0 (SDM 11.12.10.2). */
  get ldr(): number {
    return (((this.id >>> 4) << 16) | (1 << (this.id & 0xf))) >>> 0;
  }

  /** Processor priority: the higher class of TPR and the highest in-service vector (SDM 11.8.3.1). */
  get ppr(): number {
    const isrv = Math.max(0, highest(this.isr));
    return (this.tpr >>> 4) >= (isrv >>> 4) ? this.tpr : isrv & 0xf0;
  }

  get timerMode(): number {
    return (this.lvt[Lvt.Timer]! >>> 17) & 3;
  }

  /** Accepts a fixed interrupt into the IRR (vectors 0–15 are illegal: ESR bit 6, dropped). */
  accept(vector: number, level = false): void {
    vector &= 0xff;
    if (vector < 16) {
      this.pendingErrors |= ApicError.ReceiveIllegalVector;
      return;
    }
    setBit(this.irr, vector);
    if (level) setBit(this.tmr, vector);
    else clearBit(this.tmr, vector);
    this.onEvent();
  }

  /** The highest pending vector whose priority class is above the PPR's, or -1 (SDM 11.8.3). */
  deliverable(): number {
    const vector = highest(this.irr);
    if (vector < 0 || (vector >>> 4) <= (this.ppr >>> 4)) return -1;
    return vector;
  }

  /** The processor takes `vector`: IRR → ISR (interrupt acknowledge). */
  acknowledge(vector: number): void {
    clearBit(this.irr, vector);
    setBit(this.isr, vector);
  }

  /** An acknowledged vector whose delivery did not complete goes back to the IRR (a hypervisor re-queues it). */
  requeue(vector: number): void {
    clearBit(this.isr, vector);
    setBit(this.irr, vector);
    this.onEvent();
  }

  /** EOI: clears the highest in-service bit (and its TMR bit). */
  eoi(): void {
    const vector = highest(this.isr);
    if (vector < 0) return;
    clearBit(this.isr, vector);
    clearBit(this.tmr, vector);
    this.onEvent();
  }

  writeTpr(value: number): void {
    this.tpr = value & 0xff;
    this.onEvent();
  }

  /** Clearing the software-enable bit masks every LVT entry (SDM 11.4.7.2). */
  writeSvr(value: number): void {
    this.svr = value & 0x1ff;
    if (!this.softwareEnabled) for (let i = 0; i < this.lvt.length; i++) this.lvt[i] = (this.lvt[i]! | LVT_MASKED) >>> 0;
  }

  /** LVT write: read-only bits kept; the mask stays set while the APIC is software-disabled. */
  writeLvt(index: number, value: number): void {
    const writable = LVT_WRITABLE[index]!;
    let next = ((this.lvt[index]! & ~writable) | (value & writable)) >>> 0;
    if (!this.softwareEnabled) next = (next | LVT_MASKED) >>> 0;
    const before = this.timerMode;
    this.lvt[index] = next;
    if (index === Lvt.Timer) this.timer.modeChanged(before, this.timerMode);
  }

  /** ESR write: latches the errors detected since the last write. */
  latchErrors(): void {
    this.esr = this.pendingErrors;
    this.pendingErrors = 0;
  }

  /**
   * ICR write (x2APIC: 64-bit, destination in bits 63:32). Fixed and NMI deliveries to
   * this APIC (destination shorthand self, all-including-self, or this APIC's ID) are
   * performed; other destinations have no processor to reach (one CPU).
   */
  writeIcr(value: bigint): void {
    this.icr = value & ~(1n << 12n); // delivery status: idle
    const low = Number(value & 0xffffffffn);
    const destination = Number(value >> 32n);
    const shorthand = (low >>> 18) & 3;
    const toSelf = shorthand === 1 || shorthand === 2 || (shorthand === 0 && (destination === this.id || destination === 0xffffffff));
    if (!toSelf) return;
    const mode = (low >>> 8) & 7;
    if (mode === 0) this.sendFixed(low & 0xff);
    else if (mode === 4) {
      this.nmiPending = true;
      this.onEvent();
    }
  }

  /** A fixed IPI to this APIC (ICR or SELF IPI): an illegal vector sets ESR bit 5 as well. */
  sendFixed(vector: number): void {
    vector &= 0xff;
    if (vector < 16) this.pendingErrors |= ApicError.SendIllegalVector;
    this.accept(vector);
  }

  /** Fires the timer if its expiry has come: the LVT vector is accepted unless masked. */
  pollTimer(): void {
    if (!this.timer.poll(this.timerMode)) return;
    const entry = this.lvt[Lvt.Timer]!;
    if (!(entry & LVT_MASKED) && this.softwareEnabled) this.accept(entry & 0xff);
  }

  /** The instruction count at which the timer raises an interrupt that can be taken (Infinity: never). */
  get timerWakeAt(): number {
    const entry = this.lvt[Lvt.Timer]!;
    return entry & LVT_MASKED || !this.softwareEnabled ? Infinity : this.timer.expiry;
  }

  saveState(): LocalApicState {
    return {
      apicBase: this.apicBase,
      tpr: this.tpr,
      svr: this.svr,
      esr: this.esr,
      pendingErrors: this.pendingErrors,
      icr: this.icr,
      irr: [...this.irr],
      isr: [...this.isr],
      tmr: [...this.tmr],
      lvt: [...this.lvt],
      nmiPending: this.nmiPending,
      timer: this.timer.saveState(),
    };
  }

  restoreState(s: LocalApicState): void {
    this.apicBase = s.apicBase;
    this.tpr = s.tpr;
    this.svr = s.svr;
    this.esr = s.esr;
    this.pendingErrors = s.pendingErrors;
    this.icr = s.icr;
    this.irr.set(s.irr);
    this.isr.set(s.isr);
    this.tmr.set(s.tmr);
    this.lvt.set(s.lvt);
    this.nmiPending = s.nmiPending;
    this.timer.restoreState(s.timer);
  }

  /** Back to the power-up state (a new program is loaded). */
  reset(apicBase: bigint): void {
    this.restoreState({
      apicBase,
      tpr: 0,
      svr: 0xff,
      esr: 0,
      pendingErrors: 0,
      icr: 0n,
      irr: new Array<number>(8).fill(0),
      isr: new Array<number>(8).fill(0),
      tmr: new Array<number>(8).fill(0),
      lvt: new Array<number>(6).fill(LVT_MASKED),
      nmiPending: false,
      timer: { initialCount: 0, divideConfig: 0, start: 0, expiry: Infinity, tscDeadline: 0n },
    });
  }
}

export { TimerMode };
