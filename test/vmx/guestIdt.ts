/** Guest-mode interrupt test programs: an IDT prelude and a guest runner. */
import { nasm } from '../machine/cpuRunner';
import { eoiIretq, idtData } from '../support/guestPreludes';
import { Machine } from '../../src/machine/machine';
import type { GuestModeOptions } from '../../src/machine/hypervisor/guestSetup';

/** Guest prelude: an IDT whose vectors 0x40 and 0x41 count into r12 / r13 and EOI the virtual x2APIC. */
export const IDT = `
  lidt [rel idtr]
  jmp main
handler40:
  inc r12
  jmp eoi
handler41:
  inc r13
eoi:
${eoiIretq()}
${idtData({ 0x40: 'handler40', 0x41: 'handler41' })}
main:
`;

/** Boots `source` (after the IDT prelude) as a guest of the built-in hypervisor. */
export function guest(source: string, options: GuestModeOptions = {}) {
  const machine = new Machine({ memoryMB: 64 });
  const hypervisor = machine.loadGuest(nasm(IDT + source), options);
  return { machine, hypervisor };
}
