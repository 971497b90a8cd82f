/**
 * The processor: state plus linear-memory access through the TLB and the page walker.
 * Instruction handlers (execute/*.ts) operate on this class; hot paths avoid BigInt and
 * allocation. Faults are thrown as `CpuFault` and delivered by the run loop.
 */
import { WATCH_ALIAS, type PhysicalMemory } from '../memory/physicalMemory';
import type { IoBus } from '../io/ioBus';
import { Access } from '../paging/types';
import { Cr0, walk, type GuestPhysicalTranslator } from '../paging/walker';
import { Tlb, TlbPerm, TLB_MASK } from '../paging/tlb';
import { CpuFault, Vector } from './fault';
import { Flag } from './flags';
import { CpuState, TWO32, toLinear, isCanonicalHalves } from './state';
import type { GprRef } from './registers';
import type { NonRootHooks } from './intercept';

const PAGE = 4096;

/** Bits of `Cpu.attention`. */
export const Attention = {
  Stop: 1,
  Halt: 2,
  /** An interrupt may be deliverable (IF set, STI shadow ended, pending event). */
  Event: 4,
  /** RFLAGS.TF or RF is set (or DR7 arms a breakpoint): the run loop takes the careful path — #DB trap after the instruction (SDM 17.3.1.4), RF cleared once it completes (17.3.1.1). */
  SingleStep: 8,
  /** The last instruction caused a VM exit performed in place (NonRootHooks.exitsNow): the run loop ends the step there, as for a thrown exit. */
  VmExit: 16,
} as const;

/** TLB permissions kept for a watched page: fetches hit, reads and writes miss. */
const EXECUTE_ONLY = TlbPerm.SupervisorExec | TlbPerm.UserExec;

/** Permission bits an access needs in a TLB entry, by [user][kind]. */
const NEED = [
  [TlbPerm.SupervisorRead, TlbPerm.SupervisorWrite | TlbPerm.Dirty, TlbPerm.SupervisorExec],
  [TlbPerm.UserRead, TlbPerm.UserWrite | TlbPerm.Dirty, TlbPerm.UserExec],
];

export class Cpu extends CpuState {
  readonly tlb = new Tlb();
  /** TLB context tag: 0 outside VMX non-root; the VMX unit sets a VPID/EPTP tag. */
  tlbContext = 0;
  /** Set while in VMX non-root operation: instruction handlers ask it whether to exit. */
  nonRoot: NonRootHooks | undefined = undefined;
  /**
   * Second-level translation while in VMX non-root operation with EPT. `lastPermission`
   * (TlbPerm bits the last translation allowed) is folded into the TLB entry so a hit
   * never bypasses an EPT permission.
   */
  guestPhysical: (GuestPhysicalTranslator & { readonly lastPermission?: number }) | undefined = undefined;
  /** High half of the last 64-bit value read by `read64`/`readSized`. */
  hiOut = 0;
  /** Bumped whenever cached linear→physical code mappings may be stale. */
  codeGeneration = 0;
  /**
   * Which translation context instruction links belong to (with `codeGeneration`): the VMX
   * unit switches it on VM entries and exits instead of bumping `codeGeneration`, and reuses a
   * context's number only when nothing a fetch depends on changed (vmx/linkContext.ts).
   */
  linkContext = 0;
  /** Nonzero when the run loop must look at something after the current instruction (`Attention` bits). */
  attention = 0;

  /** A pending NMI may be deliverable now: the run loop polls for events after this instruction. */
  protected override nmiUnblocked(): void {
    this.attention |= Attention.Event;
  }
  /** Why the machine should stop, set by devices and handlers (debug-exit, shutdown). */
  stopRequest: { reason: string; detail: string; exitCode?: number } | undefined = undefined;

  /**
   * VMX operation (root and non-root): adjusts a CR0/CR4 value that MOV to CR, CLTS or
   * LMSW is about to write and did not exit — host-owned bits (guest/host mask) keep
   * their current value, VMX fixed bits are enforced by throwing #GP(0). Undefined
   * outside VMX operation.
   */
  controlRegisterFilter: ((register: 0 | 4, value: number) => number) | undefined = undefined;
  /**
   * Called by INT3/INTO (kind 'software-exception') and INT1 ('privileged-software-exception')
   * before delivery, with the instruction length: VMX exits them through the exception
   * bitmap (the hook throws the VM-exit signal). INT n is never reported.
   */
  softwareExceptionHook: ((vector: number, kind: 'software-exception' | 'privileged-software-exception', length: number) => void) | undefined = undefined;
  /**
   * Called for an exception raised while delivering another event through the IDT,
   * before it is combined into #DF: VMX checks it against the exception bitmap and may
   * throw a VM-exit signal.
   */
  deliveryFaultHook: ((fault: CpuFault) => void) | undefined = undefined;
  /**
   * VMX non-root: INT n (`length` bytes) is about to deliver `vector` — an exit during its
   * delivery reports it as IDT-vectoring information with its length (SDM 27.2.4, 27.2.5).
   */
  softwareInterruptHook: ((vector: number, length: number) => void) | undefined = undefined;
  /** Events delivered through the IDT so far (the single-step logic tells INT n from plain instructions). */
  eventsDelivered = 0;

  override get rflags(): number {
    return this.readRflags();
  }

  /**
   * Writing RFLAGS with TF set arms the single-step trap for the next instruction; with RF set
   * (IRET, VM entry) the next instruction runs on the careful path, which clears RF once it completes.
   */
  override set rflags(value: number) {
    this.writeRflags(value);
    if (value & (Flag.TF | Flag.RF)) this.attention |= Attention.SingleStep;
  }

  requestStop(reason: string, detail: string, exitCode?: number): void {
    this.stopRequest = { reason, detail, exitCode };
    this.attention |= Attention.Stop;
  }

  constructor(
    readonly mem: PhysicalMemory,
    readonly io: IoBus,
  ) {
    super();
  }

  get pagingEnabled(): boolean {
    return (this.cr0 & Cr0.PG) !== 0;
  }

  // ---- translation --------------------------------------------------------------------

  /** Linear → physical for one access; fills the TLB; throws #PF. */
  translate(linear: number, kind: Access, user: boolean = this.cpl === 3): number {
    const page = Math.floor(linear / PAGE);
    const i = page & TLB_MASK;
    const tlb = this.tlb;
    if (tlb.tag[i] === page && tlb.context[i] === this.tlbContext && (tlb.perm[i]! & NEED[user ? 1 : 0]![kind]!) === NEED[user ? 1 : 0]![kind]!) {
      return tlb.physical[i]! + (linear - page * PAGE);
    }
    return this.translateSlow(linear, kind, user);
  }

  private translateSlow(linear: number, kind: Access, user: boolean): number {
    const page = Math.floor(linear / PAGE);
    this.tlb.misses++;
    if (!this.pagingEnabled) {
      const physical = this.guestPhysical
        ? this.guestPhysical.translate(linear >>> 0, { access: kind, linear, pagingStructure: false, sideEffects: true, trace: undefined, forGuestLevel: 0, user })
        : linear >>> 0;
      const base = physical - (physical % PAGE);
      const watched = this.mem.watch?.watchesPage(base / PAGE) === true;
      this.tlb.insert(page, this.tlbContext, base, (linear >>> 0) - ((linear >>> 0) % PAGE), (this.guestPhysical?.lastPermission ?? 0x7f) & (watched ? EXECUTE_ONLY : 0x7f), false);
      return watched ? this.watchedAccess(linear, physical, kind) : physical;
    }
    const result = walk(this.mem, this, linear, { kind, user }, true, this.guestPhysical);
    if (!result.ok) {
      throw new CpuFault(Vector.PF, result.errorCode, undefined, linear);
    }
    const wp = (this.cr0 & Cr0.WP) !== 0;
    let perm = TlbPerm.SupervisorRead;
    if (result.writable || !wp) perm |= TlbPerm.SupervisorWrite;
    if (result.executable) perm |= TlbPerm.SupervisorExec;
    if (result.user) {
      perm |= TlbPerm.UserRead;
      if (result.writable) perm |= TlbPerm.UserWrite;
      if (result.executable) perm |= TlbPerm.UserExec;
    }
    if (result.dirty) perm |= TlbPerm.Dirty;
    if (this.guestPhysical?.lastPermission !== undefined) perm &= this.guestPhysical.lastPermission;
    const base = result.physical - (((result.physical % PAGE) + PAGE) % PAGE);
    const guestBase = result.guestPhysical - (result.guestPhysical % PAGE);
    // a watched page stays out of the TLB for data accesses, so each one comes through here
    const watched = this.mem.watch?.watchesPage(base / PAGE) === true;
    this.tlb.insert(page, this.tlbContext, base, guestBase, watched ? perm & EXECUTE_ONLY : perm, result.global, result.pageSize);
    return watched ? this.watchedAccess(linear, result.physical, kind) : result.physical;
  }

  /** A data access to a watched page goes to memory through the watch alias (debug/watchpoints.ts); fetches do not. */
  private watchedAccess(linear: number, physical: number, kind: Access): number {
    if (kind === Access.Execute) return physical;
    this.mem.watch!.noteTranslation(linear, physical);
    return physical + WATCH_ALIAS;
  }

  /** Flushes translations after a paging-mode or CR3 change. */
  flushTlb(includeGlobal: boolean): void {
    this.tlb.flushContext(this.tlbContext, includeGlobal);
    this.codeGeneration++;
  }

  // ---- linear memory --------------------------------------------------------------------

  read8(linear: number, kind: Access = Access.Read): number {
    return this.mem.read8(this.translate(linear, kind));
  }

  read16(linear: number): number {
    if ((linear & 0xfff) > PAGE - 2) return this.read8(linear) | (this.read8(linear + 1) << 8);
    return this.mem.read16(this.translate(linear, Access.Read));
  }

  read32(linear: number): number {
    if ((linear & 0xfff) > PAGE - 4) return (this.read16(linear) | (this.read16(linear + 2) << 16)) >>> 0;
    return this.mem.read32(this.translate(linear, Access.Read));
  }

  /** Reads 64 bits: returns the low half, the high half in `hiOut`. */
  read64(linear: number): number {
    if ((linear & 0xfff) > PAGE - 8) {
      const lo = this.read32(linear);
      this.hiOut = this.read32(linear + 4);
      return lo;
    }
    const pa = this.translate(linear, Access.Read);
    this.hiOut = this.mem.read32(pa + 4);
    return this.mem.read32(pa);
  }

  /** Reads `size` bytes zero-extended; `hiOut` is the high half (0 below 8 bytes). */
  readSized(linear: number, size: number): number {
    switch (size) {
      case 1:
        this.hiOut = 0;
        return this.read8(linear);
      case 2:
        this.hiOut = 0;
        return this.read16(linear);
      case 4:
        this.hiOut = 0;
        return this.read32(linear);
      default:
        return this.read64(linear);
    }
  }

  write8(linear: number, value: number): void {
    this.mem.write8(this.translate(linear, Access.Write), value & 0xff);
  }

  write16(linear: number, value: number): void {
    if ((linear & 0xfff) > PAGE - 2) {
      this.checkWritable(linear, 2);
      this.write8(linear, value);
      this.write8(linear + 1, value >>> 8);
      return;
    }
    this.mem.write16(this.translate(linear, Access.Write), value & 0xffff);
  }

  write32(linear: number, value: number): void {
    if ((linear & 0xfff) > PAGE - 4) {
      this.checkWritable(linear, 4);
      for (let i = 0; i < 4; i++) this.write8(linear + i, value >>> (8 * i));
      return;
    }
    this.mem.write32(this.translate(linear, Access.Write), value >>> 0);
  }

  write64(linear: number, lo: number, hi: number): void {
    if ((linear & 0xfff) > PAGE - 8) {
      this.checkWritable(linear, 8);
      this.write32(linear, lo);
      this.write32(linear + 4, hi);
      return;
    }
    const pa = this.translate(linear, Access.Write);
    this.mem.write32(pa, lo >>> 0);
    this.mem.write32(pa + 4, hi >>> 0);
  }

  writeSized(linear: number, size: number, lo: number, hi: number): void {
    switch (size) {
      case 1:
        return this.write8(linear, lo);
      case 2:
        return this.write16(linear, lo);
      case 4:
        return this.write32(linear, lo);
      default:
        return this.write64(linear, lo, hi);
    }
  }

  /** Probes both pages of a page-crossing write so a fault leaves memory unchanged. */
  private checkWritable(linear: number, size: number): void {
    this.translate(linear, Access.Write);
    this.translate(linear + size - 1, Access.Write);
  }

  // ---- registers by reference -------------------------------------------------------------

  /** Reads a register operand zero-extended; 64-bit high half in `hiOut`. */
  readReg(ref: GprRef): number {
    const i = ref.index;
    switch (ref.size) {
      case 8:
        this.hiOut = this.hi[i]!;
        return this.lo[i]!;
      case 4:
        this.hiOut = 0;
        return this.lo[i]!;
      case 2:
        this.hiOut = 0;
        return this.lo[i]! & 0xffff;
      default:
        this.hiOut = 0;
        return ref.high8 ? (this.lo[i]! >>> 8) & 0xff : this.lo[i]! & 0xff;
    }
  }

  /** Writes a register operand with x86-64 rules (32-bit writes zero the high half). */
  writeReg(ref: GprRef, lo: number, hi: number): void {
    const i = ref.index;
    switch (ref.size) {
      case 8:
        this.lo[i] = lo;
        this.hi[i] = hi;
        return;
      case 4:
        this.lo[i] = lo;
        this.hi[i] = 0;
        return;
      case 2:
        this.lo[i] = (this.lo[i]! & 0xffff0000) | (lo & 0xffff);
        return;
      default:
        if (ref.high8) this.lo[i] = (this.lo[i]! & 0xffff00ff) | ((lo & 0xff) << 8);
        else this.lo[i] = (this.lo[i]! & 0xffffff00) | (lo & 0xff);
    }
  }

  // ---- stack --------------------------------------------------------------------------------

  /** RSP as a linear address; #SS(0) when not canonical. */
  stackPointer(): number {
    const hi = this.hi[4]!;
    if (!isCanonicalHalves(hi)) throw new CpuFault(Vector.SS, 0);
    return toLinear(this.lo[4]!, hi);
  }

  setStackPointer(linear: number): void {
    this.lo[4] = linear >>> 0;
    this.hi[4] = Math.floor(linear / TWO32) >>> 0;
  }

  push64(lo: number, hi: number): void {
    const sp = this.stackPointer() - 8;
    this.write64(sp, lo, hi);
    this.setStackPointer(sp);
  }

  /** Pops 64 bits: returns the low half, high half in `hiOut`. */
  pop64(): number {
    const sp = this.stackPointer();
    const lo = this.read64(sp);
    const hi = this.hiOut;
    this.setStackPointer(sp + 8);
    this.hiOut = hi;
    return lo;
  }

  pushLinear(linear: number): void {
    this.push64(linear >>> 0, Math.floor(linear / TWO32) >>> 0);
  }
}
