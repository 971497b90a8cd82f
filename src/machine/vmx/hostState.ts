/**
 * Loading host state on VM exit (SDM 27.5): control registers, segment registers with
 * the fixed attributes the SDM prescribes, descriptor tables, MSRs, RSP/RIP, RFLAGS = 2.
 * Also used when a VM entry fails after the host-state checks (exit reasons 33/34).
 */
import type { Cpu } from '../cpu/cpu';
import { Msr } from '../cpu/msrIndex';
import { Seg } from '../cpu/registers';
import { Ar } from '../cpu/segment';
import { Efer } from '../paging/walker';
import type { Controls } from './controls';
import { F } from './fields';
import { updateBitness } from './guestState';
import { HOST_SELECTORS } from './segmentFields';
import type { Vmcs } from './vmcs';

const DATA_AR = 0x3 | Ar.S | Ar.P | Ar.DB | Ar.G;
const TSS_BUSY_AR = 0xb | Ar.P;

function loadDataSegment(cpu: Cpu, seg: number, selector: number, base: number): void {
  // A null selector makes the register unusable, except SS (SDM 27.5.2).
  const unusable = (selector & 0xfffc) === 0 && seg !== Seg.SS ? Ar.UNUSABLE : 0;
  cpu.segments[seg]!.load(selector, base, 0xffffffff, DATA_AR | unusable);
}

export function loadHostState(cpu: Cpu, vmcs: Vmcs, controls: Controls): void {
  const long = controls.exit.hostAddressSpaceSize;
  cpu.cr0 = vmcs.get32(F.HOST_CR0);
  cpu.cr3 = vmcs.getPhysical(F.HOST_CR3);
  cpu.cr4 = vmcs.get32(F.HOST_CR4);
  cpu.dr[7] = 0x400;
  cpu.msrs.set(Msr.IA32_DEBUGCTL, 0n);
  cpu.msrs.set(Msr.IA32_SYSENTER_CS, vmcs.get(F.HOST_IA32_SYSENTER_CS));
  cpu.msrs.set(Msr.IA32_SYSENTER_ESP, vmcs.get(F.HOST_IA32_SYSENTER_ESP));
  cpu.msrs.set(Msr.IA32_SYSENTER_EIP, vmcs.get(F.HOST_IA32_SYSENTER_EIP));
  if (controls.exit.loadPat) cpu.msrs.set(Msr.IA32_PAT, vmcs.get(F.HOST_IA32_PAT));
  if (controls.exit.loadEfer) cpu.efer = vmcs.get32(F.HOST_IA32_EFER);
  else cpu.efer = ((cpu.efer & ~(Efer.LMA | Efer.LME)) | (long ? Efer.LMA | Efer.LME : 0)) >>> 0;

  const csRights = 0xb | Ar.S | Ar.P | Ar.G | (long ? Ar.L : Ar.DB);
  cpu.segments[Seg.CS]!.load(vmcs.get32(HOST_SELECTORS.CS), 0, 0xffffffff, csRights);
  loadDataSegment(cpu, Seg.ES, vmcs.get32(HOST_SELECTORS.ES), 0);
  loadDataSegment(cpu, Seg.SS, vmcs.get32(HOST_SELECTORS.SS), 0);
  loadDataSegment(cpu, Seg.DS, vmcs.get32(HOST_SELECTORS.DS), 0);
  loadDataSegment(cpu, Seg.FS, vmcs.get32(HOST_SELECTORS.FS), vmcs.getLinear(F.HOST_FS_BASE));
  loadDataSegment(cpu, Seg.GS, vmcs.get32(HOST_SELECTORS.GS), vmcs.getLinear(F.HOST_GS_BASE));
  cpu.tr.load(vmcs.get32(HOST_SELECTORS.TR), vmcs.getLinear(F.HOST_TR_BASE), 0x67, TSS_BUSY_AR);
  cpu.ldtr.load(0, 0, 0, Ar.UNUSABLE);
  cpu.gdtr.base = vmcs.getLinear(F.HOST_GDTR_BASE);
  cpu.gdtr.limit = 0xffff;
  cpu.idtr.base = vmcs.getLinear(F.HOST_IDTR_BASE);
  cpu.idtr.limit = 0xffff;

  cpu.lo[4] = vmcs.get32(F.HOST_RSP);
  cpu.hi[4] = vmcs.getHigh32(F.HOST_RSP);
  cpu.rip = vmcs.getLinear(F.HOST_RIP);
  cpu.rflags = 0x2;
  cpu.cpl = 0;
  cpu.halted = false;
  cpu.interruptShadowRip = NaN;
  updateBitness(cpu);
}

/**
 * The part of host-state loading (SDM 27.5) that the next VM entry does not load again —
 * what a VMRESUME straight after an exit (vmxUnit.ts `resumeAfterExit`, no host instruction
 * in between) must still apply: DR7 = 400H and IA32_DEBUGCTL = 0 without "load debug
 * controls", the host's IA32_PAT / IA32_EFER where the exit loads them and the entry does not.
 * `exit`: the controls of the exit; `entry`: those of the entry.
 */
export function loadHostStateKeptByEntry(cpu: Cpu, vmcs: Vmcs, exit: Controls, entry: Controls): void {
  // The guest's values are saved before the CPU's change (only when they do change: usually nothing does).
  if (!entry.entry.loadDebugControls && (cpu.dr[7] !== 0x400 || cpu.msrs.get(Msr.IA32_DEBUGCTL) !== 0n)) {
    vmcs.settle();
    cpu.dr[7] = 0x400;
    cpu.msrs.set(Msr.IA32_DEBUGCTL, 0n);
  }
  if (exit.exit.loadPat && !entry.entry.loadPat && cpu.msrs.get(Msr.IA32_PAT) !== vmcs.get(F.HOST_IA32_PAT)) {
    vmcs.settle();
    cpu.msrs.set(Msr.IA32_PAT, vmcs.get(F.HOST_IA32_PAT));
  }
  if (!entry.entry.loadEfer) {
    const efer = exit.exit.loadEfer ? vmcs.get32(F.HOST_IA32_EFER) : ((cpu.efer & ~(Efer.LMA | Efer.LME)) | (exit.exit.hostAddressSpaceSize ? Efer.LMA | Efer.LME : 0)) >>> 0;
    if (efer !== cpu.efer) {
      vmcs.settle();
      cpu.efer = efer;
    }
  }
}
