/**
 * Events in a 32-bit protected-mode guest (unrestricted guest with EPT, CR0.PE = 1, PG = 0),
 * found by the Bochs case guest-protected-mode-events: 8-byte gates and dword frames (SDM
 * 6.11–6.12), IRETD back (the compatibility-mode path) — they triple-faulted (delivery
 * existed only for 16-byte IA-32e gates).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hasNasm } from '../machine/cpuRunner';
import { F } from '../../src/machine/vmx/fields';
import { Primary, Secondary } from '../../src/machine/vmx/controls';
import { Defaults, Layout, vmxTest } from './prelude';

const skip = !hasNasm() && 'nasm is not installed';
const IDT = 0x250000;

function protectedModeGuest(setup: string, guest: string) {
  return vmxTest({
    primary: Defaults.primary | Primary.activateSecondaryControls,
    secondary: Secondary.enableEpt | Secondary.unrestrictedGuest,
    entry: Defaults.entry & ~(1 << 9),
    // a ring-0 32-bit code segment at selector 0x40 (appended to the boot GDT)
    setup: `  sgdt [${IDT} - 16]
  mov rdi, [${IDT} - 14]
  mov rax, 0x00cf9b000000ffff
  mov [rdi + 0x40], rax
  mov word [${IDT} - 16], 0x47
  lgdt [${IDT} - 16]
  VMW GUEST_GDTR_LIMIT, 0x47
  VMW GUEST_CS_SELECTOR, 0x40
  mov qword [${Layout.ept}], ${Layout.ept + 0x1000} | 7
  mov qword [${Layout.ept + 0x1000}], 0xb7
  VMW EPT_POINTER, ${Layout.ept} | 0x1e
  mov rax, isr
  mov word [${IDT} + 0x21 * 8], ax
  mov word [${IDT} + 0x21 * 8 + 2], 0x40
  mov word [${IDT} + 0x21 * 8 + 4], 0x8e00
  shr eax, 16
  mov word [${IDT} + 0x21 * 8 + 6], ax
  VMW GUEST_CR0, 0x31
  mov rax, cr4
  and eax, 0x2000
  VMW GUEST_CR4, rax
  VMW GUEST_IA32_EFER, 0
  VMW GUEST_CS_AR, 0xc09b
  VMW GUEST_IDTR_BASE, ${IDT}
  VMW GUEST_IDTR_LIMIT, 0x21 * 8 + 7
  VMW GUEST_RFLAGS, 0x202
${setup}`,
    guest: `  bits 32\n${guest}\n  bits 64`,
    extra: '  bits 32\nisr:\n  mov ebx, [esp]\n  mov ecx, [esp + 4]\n  mov edx, [esp + 8]\n  add esi, 5\n  cmp edi, 1\n  je .back\n  vmcall\n.back:\n  iretd\n  bits 64',
  }).runToStop();
}

test('an injected interrupt in a 32-bit protected-mode guest: 8-byte interrupt gate, EIP/CS/EFLAGS dwords, IF cleared', { skip }, () => {
  const t = protectedModeGuest('  VMW VM_ENTRY_INTR_INFO, 0x80000021\n  mov r14, guest_entry', '  hlt');
  const vmcs = t.machine.vmx.current!;
  assert.equal(vmcs.get(F.VM_EXIT_REASON), 18n);
  assert.equal(t.cpu.getGpr(3), t.cpu.getGpr(14), 'EIP: the guest RIP at entry');
  assert.equal(t.cpu.getGpr(1) & 0xffffn, 0x40n, 'CS');
  assert.equal(t.cpu.getGpr(2), 0x202n, 'EFLAGS');
  assert.equal(vmcs.get(F.GUEST_RFLAGS) & 0x200n, 0n, 'IF cleared by the interrupt gate');
});

test("a 32-bit guest's INT n returns with IRETD", { skip }, () => {
  const t = protectedModeGuest('', '  xor esi, esi\n  mov edi, 1\n  mov esp, 0x210000\n  int 0x21\n  inc esi\n  vmcall');
  const vmcs = t.machine.vmx.current!;
  assert.equal(vmcs.get(F.VM_EXIT_REASON), 18n);
  assert.equal(t.cpu.getGpr(6), 6n, 'the handler ran, then the instruction after INT');
  assert.equal(vmcs.get(F.GUEST_RSP), 0x210000n);
  assert.equal(vmcs.get(F.GUEST_RFLAGS) & 0x200n, 0x200n, 'IF restored by IRETD');
});
