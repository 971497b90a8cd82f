/**
 * Event delivery through the 64-bit IDT (SDM Vol. 3 6.12, 6.14): privilege checks,
 * stack switch through TSS.RSPn or the IST, the 64-bit frame, and the double-fault /
 * triple-fault rules of SDM Table 6-5; in real mode through the IVT (realModeEvents.ts), in
 * legacy protected mode through 8-byte gates (protectedModeEvents.ts).
 */
import type { Cpu } from './cpu';
import { CpuFault, Vector, hasErrorCode } from './fault';
import { Flag } from './flags';
import { readDescriptor, readIdtGate, readTssStack } from './descriptors';
import { Ar } from './segment';
import { Seg } from './registers';
import { TWO32 } from './state';
import { blockNmisOnDelivery } from './nmiBlocking';
import { deliverRealMode } from './realModeEvents';
import { deliverProtectedMode } from './protectedModeEvents';
import { Cr0, Efer } from '../paging/walker';

export const enum EventKind {
  /** A fault or abort detected by the processor (RIP = faulting instruction). */
  Exception = 0,
  /** INT n / INT3 / INTO: gate DPL is checked against CPL. */
  Software = 1,
  /** External interrupt or NMI. */
  External = 2,
}

/** Thrown when event delivery escalates to a triple fault; the machine shuts down. */
export class TripleFault {
  constructor(readonly cause: string) {}
}

const CONTRIBUTORY = new Set([Vector.DE, Vector.TS, Vector.NP, Vector.SS, Vector.GP]);

function severity(vector: number): 'benign' | 'contributory' | 'page-fault' | 'double-fault' {
  if (vector === Vector.DF) return 'double-fault';
  if (vector === Vector.PF) return 'page-fault';
  return CONTRIBUTORY.has(vector as 0) ? 'contributory' : 'benign';
}

/** Whether a second exception during delivery of `first` becomes #DF (SDM Table 6-5). */
export function becomesDoubleFault(first: number, second: number): boolean {
  const a = severity(first);
  const b = severity(second);
  if (a === 'contributory') return b === 'contributory';
  if (a === 'page-fault') return b === 'contributory' || b === 'page-fault';
  return false;
}

/** Fault-class exceptions (SDM Table 6-1) other than #DB: their saved EFLAGS image has RF set (SDM 17.3.1.1). */
const FAULTS_SETTING_RF = new Set<number>([Vector.DE, 5, Vector.UD, 7, Vector.TS, Vector.NP, Vector.SS, Vector.GP, Vector.PF, 16, 17, 19, 20, 21]);

/**
 * Delivers an exception/interrupt. Exceptions during delivery are combined into #DF,
 * and a fault while delivering #DF throws `TripleFault`. `instructionFault`: the event is
 * a fault an instruction raised (the run loop's delivery), so a fault-class vector pushes
 * EFLAGS with RF = 1, as a fault raised during the delivery does (SDM 17.3.1.1).
 */
export function deliverEvent(cpu: Cpu, vector: number, kind: EventKind, errorCode?: number, instructionFault = false): void {
  cpu.nmiUnblockedByIret = false; // a faulting IRET's exception is delivered, not a VM exit
  if (vector === Vector.NMI && kind === EventKind.External) blockNmisOnDelivery(cpu);
  let current = { vector, errorCode, kind, resume: instructionFault && kind === EventKind.Exception && FAULTS_SETTING_RF.has(vector) };
  const history: string[] = [];
  for (;;) {
    try {
      deliverOnce(cpu, current.vector, current.kind, current.errorCode, current.resume);
      return;
    } catch (e) {
      if (!(e instanceof CpuFault)) throw e;
      // VMX: the exception bitmap may turn it into a VM exit (before CR2 is written), during
      // the delivery of the event (SDM 27.2.4) — INT n / INT3 included.
      cpu.deliveryFaultHook?.(e);
      // A fault while delivering INT n / INT3 is a fault of that instruction (RIP = the INT).
      if (current.kind === EventKind.Software && history.length === 0) throw e;
      history.push(`${e.describe()} while delivering vector ${current.vector}`);
      if (e.vector === Vector.PF && e.address !== undefined) cpu.cr2 = e.address;
      if (current.vector === Vector.DF) throw new TripleFault(history.join('; '));
      if (current.kind !== EventKind.Software && becomesDoubleFault(current.vector, e.vector)) {
        current = { vector: Vector.DF, errorCode: 0, kind: EventKind.Exception, resume: false };
        cpu.deliveryFaultHook?.(new CpuFault(Vector.DF, 0)); // VMX: #DF exits per exception-bitmap bit 8 (SDM 25.2)
      } else {
        current = { vector: e.vector, errorCode: e.errorCode, kind: EventKind.Exception, resume: FAULTS_SETTING_RF.has(e.vector) };
      }
    }
  }
}

/** `resume`: push the flags image with RF = 1 (a fault, SDM 17.3.1.1). */
function deliverOnce(cpu: Cpu, vector: number, kind: EventKind, errorCode: number | undefined, resume: boolean): void {
  if (!(cpu.cr0 & Cr0.PE)) return deliverRealMode(cpu, vector); // the IVT: no error code, no DPL check (FLAGS has no RF)
  if (!(cpu.efer & Efer.LMA)) {
    const pushed = errorCode !== undefined && hasErrorCode(vector) && kind === EventKind.Exception ? errorCode : undefined;
    return deliverProtectedMode(cpu, vector, kind === EventKind.Software, pushed, resume);
  }
  // EXT (error-code bit 0, SDM 6.13): the event is external to the program — an interrupt or
  // an exception, not INT n / INT3 / INTO.
  const ext = kind === EventKind.Software ? 0 : 1;
  const gate = readIdtGate(cpu, vector, ext === 1);
  const gateError = vector * 8 + 2 + ext;
  if (kind === EventKind.Software && gate.dpl < cpu.cpl) throw new CpuFault(Vector.GP, gateError);
  if (!gate.present) throw new CpuFault(Vector.NP, gateError);

  const codeSelector = gate.selector;
  if ((codeSelector & 0xfffc) === 0) throw new CpuFault(Vector.GP, ext);
  const code = readDescriptor(cpu, codeSelector);
  const isCode = (code.accessRights & Ar.S) !== 0 && (code.accessRights & 8) !== 0;
  if (!isCode || !(code.accessRights & Ar.L)) throw new CpuFault(Vector.GP, (codeSelector & 0xfffc) | ext);
  const targetDpl = (code.accessRights >>> Ar.DPL_SHIFT) & 3;
  if (targetDpl > cpu.cpl) throw new CpuFault(Vector.GP, (codeSelector & 0xfffc) | ext);
  if (!(code.accessRights & Ar.P)) throw new CpuFault(Vector.NP, (codeSelector & 0xfffc) | ext);

  const oldSs = cpu.segments[Seg.SS]!.selector;
  const oldRsp = cpu.stackPointer();
  const oldCs = cpu.segments[Seg.CS]!.selector;
  const oldRflags = resume ? (cpu.rflags | Flag.RF) >>> 0 : cpu.rflags;
  const privilegeChange = targetDpl < cpu.cpl;
  let rsp = oldRsp;
  if (gate.ist !== 0) rsp = readTssStack(cpu, 'ist', gate.ist);
  else if (privilegeChange) rsp = readTssStack(cpu, 'rsp', targetDpl);
  rsp -= ((rsp % 16) + 16) % 16; // 64-bit mode aligns the new stack to 16 bytes

  const frame: number[] = [oldSs, oldRsp, oldRflags, oldCs, cpu.rip];
  if (errorCode !== undefined && hasErrorCode(vector) && kind === EventKind.Exception) frame.push(errorCode);
  // Write the whole frame with the new privilege level's rights before changing state.
  const savedCpl = cpu.cpl;
  cpu.cpl = targetDpl;
  try {
    for (const value of frame) {
      rsp -= 8;
      cpu.write64(rsp, value >>> 0, Math.floor(value / TWO32) >>> 0);
    }
  } catch (e) {
    cpu.cpl = savedCpl;
    throw e;
  }

  if (privilegeChange) cpu.segments[Seg.SS]!.load(targetDpl, 0, 0xffffffff, Ar.UNUSABLE | (targetDpl << Ar.DPL_SHIFT));
  cpu.segments[Seg.CS]!.load((codeSelector & 0xfffc) | targetDpl, code.base, code.limit, code.accessRights);
  cpu.bitness = 64; // the gate's target is a 64-bit code segment (checked above)
  cpu.setStackPointer(rsp);
  cpu.rip = gate.offset;
  cpu.materializeFlags();
  let flags = cpu.flagBits & ~(Flag.TF | Flag.NT | Flag.RF | Flag.VM);
  if (gate.type === 0xe) flags &= ~Flag.IF;
  cpu.flagBits = flags;
  cpu.halted = false;
  cpu.eventsDelivered++;
  cpu.codeGeneration++;
}
