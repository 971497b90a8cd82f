/**
 * Event delivery in legacy (32-bit) protected mode — CR0.PE = 1 outside IA-32e mode (SDM
 * Vol. 3 6.11–6.12): 8-byte 32-bit interrupt and trap gates; a handler in a more privileged
 * non-conforming segment switches to SSn:ESPn of the 32-bit TSS and pushes SS and ESP; then
 * EFLAGS, CS, EIP and the error code as dwords. Task gates, 16-bit gates and virtual-8086
 * mode are not simulated (reported as such).
 */
import type { Cpu } from './cpu';
import { CpuFault, Vector } from './fault';
import { Flag } from './flags';
import { readDescriptor, readIdtGate32, readTss32Stack } from './descriptors';
import { Ar } from './segment';
import { Seg } from './registers';
import { checkStackSegmentSelector, isCodeDescriptor, DescType } from './execute/privilege';

const INTERRUPT_GATE_32 = 0xe;
const TRAP_GATE_32 = 0xf;

/** `software`: INT n / INT3 / INTO (gate DPL checked, EXT = 0); `errorCode`: pushed when defined; `resume`: EFLAGS image with RF. */
export function deliverProtectedMode(cpu: Cpu, vector: number, software: boolean, errorCode: number | undefined, resume = false): void {
  const ext = software ? 0 : 1;
  const gate = readIdtGate32(cpu, vector, ext === 1);
  const gateError = vector * 8 + 2 + ext;
  if (gate.type !== INTERRUPT_GATE_32 && gate.type !== TRAP_GATE_32) {
    if (gate.type === 0x5 || gate.type === 0x6 || gate.type === 0x7) throw new CpuFault(Vector.UD, undefined, `${gate.type === 5 ? 'task' : '16-bit'} gate for vector ${vector}`);
    throw new CpuFault(Vector.GP, gateError);
  }
  if (software && gate.dpl < cpu.cpl) throw new CpuFault(Vector.GP, gateError);
  if (!gate.present) throw new CpuFault(Vector.NP, gateError);
  if ((gate.selector & 0xfffc) === 0) throw new CpuFault(Vector.GP, ext);
  const code = readDescriptor(cpu, gate.selector);
  const codeError = (gate.selector & 0xfffc) | ext;
  if (!isCodeDescriptor(code)) throw new CpuFault(Vector.GP, codeError);
  const codeDpl = (code.accessRights >>> Ar.DPL_SHIFT) & 3;
  if (codeDpl > cpu.cpl) throw new CpuFault(Vector.GP, codeError);
  if (!(code.accessRights & Ar.P)) throw new CpuFault(Vector.NP, codeError);
  if (gate.offset > code.limit) throw new CpuFault(Vector.GP, 0);
  const conforming = (code.accessRights & DescType.CONFORMING) !== 0;
  const targetCpl = conforming ? cpu.cpl : codeDpl;
  const inner = targetCpl < cpu.cpl;

  const oldSs = cpu.segments[Seg.SS]!;
  const oldEsp = cpu.lo[4]!;
  let stackBase = oldSs.base;
  let esp = oldEsp;
  let newSs: ReturnType<typeof checkStackSegmentSelector>;
  let newSsSelector = 0;
  if (inner) {
    const stack = readTss32Stack(cpu, targetCpl);
    newSsSelector = stack.ss;
    newSs = checkStackSegmentSelector(cpu, stack.ss, targetCpl, false);
    stackBase = newSs!.base;
    esp = stack.esp;
  }
  cpu.materializeFlags();
  const frame = inner ? [oldSs.selector, oldEsp] : [];
  frame.push(resume ? cpu.rflags | Flag.RF : cpu.rflags, cpu.segments[Seg.CS]!.selector, cpu.rip >>> 0);
  if (errorCode !== undefined) frame.push(errorCode);
  // Every push with the handler's privilege before any state changes: a fault is restartable.
  const savedCpl = cpu.cpl;
  cpu.cpl = targetCpl;
  try {
    for (const value of frame) {
      esp = (esp - 4) >>> 0;
      cpu.write32((stackBase + esp) % 4294967296, value >>> 0);
    }
  } catch (e) {
    cpu.cpl = savedCpl;
    throw e;
  }
  if (inner) cpu.segments[Seg.SS]!.load(newSsSelector, newSs!.base, newSs!.limit, newSs!.accessRights | DescType.ACCESSED);
  cpu.lo[4] = esp;
  cpu.hi[4] = 0;
  cpu.segments[Seg.CS]!.load((gate.selector & 0xfffc) | targetCpl, code.base, code.limit, code.accessRights);
  cpu.bitness = code.accessRights & Ar.DB ? 32 : 16;
  cpu.rip = gate.offset;
  let flags = cpu.flagBits & ~(Flag.TF | Flag.NT | Flag.RF | Flag.VM);
  if (gate.type === INTERRUPT_GATE_32) flags &= ~Flag.IF;
  cpu.flagBits = flags;
  cpu.halted = false;
  cpu.eventsDelivered++;
  cpu.codeGeneration++;
}
