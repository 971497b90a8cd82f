// Threads and stack frames. One thread per vCPU ("vCPU 0"); the top frame is the current
// instruction, named by the nearest label (`main.loop+0x4`) with its source line.
import type { DebugProtocol } from '@vscode/debugprotocol';
import type { Cpu } from '../machine/cpu/cpu';
import { sourceAt, symbolize, type LoadedProgram } from './program';
import { hexAddress } from './format';

export const VCPU_THREAD_ID = 1;
export const TOP_FRAME_ID = 1;

export function threads(): DebugProtocol.Thread[] {
  return [{ id: VCPU_THREAD_ID, name: 'vCPU 0' }];
}

/** Frames with 0-based lines (the session converts them for the client). */
export function stackFrames(cpu: Cpu, program: LoadedProgram | undefined): DebugProtocol.StackFrame[] {
  const rip = cpu.rip;
  const symbol = program ? symbolize(program, rip) : undefined;
  const frame: DebugProtocol.StackFrame = {
    id: TOP_FRAME_ID,
    name: symbol ?? hexAddress(rip),
    line: 0,
    column: 0,
    instructionPointerReference: '0x' + BigInt.asUintN(64, BigInt(rip)).toString(16),
  };
  const entry = program ? sourceAt(program, rip) : undefined;
  if (entry && entry.kind === 'instruction') {
    frame.source = { name: entry.file.split(/[\\/]/).pop(), path: entry.file };
    frame.line = entry.line;
  } else {
    frame.presentationHint = 'subtle';
  }
  return [frame];
}
