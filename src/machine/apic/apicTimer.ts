/**
 * The local APIC timer (SDM Vol. 3 11.5.4), counted in instructions: 1 timer tick = 1
 * retired instruction before the divide configuration divides it. One-shot and periodic
 * modes count down from the initial count; TSC-deadline mode fires when the TSC
 * (= instret + IA32_TSC_ADJUST) reaches IA32_TSC_DEADLINE. Nothing is checked per
 * instruction: the timer only computes `expiry`, the instruction count of its next
 * firing, which its owner turns into a run-loop deadline.
 */

export const TimerMode = { OneShot: 0, Periodic: 1, TscDeadline: 2 } as const;

/** Divide-configuration register (bits 0, 1, 3) → divisor 2, 4, 8, 16, 32, 64, 128, 1. */
export function divisorOf(divideConfig: number): number {
  const code = ((divideConfig & 8) >>> 1) | (divideConfig & 3);
  return code === 7 ? 1 : 2 << code;
}

export interface ApicTimerState {
  readonly initialCount: number;
  readonly divideConfig: number;
  readonly start: number;
  readonly expiry: number;
  readonly tscDeadline: bigint;
}

export class ApicTimer {
  initialCount = 0;
  divideConfig = 0;
  /** Instruction count at which the current count last equalled the initial count. */
  start = 0;
  /** Instruction count of the next expiry (Infinity: not counting). */
  expiry = Infinity;
  /** IA32_TSC_DEADLINE (0: disarmed). */
  tscDeadline = 0n;

  /** `now` is the clock (an instruction count); `changed` is told every new expiry. */
  constructor(
    private readonly now: () => number,
    private readonly changed: (expiry: number) => void,
  ) {}

  get divisor(): number {
    return divisorOf(this.divideConfig);
  }

  private setExpiry(at: number): void {
    this.expiry = at;
    this.changed(at);
  }

  /** Writing the initial-count register (re)starts counting; 0 stops the timer. Ignored in TSC-deadline mode. */
  writeInitialCount(value: number, mode: number): void {
    if (mode === TimerMode.TscDeadline) return;
    this.initialCount = value >>> 0;
    this.start = this.now();
    this.setExpiry(this.initialCount === 0 ? Infinity : this.start + this.initialCount * this.divisor);
  }

  /** The current-count register (0 in TSC-deadline mode and after a one-shot expired). */
  currentCount(mode: number): number {
    if (mode === TimerMode.TscDeadline || this.expiry === Infinity) return 0;
    const elapsed = Math.floor((this.now() - this.start) / this.divisor);
    return Math.max(0, this.initialCount - elapsed);
  }

  /** A new divide configuration keeps the remaining count and counts it at the new rate. */
  writeDivideConfig(value: number, mode: number): void {
    const remaining = this.currentCount(mode);
    this.divideConfig = value & 0xb;
    if (this.expiry === Infinity || mode === TimerMode.TscDeadline) return;
    const now = this.now();
    this.start = now - (this.initialCount - remaining) * this.divisor;
    this.setExpiry(now + remaining * this.divisor);
  }

  /** IA32_TSC_DEADLINE write (only in TSC-deadline mode; `tsc` is the current TSC). 0 disarms. */
  writeTscDeadline(value: bigint, tsc: bigint, mode: number): void {
    if (mode !== TimerMode.TscDeadline) return;
    this.tscDeadline = value;
    const delta = value > tsc ? Number(value - tsc) : 0;
    this.setExpiry(value === 0n ? Infinity : this.now() + delta);
  }

  /** Switching to or from TSC-deadline mode disarms the timer (SDM 11.5.4.1). */
  modeChanged(from: number, to: number): void {
    if (from === to || (from !== TimerMode.TscDeadline && to !== TimerMode.TscDeadline)) return;
    this.initialCount = 0;
    this.tscDeadline = 0n;
    this.setExpiry(Infinity);
  }

  /**
   * Called at or after `expiry`: returns whether the timer fired. Periodic mode reloads
   * (periods missed while time skipped ahead coalesce into one interrupt, as the IRR
   * holds one bit); one-shot stops; TSC-deadline clears the deadline.
   */
  poll(mode: number): boolean {
    const now = this.now();
    if (now < this.expiry) return false;
    if (mode === TimerMode.Periodic && this.initialCount !== 0) {
      const period = this.initialCount * this.divisor;
      const periods = Math.floor((now - this.start) / period);
      this.start += periods * period;
      this.setExpiry(this.start + period);
    } else {
      if (mode === TimerMode.TscDeadline) this.tscDeadline = 0n;
      this.setExpiry(Infinity);
    }
    return true;
  }

  saveState(): ApicTimerState {
    return { initialCount: this.initialCount, divideConfig: this.divideConfig, start: this.start, expiry: this.expiry, tscDeadline: this.tscDeadline };
  }

  restoreState(s: ApicTimerState): void {
    this.initialCount = s.initialCount;
    this.divideConfig = s.divideConfig;
    this.start = s.start;
    this.tscDeadline = s.tscDeadline;
    this.setExpiry(s.expiry);
  }
}
