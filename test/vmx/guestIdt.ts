/** Guest-mode interrupt test programs: an IDT prelude and a guest runner. */
import { nasm } from '../machine/cpuRunner';
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
  push rax
  push rcx
  push rdx
  mov ecx, 0x80b
  xor eax, eax
  xor edx, edx
  wrmsr
  pop rdx
  pop rcx
  pop rax
  iretq
%macro GATE 1
  dw (%1 - $$ + 0x100000) & 0xffff
  dw 0x08
  dw 0x8e00
  dw ((%1 - $$ + 0x100000) >> 16) & 0xffff
  dd 0
  dd 0
%endmacro
align 16
idt:
  times 0x40 dq 0, 0
  GATE handler40
  GATE handler41
idt_end:
idtr:
  dw idt_end - idt - 1
  dq idt
main:
`;

/** Boots `source` (after the IDT prelude) as a guest of the built-in hypervisor. */
export function guest(source: string, options: GuestModeOptions = {}) {
  const machine = new Machine({ memoryMB: 64 });
  const hypervisor = machine.loadGuest(nasm(IDT + source), options);
  return { machine, hypervisor };
}
