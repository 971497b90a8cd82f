/**
 * RDMSR/WRMSR in non-root operation (fact sheet §4.4): without "use MSR bitmaps" every
 * access exits; with it, one 4 KiB bitmap — read-low 0x000 (MSRs 0–0x1fff), read-high
 * 0x400 (0xc0000000–0xc0001fff), write-low 0x800, write-high 0xc00; other MSRs exit.
 */
import type { PhysicalMemory } from '../memory/physicalMemory';
import type { Controls } from './controls';
import { F } from './fields';
import { physicalToNumber } from './guestState';
import type { Vmcs } from './vmcs';

export function msrExits(mem: PhysicalMemory, vmcs: Vmcs, controls: Controls, msr: number, write: boolean): boolean {
  if (!controls.primary.useMsrBitmaps) return true;
  const index = msr >>> 0;
  let offset: number;
  if (index <= 0x1fff) offset = 0;
  else if (index >= 0xc0000000 && index <= 0xc0001fff) offset = 0x400;
  else return true;
  if (write) offset += 0x800;
  const bit = index & 0x1fff;
  const base = physicalToNumber(vmcs.get(F.MSR_BITMAP));
  return ((mem.read8(base + offset + (bit >>> 3)) >>> (bit & 7)) & 1) === 1;
}
