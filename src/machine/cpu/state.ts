/**
 * Architectural state of one logical processor. General-purpose registers are 64-bit
 * values stored as unsigned 32-bit halves (`lo`, `hi`); RIP and other linear addresses
 * are numbers in signed canonical form (bit 47 sign-extended), which is exact in a double.
 */
import { Flag, LazyFlags, LazyOp, lazyArithFlags, ARITH_FLAGS } from './flags';
import { SegmentRegister, type TableRegister } from './segment';
import { Seg } from './registers';

export const TWO32 = 4294967296;

export class CpuState {
  readonly lo = new Uint32Array(16);
  readonly hi = new Uint32Array(16);
  rip = 0;
  /** RFLAGS except the arithmetic flags while `lazy.op` is not None. */
  flagBits: number = Flag.FIXED1;
  readonly lazy = new LazyFlags();

  readonly segments = [0, 1, 2, 3, 4, 5].map(() => new SegmentRegister());
  readonly ldtr = new SegmentRegister();
  readonly tr = new SegmentRegister();
  readonly gdtr: TableRegister = { base: 0, limit: 0xffff };
  readonly idtr: TableRegister = { base: 0, limit: 0xffff };

  cr0 = 0x60000010;
  cr2 = 0;
  cr3 = 0;
  cr4 = 0;
  cr8 = 0;
  efer = 0;
  readonly dr = [0, 0, 0, 0, 0, 0, 0xffff0ff0, 0x400];
  /** Model-specific registers without a dedicated field. */
  readonly msrs = new Map<number, bigint>();
  /** IA32_KERNEL_GS_BASE (SWAPGS). */
  kernelGsBase = 0;

  /** Current privilege level (CS.DPL in protected mode). */
  cpl = 0;
  /** Decoding width: 64 in long mode with CS.L, else 32 or 16. */
  bitness = 64;
  /** Retired instructions; also the time base (TSC = instret * tscMultiplier). */
  instret = 0;
  halted = false;
  /** Interrupt shadow after STI / MOV SS: RIP of the instruction it protects, or NaN. */
  interruptShadowRip = NaN;
  /** RIP protected by the last MOV SS / POP SS (blocking by MOV SS when it equals interruptShadowRip). */
  movSsShadowRip = NaN;
  private nmiBlockedBit = false;
  /**
   * Blocking by NMI: set when an NMI is delivered, cleared by the next IRET (SDM 6.7.1), or
   * loaded by VM entry (SDM 26.6.1). Clearing it lets a pending NMI be taken (`nmiUnblocked`).
   */
  get nmiBlocked(): boolean {
    return this.nmiBlockedBit;
  }

  set nmiBlocked(value: boolean) {
    const unblocked = this.nmiBlockedBit && !value;
    this.nmiBlockedBit = value;
    if (unblocked) this.nmiUnblocked();
  }

  /** NMI blocking ended (the CPU asks its run loop to look for a pending NMI). */
  protected nmiUnblocked(): void {}
  /** Virtual-NMI blocking of a guest with "virtual NMIs" (SDM 25.3, 26.6.1.2); see cpu/nmiBlocking.ts. */
  virtualNmiBlocked = false;
  /** The instruction being executed is an IRET that removed (virtual-)NMI blocking: a VM exit on its fault reports bit 12. */
  nmiUnblockedByIret = false;

  get cs(): SegmentRegister {
    return this.segments[Seg.CS]!;
  }

  get ss(): SegmentRegister {
    return this.segments[Seg.SS]!;
  }

  // ---- RFLAGS -------------------------------------------------------------------------

  get rflags(): number {
    return this.readRflags();
  }

  set rflags(value: number) {
    this.writeRflags(value);
  }

  // The accessors' bodies, for subclasses: `super.rflags = v` is a slow runtime call in V8 (~0.3 µs).
  protected readRflags(): number {
    if (this.lazy.op === LazyOp.None) return this.flagBits;
    return ((this.flagBits & ~ARITH_FLAGS) | lazyArithFlags(this.lazy)) >>> 0;
  }

  protected writeRflags(value: number): void {
    this.lazy.op = LazyOp.None;
    this.flagBits = ((value & 0x3f7fd7) | Flag.FIXED1) >>> 0;
  }

  /** Makes `flagBits` hold every flag (before instructions that change only some). */
  materializeFlags(): void {
    if (this.lazy.op !== LazyOp.None) this.rflags = this.rflags;
  }

  getFlag(flag: number): boolean {
    return (this.rflags & flag) !== 0;
  }

  setFlag(flag: number, on: boolean): void {
    this.materializeFlags();
    this.flagBits = on ? this.flagBits | flag : this.flagBits & ~flag;
  }

  // ---- general-purpose registers as BigInt (debugger and slow paths) --------------------

  getGpr(index: number): bigint {
    return BigInt(this.lo[index]!) | (BigInt(this.hi[index]!) << 32n);
  }

  setGpr(index: number, value: bigint): void {
    const v = BigInt.asUintN(64, value);
    this.lo[index] = Number(v & 0xffffffffn);
    this.hi[index] = Number(v >> 32n);
  }

  /** A 64-bit register as a signed-canonical number (for addresses). Non-canonical values keep their low 48 bits. */
  gprAsAddress(index: number): number {
    return toLinear(this.lo[index]!, this.hi[index]!);
  }
}

/** Signed-canonical number from 64-bit halves (bits 63:48 are ignored; callers check canonicality). */
export function toLinear(lo: number, hi: number): number {
  return ((hi << 16) >> 16) * TWO32 + (lo >>> 0);
}

export function isCanonicalHalves(hi: number): boolean {
  return (hi << 16) >> 16 === (hi | 0);
}

/** Unsigned 64-bit BigInt of a signed-canonical number. */
export function linearToBigInt(linear: number): bigint {
  return BigInt.asUintN(64, BigInt(linear));
}

/** Signed-canonical number of a 64-bit BigInt, or undefined when it is not canonical. */
export function bigIntToLinear(value: bigint): number | undefined {
  const signed = BigInt.asIntN(64, value);
  if (signed < -(1n << 47n) || signed >= 1n << 47n) return undefined;
  return Number(signed);
}
