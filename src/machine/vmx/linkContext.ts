/**
 * Instruction links across VM entries and exits. A link (runLoop.ts) caches "the instruction
 * at linear RIP x is this compiled instruction", valid while `cpu.codeGeneration` and
 * `cpu.linkContext` are unchanged. Instead of bumping `codeGeneration` on every transition
 * (which dropped the host stub's and the guest's links on every exit), the VMX unit gives
 * each side a context number and records, when it leaves a side, everything a fetch there
 * depends on: TLB tag, CR0/CR3/CR4/EFER, CPL, decoding width, CS base, the EPT translator and
 * the TLB's invalidation count and `codeGeneration` (a snapshot restored in between may have
 * put the CPU on the other side without a transition). Coming back, the side gets its old number only when all of
 * that is unchanged (so the same translations and decodings apply), else a fresh number.
 * Everything else that can make a link stale (code writes, CR/CPL changes inside a side,
 * INVLPG/INVEPT/INVVPID, snapshots) still bumps `codeGeneration`, which kills every side's links.
 */
import type { Cpu } from '../cpu/cpu';

/** Context numbers are never reused (0 is the initial one of every CPU). */
let nextLinkContext = 1;

export function freshLinkContext(): number {
  return nextLinkContext++;
}

export class LinkContext {
  private id = -1;
  private flushes = -1;
  private generation = -1;
  private tlbContext = 0;
  private cr0 = 0;
  private cr3 = 0;
  private cr4 = 0;
  private efer = 0;
  private cpl = 0;
  private bitness = 0;
  private csBase = 0;
  private guestPhysical: unknown = undefined;

  /** Records the side being left (the CPU still holds its state). */
  leave(cpu: Cpu): void {
    this.id = cpu.linkContext;
    this.flushes = cpu.tlb.flushes;
    this.generation = cpu.codeGeneration;
    this.tlbContext = cpu.tlbContext;
    this.cr0 = cpu.cr0;
    this.cr3 = cpu.cr3;
    this.cr4 = cpu.cr4;
    this.efer = cpu.efer;
    this.cpl = cpu.cpl;
    this.bitness = cpu.bitness;
    this.csBase = cpu.cs.base;
    this.guestPhysical = cpu.guestPhysical;
  }

  /** Forgets the side (its links are never reused). */
  forget(): void {
    this.id = -1;
  }

  /** Sets `cpu.linkContext` for the side just entered (its state loaded): the recorded number when nothing changed, else a fresh one. */
  enter(cpu: Cpu): void {
    const same =
      this.id > 0 &&
      this.flushes === cpu.tlb.flushes &&
      this.generation === cpu.codeGeneration &&
      this.tlbContext === cpu.tlbContext &&
      this.cr0 === cpu.cr0 &&
      this.cr3 === cpu.cr3 &&
      this.cr4 === cpu.cr4 &&
      this.efer === cpu.efer &&
      this.cpl === cpu.cpl &&
      this.bitness === cpu.bitness &&
      this.csBase === cpu.cs.base &&
      this.guestPhysical === cpu.guestPhysical;
    cpu.linkContext = same ? this.id : freshLinkContext();
  }
}
