/**
 * External-interrupt exiting without "acknowledge interrupt on exit" (SDM 25.2, 27.2.2),
 * found by the Bochs case exit-external-interrupt: the interrupt stays requested in the
 * local APIC and is delivered through the guest IDT on a later entry that does not exit
 * for it (guest RFLAGS.IF = 1), before the guest's first instruction.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hasNasm } from '../machine/cpuRunner';
import { idtData } from '../support/guestPreludes';
import { F } from '../../src/machine/vmx/fields';
import { Defaults, vmxTest } from './prelude';

const skip = !hasNasm() && 'nasm is not installed';

test('an external interrupt that exited unacknowledged is delivered to the guest at the next entry with IF = 1', { skip }, () => {
  const t = vmxTest({
    pin: Defaults.pin | 1, // external-interrupt exiting; exit controls without acknowledge-on-exit
    setup: `  cli
  mov ecx, 0x1b
  rdmsr
  or eax, 0xc00
  wrmsr
  mov ecx, 0x80f
  mov eax, 0x1ff
  xor edx, edx
  wrmsr
  VMW GUEST_IDTR_BASE, idt
  VMW GUEST_IDTR_LIMIT, idt_end - idt - 1
  xor r12d, r12d
  mov r14, guest_entry
  mov ecx, 0x83f
  mov eax, 0x40
  xor edx, edx
  wrmsr`,
    host: `  inc r12d
  cmp r12d, 1
  jne .done
  mov rdx, 0x4402 ; VM_EXIT_REASON
  vmread r13, rdx
  VMW PIN_BASED_VM_EXEC_CONTROL, ${Defaults.pin}
  VMW GUEST_RFLAGS, 0x202
  vmresume
.done:
  hlt`,
    guest: '  nop\n  vmcall',
    extra: `isr:\n  mov rbx, [rsp]\n  vmcall\n${idtData({ 0x40: 'isr' }, { idtr: false })}`,
  }).runToStop();
  assert.equal(t.cpu.getGpr(13), 1n, 'the first exit: external interrupt');
  const vmcs = t.machine.vmx.current!;
  assert.equal(vmcs.get(F.VM_EXIT_REASON), 18n);
  assert.equal(t.cpu.getGpr(3), t.cpu.getGpr(14), "the handler's frame RIP: the guest's first instruction (delivered before it ran)");
});
