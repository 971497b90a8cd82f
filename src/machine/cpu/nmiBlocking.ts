/**
 * Blocking by NMI (SDM Vol. 3 6.7.1) and its VMX variants (SDM 25.3 IRET, 26.6.1.2):
 * delivering an NMI blocks further NMIs until the next IRET, which unblocks them even if
 * it faults. In VMX non-root operation the pin-based controls decide (NonRootHooks.nmiMode):
 * with "NMI exiting" and without "virtual NMIs" IRET leaves blocking alone; with "virtual
 * NMIs" an injected NMI sets virtual-NMI blocking and IRET clears it (an NMI-window exit
 * may follow the IRET).
 */
import { Attention, type Cpu } from './cpu';
import type { NmiMode } from './intercept';

function modeOf(cpu: Cpu): NmiMode {
  return cpu.nonRoot?.nmiMode?.() ?? 'physical';
}

/** An NMI is being delivered through the IDT (hardware or VM-entry injection). */
export function blockNmisOnDelivery(cpu: Cpu): void {
  if (modeOf(cpu) === 'virtual') cpu.virtualNmiBlocked = true;
  else cpu.nmiBlocked = true;
}

/**
 * IRET's effect on NMI blocking, applied before its checks (it holds even when IRET faults).
 * Returns true when virtual-NMI blocking was removed (call `afterIret` once IRET completed).
 */
export function iretUnblocksNmis(cpu: Cpu): boolean {
  const mode = modeOf(cpu);
  if (mode === 'physical' && cpu.nmiBlocked) {
    cpu.nmiBlocked = false;
    cpu.nmiUnblockedByIret = true;
    cpu.attention |= Attention.Event; // a pending NMI may now be delivered
  } else if (mode === 'virtual' && cpu.virtualNmiBlocked) {
    cpu.virtualNmiBlocked = false;
    cpu.nmiUnblockedByIret = true;
    return true;
  }
  return false;
}

/**
 * Whether a VM exit now is due to a fault of an IRET that unblocked NMIs ("NMI unblocking
 * due to IRET", bit 12 of the exit interruption information / EPT-violation qualification,
 * SDM 27.2.1–27.2.3). Consumes the indication.
 */
export function takeIretNmiUnblocking(cpu: Cpu): boolean {
  const unblocked = cpu.nmiUnblockedByIret;
  cpu.nmiUnblockedByIret = false;
  return unblocked;
}

/** After an IRET that removed virtual-NMI blocking: NMI-window exiting (SDM 25.2). */
export function afterIret(cpu: Cpu, unblockedVirtual: boolean): void {
  cpu.nmiUnblockedByIret = false; // IRET completed: no fault to report it on
  if (unblockedVirtual) cpu.nonRoot?.nmiWindowOpened?.();
}
