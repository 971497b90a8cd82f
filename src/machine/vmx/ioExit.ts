/**
 * I/O instructions in non-root operation (SDM 26.1.3, 27.2.1; fact sheet §4.3):
 * unconditional I/O exiting, or the I/O bitmaps when "use I/O bitmaps" is set
 * (A: ports 0–0x7fff, B: 0x8000–0xffff; an access exits if any byte's bit is set or it
 * wraps past 0xffff). Qualification: 2:0 size − 1, 3 IN, 4 string, 5 REP, 6 immediate
 * operand, 31:16 port. String forms also report the guest-linear address and the
 * instruction information (address size, segment).
 */
import type { PhysicalMemory } from '../memory/physicalMemory';
import type { InterceptInfo } from '../cpu/intercept';
import type { Controls } from './controls';
import { ExitReason } from './exitReasons';
import { F } from './fields';
import { physicalToNumber } from './guestState';
import type { Vmcs } from './vmcs';
import type { ExitInfo } from './vmExit';

function bitmapBit(mem: PhysicalMemory, vmcs: Vmcs, port: number): boolean {
  const base = physicalToNumber(vmcs.get(port < 0x8000 ? F.IO_BITMAP_A : F.IO_BITMAP_B));
  const bit = port & 0x7fff;
  return ((mem.read8(base + (bit >>> 3)) >>> (bit & 7)) & 1) === 1;
}

/** Whether the access to `size` ports from `port` exits. */
export function ioExits(mem: PhysicalMemory, vmcs: Vmcs, controls: Controls, port: number, size: number): boolean {
  if (!controls.primary.useIoBitmaps) return controls.primary.unconditionalIoExiting;
  if (port + size - 1 > 0xffff) return true;
  for (let p = port; p < port + size; p++) if (bitmapBit(mem, vmcs, p)) return true;
  return false;
}

/** INS/OUTS instruction information (SDM Table 27-8; IA32_VMX_BASIC bit 54): 9:7 address size (0 16, 1 32, 2 64-bit), 17:15 segment. */
function stringInstructionInfo(info: InterceptInfo): number {
  const size = info.addressSize === 8 ? 2 : info.addressSize === 4 ? 1 : 0;
  return ((size << 7) | ((info.segment ?? 0) << 15)) >>> 0;
}

export function ioExit(mem: PhysicalMemory, vmcs: Vmcs, controls: Controls, info: InterceptInfo): ExitInfo | undefined {
  const port = info.port ?? 0;
  const size = info.size ?? 1;
  if (!ioExits(mem, vmcs, controls, port, size)) return undefined;
  const input = info.toRegister === true;
  const qualification = (size - 1) | (input ? 8 : 0) | (info.string ? 0x10 : 0) | (info.rep ? 0x20 : 0) | (info.immediate === true ? 0x40 : 0) | (port << 16);
  return { reason: ExitReason.IoInstruction, qualification: qualification >>> 0, instructionLength: info.length, guestLinear: info.string ? info.linearAddress : undefined, instructionInfo: info.string ? stringInstructionInfo(info) : undefined };
}
