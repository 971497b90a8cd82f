/**
 * I/O permission (SDM Vol. 1 19.5): allowed when CPL <= IOPL; otherwise every bit for
 * the accessed ports in the TSS I/O permission bitmap must be clear, else #GP(0).
 */
import type { Cpu } from '../cpu';
import { CpuFault, Vector } from '../fault';
import { Access } from '../../paging/types';

export function checkIoPermission(cpu: Cpu, port: number, size: number): void {
  const iopl = (cpu.flagBits >>> 12) & 3;
  if (cpu.cpl <= iopl) return;
  const tr = cpu.tr;
  if (tr.limit < 0x67) throw new CpuFault(Vector.GP, 0);
  const base = cpu.mem.read16(cpu.translate(tr.base + 0x66, Access.Read, false));
  const byteOffset = base + (port >>> 3);
  if (byteOffset + 1 > tr.limit) throw new CpuFault(Vector.GP, 0);
  const lo = cpu.mem.read8(cpu.translate(tr.base + byteOffset, Access.Read, false));
  const hi = cpu.mem.read8(cpu.translate(tr.base + byteOffset + 1, Access.Read, false));
  const bits = (lo | (hi << 8)) >>> (port & 7);
  if ((bits & ((1 << size) - 1)) !== 0) throw new CpuFault(Vector.GP, 0);
}
