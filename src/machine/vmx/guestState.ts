/**
 * Moving guest state between the CPU and the VMCS: loading it on VM entry (SDM 26.3.2)
 * and saving it on VM exit (SDM 27.3) — the fields a guest rarely changes lazily, when the
 * VMCS is next accessed (vmcs.ts `liveGroups`).
 */
import type { Cpu } from '../cpu/cpu';
import { Msr } from '../cpu/msrIndex';
import type { SegmentRegister } from '../cpu/segment';
import { Ar } from '../cpu/segment';
import { Efer } from '../paging/walker';
import type { Controls } from './controls';
import { EntryCtl } from './controls';
import { F } from './fields';
import { Group } from './fieldGroups';
import { GUEST_SEGMENTS, SEG_LDTR, SEG_TR } from './segmentFields';
import type { LiveGuestState, Vmcs } from './vmcs';

export const Activity = { Active: 0, Hlt: 1, Shutdown: 2, WaitForSipi: 3 } as const;
export const Interruptibility = { Sti: 1, MovSs: 2, Smi: 4, Nmi: 8 } as const;

/** A natural-width field as a signed-canonical number (bits 63:48 are dropped when not canonical). */
export function naturalToNumber(value: bigint): number {
  return Number(BigInt.asIntN(48, value));
}

/** A 64-bit physical address field as a number (< 2^52). */
export function physicalToNumber(value: bigint): number {
  return Number(BigInt.asUintN(52, value));
}

function segmentRegister(cpu: Cpu, i: number): SegmentRegister {
  if (i === SEG_LDTR) return cpu.ldtr;
  if (i === SEG_TR) return cpu.tr;
  return cpu.segments[i]!;
}

/**
 * Loads the guest-state area into the CPU (after every check passed). `held`: guest-state
 * groups (fieldGroups.ts) the CPU still holds from the last VM exit (a resume straight after
 * the exit, vmxUnit.ts `resumeAfterExit`): loading them would store the same values again.
 */
export function loadGuestState(cpu: Cpu, vmcs: Vmcs, controls: Controls, held = 0): void {
  if (!(held & Group.guestCr)) {
    cpu.cr0 = vmcs.get32(F.GUEST_CR0);
    cpu.cr3 = vmcs.getPhysical(F.GUEST_CR3);
    cpu.cr4 = vmcs.get32(F.GUEST_CR4);
    if (controls.entry.loadDebugControls) cpu.dr[7] = vmcs.get32(F.GUEST_DR7);
  }
  if (!(held & Group.guestMsrs)) {
    if (controls.entry.loadDebugControls) cpu.msrs.set(Msr.IA32_DEBUGCTL, vmcs.get(F.GUEST_IA32_DEBUGCTL));
    if (controls.entry.loadEfer) cpu.efer = vmcs.get32(F.GUEST_IA32_EFER);
    if (controls.entry.loadPat) cpu.msrs.set(Msr.IA32_PAT, vmcs.get(F.GUEST_IA32_PAT));
    cpu.msrs.set(Msr.IA32_SYSENTER_CS, vmcs.get(F.GUEST_SYSENTER_CS));
    cpu.msrs.set(Msr.IA32_SYSENTER_ESP, vmcs.get(F.GUEST_SYSENTER_ESP));
    cpu.msrs.set(Msr.IA32_SYSENTER_EIP, vmcs.get(F.GUEST_SYSENTER_EIP));
  }
  if (!controls.entry.loadEfer) {
    const lm = controls.entry.ia32eModeGuest ? Efer.LMA | Efer.LME : 0;
    cpu.efer = ((cpu.efer & ~(Efer.LMA | Efer.LME)) | lm) >>> 0;
  }

  for (let i = 0; i < GUEST_SEGMENTS.length; i++) if (!(held & (Group.segment0 << i))) vmcs.loadGuestSegment(i, segmentRegister(cpu, i));
  if (!(held & Group.guestTables)) {
    cpu.gdtr.base = vmcs.getLinear(F.GUEST_GDTR_BASE);
    cpu.gdtr.limit = vmcs.get32(F.GUEST_GDTR_LIMIT) & 0xffff;
    cpu.idtr.base = vmcs.getLinear(F.GUEST_IDTR_BASE);
    cpu.idtr.limit = vmcs.get32(F.GUEST_IDTR_LIMIT) & 0xffff;
  }

  cpu.lo[4] = vmcs.get32(F.GUEST_RSP);
  cpu.hi[4] = vmcs.getHigh32(F.GUEST_RSP);
  cpu.rip = vmcs.getLinear(F.GUEST_RIP);
  cpu.rflags = vmcs.get32(F.GUEST_RFLAGS);
  // CPL = SS.DPL (SDM 26.3.2.2); bitness from CS and EFER.LMA — unchanged while SS, CS and a loaded EFER are held.
  if ((held & HELD_MODE) !== HELD_MODE || !controls.entry.loadEfer) {
    cpu.cpl = cpu.ss.dpl;
    updateBitness(cpu);
  }

  const interruptibility = vmcs.get32(F.GUEST_INTERRUPTIBILITY_INFO);
  cpu.interruptShadowRip = interruptibility & (Interruptibility.Sti | Interruptibility.MovSs) ? cpu.rip : NaN;
  cpu.movSsShadowRip = interruptibility & Interruptibility.MovSs ? cpu.rip : NaN;
  // Bit 3: blocking by NMI, or virtual-NMI blocking with "virtual NMIs" (SDM 26.6.1.2); physical NMIs are then not blocked.
  const nmiBlocking = (interruptibility & Interruptibility.Nmi) !== 0;
  cpu.nmiBlocked = controls.pin.virtualNmis ? false : nmiBlocking;
  cpu.virtualNmiBlocked = controls.pin.virtualNmis && nmiBlocking;
  cpu.halted = vmcs.get32(F.GUEST_ACTIVITY_STATE) === Activity.Hlt;
}

/** Decoding width from EFER.LMA and CS.L / CS.D. */
export function updateBitness(cpu: Cpu): void {
  const cs = cpu.cs.accessRights;
  cpu.bitness = cpu.efer & Efer.LMA && cs & Ar.L ? 64 : cs & Ar.DB ? 32 : 16;
}

/** The groups CPL and the decoding width come from: SS, CS, and the MSR group (EFER). */
const HELD_MODE = (Group.segment0 << 1) | (Group.segment0 << 2) | Group.guestMsrs;

/** Guest-state groups a VM exit saves lazily: what a guest rarely changes (control registers, segments, descriptor tables, MSRs). */
export const LAZY_GUEST_GROUPS = Group.guestCr | (0xff * Group.segment0) | Group.guestTables | Group.guestMsrs;

/**
 * Guest-state groups with a field that VM entry loads but the exit did not save (DR7 and
 * IA32_DEBUGCTL, EFER, PAT under their controls): their VMCS value is not the CPU's, so a
 * resume straight after the exit must load them even while they are live.
 */
export function loadedNotSaved(exit: Controls, entry: Controls): number {
  let groups = 0;
  if (entry.entry.loadDebugControls && !exit.exit.saveDebugControls) groups |= Group.guestCr | Group.guestMsrs;
  if ((entry.entry.loadEfer && !exit.exit.saveEfer) || (entry.entry.loadPat && !exit.exit.savePat)) groups |= Group.guestMsrs;
  return groups;
}

/**
 * The CPU as the source of a VMCS's live guest-state groups (vmcs.ts `liveGroups`): saves
 * them as SDM 27.3 says, under the VM-exit controls of the exit that left them in the CPU.
 */
export class CpuGuestState implements LiveGuestState {
  controls: Controls | undefined = undefined;

  constructor(private readonly cpu: Cpu) {}

  saveGroups(vmcs: Vmcs, groups: number): void {
    const cpu = this.cpu;
    const controls = this.controls!;
    if (groups & Group.guestCr) {
      vmcs.setU32(F.GUEST_CR0, cpu.cr0 >>> 0);
      vmcs.setNumber(F.GUEST_CR3, cpu.cr3);
      vmcs.setU32(F.GUEST_CR4, cpu.cr4 >>> 0);
      if (controls.exit.saveDebugControls) vmcs.setU32(F.GUEST_DR7, cpu.dr[7]! >>> 0);
    }
    if (groups & Group.guestMsrs) {
      if (controls.exit.saveDebugControls) vmcs.set(F.GUEST_IA32_DEBUGCTL, cpu.msrs.get(Msr.IA32_DEBUGCTL) ?? 0n);
      if (controls.exit.saveEfer) vmcs.setNumber(F.GUEST_IA32_EFER, cpu.efer >>> 0);
      if (controls.exit.savePat) vmcs.set(F.GUEST_IA32_PAT, cpu.msrs.get(Msr.IA32_PAT) ?? 0x0007040600070406n);
      vmcs.set(F.GUEST_SYSENTER_CS, cpu.msrs.get(Msr.IA32_SYSENTER_CS) ?? 0n);
      vmcs.set(F.GUEST_SYSENTER_ESP, cpu.msrs.get(Msr.IA32_SYSENTER_ESP) ?? 0n);
      vmcs.set(F.GUEST_SYSENTER_EIP, cpu.msrs.get(Msr.IA32_SYSENTER_EIP) ?? 0n);
    }
    for (let i = 0; i < GUEST_SEGMENTS.length; i++) if (groups & (Group.segment0 << i)) vmcs.saveGuestSegment(i, segmentRegister(cpu, i));
    if (groups & Group.guestTables) {
      vmcs.setNumber(F.GUEST_GDTR_BASE, cpu.gdtr.base);
      vmcs.setU32(F.GUEST_GDTR_LIMIT, cpu.gdtr.limit);
      vmcs.setNumber(F.GUEST_IDTR_BASE, cpu.idtr.base);
      vmcs.setU32(F.GUEST_IDTR_LIMIT, cpu.idtr.limit);
    }
  }
}

/**
 * Saves the guest state on VM exit (SDM 27.3): RIP (`rip`), RSP, RFLAGS, activity and
 * interruptibility state and the "IA-32e mode guest" entry control now; the rest
 * (LAZY_GUEST_GROUPS) stays live in the CPU (`source`) until the VMCS is accessed or settled.
 */
export function saveGuestState(cpu: Cpu, vmcs: Vmcs, controls: Controls, rip: number, source: CpuGuestState): void {
  source.controls = controls;
  vmcs.goLive(source, LAZY_GUEST_GROUPS);
  // IA32_VMX_MISC bit 5: the "IA-32e mode guest" entry control receives EFER.LMA.
  const entry = vmcs.get32(F.VM_ENTRY_CONTROLS);
  const lma = (cpu.efer & Efer.LMA) !== 0;
  vmcs.setU32(F.VM_ENTRY_CONTROLS, (lma ? entry | EntryCtl.ia32eModeGuest : entry & ~EntryCtl.ia32eModeGuest) >>> 0);

  vmcs.setHalves(F.GUEST_RSP, cpu.lo[4]!, cpu.hi[4]!);
  vmcs.setNumber(F.GUEST_RIP, rip);
  vmcs.setU32(F.GUEST_RFLAGS, cpu.rflags >>> 0);
  vmcs.setU32(F.GUEST_ACTIVITY_STATE, cpu.halted ? Activity.Hlt : Activity.Active);
  const blocking = cpu.movSsShadowRip === rip ? Interruptibility.MovSs : Interruptibility.Sti;
  const nmi = (controls.pin.virtualNmis ? cpu.virtualNmiBlocked : cpu.nmiBlocked) ? Interruptibility.Nmi : 0;
  vmcs.setU32(F.GUEST_INTERRUPTIBILITY_INFO, (cpu.interruptShadowRip === rip ? blocking : 0) | nmi);
  vmcs.setU32(F.GUEST_PENDING_DBG_EXCEPTIONS, 0);
}
