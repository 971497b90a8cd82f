/** Saving and restoring the architectural state of a CPU (not memory; see UndoJournal). */
import type { Cpu } from '../cpu/cpu';
import type { Snapshotable } from './snapshotable';

interface SegmentState {
  selector: number;
  base: number;
  limit: number;
  accessRights: number;
}

export interface CpuSnapshot {
  readonly lo: Uint32Array;
  readonly hi: Uint32Array;
  readonly rip: number;
  readonly rflags: number;
  readonly segments: SegmentState[];
  readonly ldtr: SegmentState;
  readonly tr: SegmentState;
  readonly gdtr: { base: number; limit: number };
  readonly idtr: { base: number; limit: number };
  readonly control: [number, number, number, number, number, number];
  readonly dr: number[];
  readonly msrs: [number, bigint][];
  readonly kernelGsBase: number;
  readonly cpl: number;
  readonly bitness: number;
  readonly instret: number;
  readonly halted: boolean;
  readonly interruptShadowRip: number;
  /** Blocking by MOV SS (vs STI): VMLAUNCH/VMRESUME fail with error 26 only under it. */
  readonly movSsShadowRip: number;
  readonly nmiBlocked: boolean;
  readonly virtualNmiBlocked: boolean;
  readonly tlbContext: number;
}

function segment(s: SegmentState): SegmentState {
  return { selector: s.selector, base: s.base, limit: s.limit, accessRights: s.accessRights };
}

export function saveCpu(cpu: Cpu): CpuSnapshot {
  return {
    lo: cpu.lo.slice(),
    hi: cpu.hi.slice(),
    rip: cpu.rip,
    rflags: cpu.rflags,
    segments: cpu.segments.map(segment),
    ldtr: segment(cpu.ldtr),
    tr: segment(cpu.tr),
    gdtr: { ...cpu.gdtr },
    idtr: { ...cpu.idtr },
    control: [cpu.cr0, cpu.cr2, cpu.cr3, cpu.cr4, cpu.cr8, cpu.efer],
    dr: [...cpu.dr],
    msrs: [...cpu.msrs],
    kernelGsBase: cpu.kernelGsBase,
    cpl: cpu.cpl,
    bitness: cpu.bitness,
    instret: cpu.instret,
    halted: cpu.halted,
    interruptShadowRip: cpu.interruptShadowRip,
    movSsShadowRip: cpu.movSsShadowRip,
    nmiBlocked: cpu.nmiBlocked,
    virtualNmiBlocked: cpu.virtualNmiBlocked,
    tlbContext: cpu.tlbContext,
  };
}

export function restoreCpu(cpu: Cpu, s: CpuSnapshot): void {
  cpu.lo.set(s.lo);
  cpu.hi.set(s.hi);
  cpu.rip = s.rip;
  cpu.rflags = s.rflags;
  s.segments.forEach((seg, i) => cpu.segments[i]!.load(seg.selector, seg.base, seg.limit, seg.accessRights));
  cpu.ldtr.load(s.ldtr.selector, s.ldtr.base, s.ldtr.limit, s.ldtr.accessRights);
  cpu.tr.load(s.tr.selector, s.tr.base, s.tr.limit, s.tr.accessRights);
  Object.assign(cpu.gdtr, s.gdtr);
  Object.assign(cpu.idtr, s.idtr);
  [cpu.cr0, cpu.cr2, cpu.cr3, cpu.cr4, cpu.cr8, cpu.efer] = s.control;
  s.dr.forEach((value, i) => (cpu.dr[i] = value));
  cpu.msrs.clear();
  for (const [index, value] of s.msrs) cpu.msrs.set(index, value);
  cpu.kernelGsBase = s.kernelGsBase;
  cpu.cpl = s.cpl;
  cpu.bitness = s.bitness;
  cpu.instret = s.instret;
  cpu.halted = s.halted;
  cpu.interruptShadowRip = s.interruptShadowRip;
  cpu.movSsShadowRip = s.movSsShadowRip;
  cpu.nmiBlocked = s.nmiBlocked;
  cpu.virtualNmiBlocked = s.virtualNmiBlocked;
  cpu.tlbContext = s.tlbContext;
  cpu.attention = 0;
  cpu.stopRequest = undefined;
  cpu.tlb.flushAll();
  cpu.codeGeneration++;
}

export function cpuSnapshotable(cpu: Cpu): Snapshotable {
  return {
    snapshotName: 'cpu',
    saveState: () => saveCpu(cpu),
    restoreState: (state) => restoreCpu(cpu, state as CpuSnapshot),
  };
}
