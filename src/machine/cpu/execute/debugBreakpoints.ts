/**
 * Instruction breakpoints in DR0–DR3 (SDM Vol. 3 17.2.4, 17.3.1.1): enabled by DR7.Ln/Gn
 * with R/Wn = 00. The run loop checks them before each instruction while any is armed
 * (the single-step path), raising a fault-class #DB unless RFLAGS.RF is set. Data and
 * I/O breakpoints are not simulated.
 */
import type { Cpu } from '../cpu';

/** Whether DR7 enables any instruction breakpoint. */
export function executeBreakpointsArmed(dr7: number): boolean {
  for (let n = 0; n < 4; n++) if ((dr7 >>> (2 * n)) & 3 && ((dr7 >>> (16 + 4 * n)) & 3) === 0) return true;
  return false;
}

/** DR6.B0–B3 bits of the instruction breakpoints that match `rip`. */
export function executeBreakpointHits(cpu: Cpu, rip: number): number {
  const dr7 = cpu.dr[7]!;
  let hits = 0;
  for (let n = 0; n < 4; n++) {
    if ((dr7 >>> (2 * n)) & 3 && ((dr7 >>> (16 + 4 * n)) & 3) === 0 && cpu.dr[n] === rip) hits |= 1 << n;
  }
  return hits;
}
