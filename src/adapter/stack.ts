// Threads and stack frames. One thread per vCPU ("vCPU 0"); the top frame is the current
// instruction, named by the nearest label (`main.loop+0x4`) with its source line. Callers'
// frames are found by scanning the stack for return addresses: qwords that point just past
// a CALL instruction of the program (assembly code rarely keeps frame pointers).
import type { DebugProtocol } from '@vscode/debugprotocol';
import type { Cpu } from '../machine/cpu/cpu';
import { sourceAt, symbolize, type LoadedProgram } from './program';
import { hexAddress } from './format';
import type { DebugMemory } from './memory';
import { isCall } from './instructionKinds';
import type { Machine } from '../machine/machine';
import { F } from '../machine/vmx/fields';

/** Stack slots scanned for return addresses. */
const SCAN_SLOTS = 256;
const MAX_FRAMES = 32;

export const VCPU_THREAD_ID = 1;
export const TOP_FRAME_ID = 1;

export function threads(): DebugProtocol.Thread[] {
  return [{ id: VCPU_THREAD_ID, name: 'vCPU 0' }];
}

/**
 * Frames with 0-based lines (the session converts them for the client). `hostResume`: while
 * the user's own hypervisor runs a guest (bare mode, VMX non-root), the VMCS's HOST_RIP —
 * where the host resumes at the next VM exit — shown as the outermost frame.
 */
export function stackFrames(cpu: Cpu, program: LoadedProgram | undefined, memory: DebugMemory, hostResume?: number): DebugProtocol.StackFrame[] {
  const frames = guestFrames(cpu, program, memory);
  if (hostResume !== undefined) {
    const frame = frameAt(frames.length + 1, hostResume, program);
    frame.name += ' (host resumes here at the next VM exit: HOST_RIP)';
    frames.push(frame);
  }
  return frames;
}

/** HOST_RIP of the current VMCS while the user's own hypervisor (bare mode) runs its guest. */
export function hostResumeRip(debuggee: { readonly machine: Machine; readonly config: { readonly mode?: string } }): number | undefined {
  const vmx = debuggee.machine.vmx;
  if (debuggee.config.mode === 'guest' || vmx.operation !== 'non-root' || vmx.current === undefined) return undefined;
  return Number(BigInt.asIntN(64, vmx.current.get(F.HOST_RIP)));
}

function guestFrames(cpu: Cpu, program: LoadedProgram | undefined, memory: DebugMemory): DebugProtocol.StackFrame[] {
  const frames = [frameAt(TOP_FRAME_ID, cpu.rip, program)];
  if (!program?.assembly) return frames;
  const { bytes } = memory.read({ space: 'gva', address: cpu.gprAsAddress(4) }, SCAN_SLOTS * 8);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let slot = 0; slot + 1 <= bytes.length / 8 && frames.length < MAX_FRAMES - 1; slot++) {
    const address = Number(BigInt.asIntN(64, view.getBigUint64(slot * 8, true)));
    if (isReturnAddress(program, memory, address)) {
      const frame = frameAt(frames.length + 1, address, program, address - 1);
      frame.name += ` (return address at [rsp+0x${(slot * 8).toString(16)}])`;
      frames.push(frame);
    }
  }
  return frames;
}

/** True when `address` follows a CALL instruction the program's line map knows. */
function isReturnAddress(program: LoadedProgram, memory: DebugMemory, address: number): boolean {
  const previous = sourceAt(program, address - 1);
  if (!previous || previous.kind !== 'instruction' || previous.address + previous.length !== address) return false;
  return isCall(memory.read({ space: 'gva', address: previous.address }, previous.length).bytes);
}

/** A frame at `rip`, its source line that of `lineAddress` (a caller's frame shows its CALL). */
function frameAt(id: number, rip: number, program: LoadedProgram | undefined, lineAddress = rip): DebugProtocol.StackFrame {
  const symbol = program ? symbolize(program, rip) : undefined;
  const frame: DebugProtocol.StackFrame = {
    id,
    name: symbol ?? hexAddress(rip),
    line: 0,
    column: 0,
    instructionPointerReference: '0x' + BigInt.asUintN(64, BigInt(rip)).toString(16),
  };
  const entry = program ? sourceAt(program, lineAddress) : undefined;
  if (entry && entry.kind === 'instruction') {
    frame.source = { name: entry.file.split(/[\\/]/).pop(), path: entry.file };
    frame.line = entry.line;
  } else {
    frame.presentationHint = 'subtle';
  }
  return frame;
}
