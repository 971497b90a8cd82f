/**
 * The execution loop: fetch (through the TLB and the decode cache), execute, follow
 * cached links between compiled instructions, and turn thrown faults into delivered
 * exceptions. Runs until the budget is spent or something needs attention.
 */
import type { Cpu } from './cpu';
import { Attention } from './cpu';
import { DecodeCache } from './decodeCache';
import { CpuFault, Vector } from './fault';
import { Access } from '../paging/types';
import { deliverEvent, EventKind, TripleFault } from './interrupts';
import type { CompiledInsn } from './compile';
import { Flag } from './flags';
import { executeBreakpointHits, executeBreakpointsArmed } from './execute/debugBreakpoints';

/** DR6.BS: the #DB was a single-step trap. */
const DR6_BS = 0x4000;

export type LoopOutcome =
  | { kind: 'budget' }
  | { kind: 'attention' }
  | { kind: 'breakpoint'; rip: number }
  | { kind: 'unimplemented'; rip: number; mnemonic: string }
  | { kind: 'triple-fault'; cause: string };

/**
 * Handles a signal thrown by an instruction that is not a CpuFault (VM exits, EPT
 * faults, triple faults in VMX non-root operation); `rip` is the instruction's RIP.
 * 'handled' means execution continues; undefined means the signal is not handled.
 */
export type SignalHandler = (signal: unknown, rip: number) => LoopOutcome | 'handled' | undefined;

/**
 * Asked after an instruction when `Attention.Event` is set (an interrupt may be
 * deliverable): delivers it (or exits to the hypervisor), returns 'blocked' when one is
 * pending but cannot be taken yet (RFLAGS.IF = 0, STI / MOV-SS shadow) so the loop asks
 * again after the next instruction, or undefined when nothing is pending.
 */
export type InterruptPoll = () => LoopOutcome | 'blocked' | undefined;

/** Owners of run-loop deadlines (instruction counts). */
export const enum DeadlineSource {
  /** VMX preemption timer, monitor trap flag, interrupt window: `deadlineHandler`. */
  Vmx = 0,
  /** The local APIC timer: `timerHandler`. */
  ApicTimer = 1,
}

export class RunLoop {
  readonly cache: DecodeCache;
  /** RIP of the instruction being executed (faults restore it). */
  private currentRip = 0;
  /** Linear RIPs where execution stops before the instruction runs. */
  readonly breakpoints = new Set<number>();
  /** When set, the breakpoint at this RIP is ignored once (resuming from it). */
  private skipBreakpointAt = NaN;
  signalHandler: SignalHandler | undefined;
  /** Called for every exception before delivery (and before CR2 is written); 'handled' = not delivered (a VM exit), an outcome stops. */
  exceptionHook: ((fault: CpuFault, rip: number) => LoopOutcome | 'handled' | undefined) | undefined;
  /** The earliest deadline of all sources (read on the hot path; set through `setDeadline`). */
  deadline = Infinity;
  private readonly deadlines = [Infinity, Infinity];
  /** Runs at the VMX deadline (preemption timer, monitor trap flag, interrupt window). */
  deadlineHandler: (() => LoopOutcome | undefined) | undefined;
  /** Runs at the APIC timer's deadline. */
  timerHandler: (() => void) | undefined;
  interruptPoll: InterruptPoll | undefined;
  /** The instruction count at which the current `run` ends (its budget, less the instructions that exited or faulted); 0 outside `run`. */
  budgetEnd = 0;

  constructor(private readonly cpu: Cpu) {
    this.cache = new DecodeCache(cpu.mem, () => cpu.codeGeneration++);
  }

  /** Sets the deadline of one source (Infinity: none). */
  setDeadline(source: DeadlineSource, at: number): void {
    this.deadlines[source] = at;
    this.deadline = Math.min(this.deadlines[0]!, this.deadlines[1]!);
  }

  /** Runs the handlers of the deadlines that are due (each cleared first; handlers re-arm). */
  private fireDeadlines(): LoopOutcome | undefined {
    const now = this.cpu.instret;
    if (now >= this.deadlines[DeadlineSource.ApicTimer]!) {
      this.setDeadline(DeadlineSource.ApicTimer, Infinity);
      this.timerHandler?.();
    }
    if (now >= this.deadlines[DeadlineSource.Vmx]!) {
      this.setDeadline(DeadlineSource.Vmx, Infinity);
      return this.deadlineHandler?.();
    }
    return undefined;
  }

  /** RIP of the instruction that ran last before `run` returned (a data watchpoint's accessing instruction). */
  get lastInstructionRip(): number {
    return this.currentRip;
  }

  /** Resume past a breakpoint at the current RIP. */
  resumeFromBreakpoint(): void {
    this.skipBreakpointAt = this.cpu.rip;
  }

  run(budget: number): LoopOutcome {
    try {
      return this.runSlice(budget);
    } finally {
      this.budgetEnd = 0; // nothing runs between slices
    }
  }

  private runSlice(budget: number): LoopOutcome {
    const cpu = this.cpu;
    // Delivered exceptions use budget too (`end` shrinks): a handler that faults forever, e.g. on
    // an IST stack, retires nothing and must not hang the host.
    let end = cpu.instret + budget;
    this.budgetEnd = end;
    if (cpu.flagBits & (Flag.TF | Flag.RF) || executeBreakpointsArmed(cpu.dr[7]!)) cpu.attention |= Attention.SingleStep;
    if (this.interruptPoll) cpu.attention |= Attention.Event; // state may have changed between slices
    while (cpu.instret < end) {
      if (cpu.instret >= this.deadline) {
        const outcome = this.fireDeadlines();
        if (outcome !== undefined) return outcome;
        continue;
      }
      if (cpu.attention !== 0) {
        if (cpu.attention & Attention.VmExit) {
          // An exit performed in place ends the step like a thrown one: the exiting instruction did not retire, the budget shrinks.
          cpu.attention &= ~Attention.VmExit;
          this.budgetEnd = --end;
          continue;
        }
        let blocked = false;
        if (cpu.attention & Attention.Event) {
          cpu.attention &= ~Attention.Event;
          const polled = this.interruptPoll?.();
          if (polled === 'blocked') blocked = true;
          else if (polled !== undefined) return polled;
          if (cpu.attention === 0 && !blocked) continue;
        }
        if (cpu.attention & ~(Attention.SingleStep | Attention.Event)) {
          if (blocked) cpu.attention |= Attention.Event;
          return { kind: 'attention' };
        }
        // One instruction on the careful path (single-step, or an interrupt waiting for IF / the shadow), then look again.
        const retired = cpu.instret;
        this.budgetEnd = retired + 1; // one instruction, and nothing more inside it
        const outcome = cpu.attention & Attention.SingleStep ? this.singleStep() : this.stepOne();
        this.budgetEnd = end;
        cpu.attention &= ~Attention.VmExit; // counted below
        if (blocked) cpu.attention |= Attention.Event;
        if (outcome !== undefined) return outcome;
        if (cpu.instret === retired) this.budgetEnd = --end;
        continue;
      }
      try {
        const outcome = this.runInner(end);
        if (outcome !== undefined) return outcome;
      } catch (e) {
        const outcome = this.handleThrown(e);
        if (outcome !== undefined) return outcome;
        this.budgetEnd = --end;
      }
    }
    return this.settle() ?? { kind: 'budget' };
  }

  /**
   * At the end of a slice: deadlines and interrupts due after its last instruction take
   * effect now (no instruction runs), so the state at an instruction count does not depend
   * on where a slice ended — replay and stepping show an interrupt delivered (or a timer
   * exit taken) at the same instruction count as an uninterrupted run.
   */
  private settle(): LoopOutcome | undefined {
    const cpu = this.cpu;
    if (cpu.instret >= this.deadline) {
      const outcome = this.fireDeadlines();
      if (outcome !== undefined) return outcome;
    }
    if (!(cpu.attention & Attention.Event)) return undefined;
    cpu.attention &= ~Attention.Event;
    const polled = this.interruptPoll?.();
    if (polled === 'blocked') cpu.attention |= Attention.Event;
    else if (polled !== undefined) return polled;
    return undefined;
  }

  /**
   * The careful path, taken while RFLAGS.TF or RF is set or DR7 arms an instruction breakpoint:
   * checks DR0–DR3 before the instruction (a fault-class #DB unless RFLAGS.RF), runs one
   * instruction, clears RF after it, and raises the single-step trap with DR6.BS when TF
   * was set (SDM 17.3.1). No trap follows an instruction that faulted or delivered a
   * software interrupt (delivery clears TF).
   */
  private singleStep(): LoopOutcome | undefined {
    const cpu = this.cpu;
    cpu.attention &= ~Attention.SingleStep;
    const breakpoints = executeBreakpointsArmed(cpu.dr[7]!);
    if (!(cpu.flagBits & (Flag.TF | Flag.RF)) && !breakpoints) return undefined;
    if (breakpoints && !(cpu.flagBits & Flag.RF)) {
      const hits = executeBreakpointHits(cpu, cpu.rip);
      if (hits !== 0) {
        cpu.dr[6] = ((cpu.dr[6]! & ~0xf) | hits) >>> 0;
        this.currentRip = cpu.rip;
        const outcome = this.handleThrown(new CpuFault(Vector.DB));
        cpu.attention |= Attention.SingleStep;
        return outcome;
      }
    }
    const trapAfter = (cpu.flagBits & Flag.TF) !== 0;
    const resumeFlag = (cpu.flagBits & Flag.RF) !== 0;
    const instret = cpu.instret;
    const events = cpu.eventsDelivered;
    try {
      const outcome = this.runInner(instret + 1);
      if (outcome !== undefined) return outcome;
    } catch (e) {
      return this.handleThrown(e);
    }
    const completed = cpu.instret !== instret;
    if (completed && resumeFlag && cpu.eventsDelivered === events) cpu.flagBits &= ~Flag.RF; // RF lasts one instruction
    if (trapAfter && completed && cpu.eventsDelivered === events && !cpu.halted && !(cpu.attention & Attention.Stop)) {
      cpu.dr[6] = (cpu.dr[6]! | DR6_BS) >>> 0;
      const trap = new CpuFault(Vector.DB);
      const hooked = this.exceptionHook?.(trap, cpu.rip);
      if (hooked !== undefined && hooked !== 'handled') return hooked;
      const outcome = hooked === 'handled' ? undefined : this.deliver(Vector.DB, EventKind.Exception);
      if (outcome !== undefined) return outcome;
    }
    if (cpu.flagBits & Flag.TF || executeBreakpointsArmed(cpu.dr[7]!)) cpu.attention |= Attention.SingleStep;
    return undefined;
  }

  private stepOne(): LoopOutcome | undefined {
    try {
      return this.runInner(this.cpu.instret + 1);
    } catch (e) {
      return this.handleThrown(e);
    }
  }

  private handleThrown(e: unknown): LoopOutcome | undefined {
    const cpu = this.cpu;
    if (e instanceof CpuFault) {
      cpu.rip = this.currentRip;
      if (e.unimplemented !== undefined) return { kind: 'unimplemented', rip: this.currentRip, mnemonic: e.unimplemented };
      const hooked = this.exceptionHook?.(e, this.currentRip);
      if (hooked === 'handled') return undefined;
      if (hooked !== undefined) return hooked;
      if (e.vector === Vector.PF && e.address !== undefined) cpu.cr2 = e.address;
      try {
        deliverEvent(cpu, e.vector, EventKind.Exception, e.errorCode, true); // an instruction's fault: RF in the saved flags (SDM 17.3.1.1)
      } catch (nested) {
        if (nested instanceof TripleFault) return this.tripleFault(nested, `${e.describe()} at RIP ${hexRip(this.currentRip)}; ${nested.cause}`);
        return this.handleSignal(nested);
      }
      return undefined;
    }
    if (e instanceof TripleFault) return this.tripleFault(e, e.cause);
    return this.handleSignal(e);
  }

  /** A triple fault shuts the machine down, unless the signal handler turns it into a VM exit. */
  private tripleFault(signal: TripleFault, cause: string): LoopOutcome | undefined {
    const outcome = this.signalHandler?.(signal, this.currentRip);
    if (outcome === 'handled') return undefined;
    return outcome ?? { kind: 'triple-fault', cause };
  }

  private handleSignal(signal: unknown): LoopOutcome | undefined {
    const outcome = this.signalHandler?.(signal, this.currentRip);
    if (outcome === 'handled') return undefined;
    if (outcome !== undefined) return outcome;
    throw signal; // a simulator bug, not guest behaviour: let it surface
  }

  /** Delivers an event (for callers outside instruction execution, e.g. interrupt controllers). */
  deliver(vector: number, kind: EventKind, errorCode?: number): LoopOutcome | undefined {
    try {
      deliverEvent(this.cpu, vector, kind, errorCode);
      return undefined;
    } catch (e) {
      if (e instanceof TripleFault) return this.tripleFault(e, e.cause);
      return this.handleSignal(e);
    }
  }

  private fetch(rip: number): CompiledInsn {
    const cpu = this.cpu;
    const physical = cpu.translate(rip, Access.Execute);
    return this.cache.lookup(physical, cpu.bitness, (offset, count) => {
      const bytes = new Uint8Array(count);
      for (let i = 0; i < count; i++) bytes[i] = cpu.read8(rip + offset + i, Access.Execute);
      return bytes;
    });
  }

  private runInner(end: number): LoopOutcome | undefined {
    const cpu = this.cpu;
    const breakpoints = this.breakpoints;
    const checkBreakpoints = breakpoints.size !== 0;
    let rip = cpu.rip;
    this.currentRip = rip;
    let insn = this.fetch(rip);
    try {
      for (;;) {
        if (checkBreakpoints && breakpoints.has(rip)) {
          if (this.skipBreakpointAt !== rip) return { kind: 'breakpoint', rip };
          this.skipBreakpointAt = NaN;
        }
        cpu.rip = rip + insn.length;
        insn.exec(cpu);
        cpu.instret++;
        if (cpu.instret >= end || cpu.attention !== 0 || cpu.instret >= this.deadline) return undefined;
        rip = cpu.rip;
        const generation = cpu.codeGeneration;
        const context = cpu.linkContext;
        const link = insn.link;
        if (link !== undefined && insn.linkRip === rip && insn.linkGeneration === generation && insn.linkContext === context) {
          insn = link;
        } else {
          const next = this.fetch(rip);
          insn.link = next;
          insn.linkRip = rip;
          insn.linkGeneration = generation;
          insn.linkContext = context;
          insn = next;
        }
      }
    } finally {
      // On a fault the handler has not retired: RIP goes back to the faulting instruction.
      this.currentRip = rip;
    }
  }
}

function hexRip(rip: number): string {
  return '0x' + BigInt.asUintN(64, BigInt(rip)).toString(16);
}

export { Attention };
