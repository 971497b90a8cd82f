/**
 * Faults during event delivery in VMX non-root operation and pending debug exceptions at VM
 * entry, found by the Bochs cases exit-delivery-faults, entry-injection-more and
 * entry-pending-debug (the VM-entry/VM-exit part of the fix is in vmEntry.ts and vmxUnit.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hasNasm } from '../machine/cpuRunner';
import { idtData } from '../support/guestPreludes';
import { F } from '../../src/machine/vmx/fields';
import { vmxTest } from './prelude';

const skip = !hasNasm() && 'nasm is not installed';

/** A guest IDT: #DF → a handler that does VMCALL, #DE and 0x21 not present. */
const IDT = idtData({ 0: { handler: 'df_handler', present: false }, 8: 'df_handler', 0x21: { handler: 'df_handler', present: false } }, { idtr: false });

function run(setup: string, guest: string) {
  const machine = vmxTest({
    setup: `  mov r14, guest_entry\n  VMW GUEST_IDTR_BASE, idt\n  VMW GUEST_IDTR_LIMIT, idt_end - idt - 1\n${setup}`,
    guest,
    extra: `df_handler:\n  vmcall\n${IDT}`,
  }).runToStop().machine;
  const vmcs = machine.vmx.current!;
  return {
    /** The guest's first instruction (the host keeps it in R14 across the entry). */
    start: machine.cpu.getGpr(14),
    reason: vmcs.get(F.VM_EXIT_REASON),
    qualification: vmcs.get(F.EXIT_QUALIFICATION),
    interruption: vmcs.get(F.VM_EXIT_INTR_INFO),
    vectoring: vmcs.get(F.IDT_VECTORING_INFO),
    length: vmcs.get(F.VM_EXIT_INSTRUCTION_LEN),
    rip: vmcs.get(F.GUEST_RIP),
  };
}

const DIVIDE = 'xor ecx, ecx\ndiv ecx\nvmcall';

test('a #DF formed from a fault during delivery exits when bit 8 of the exception bitmap is set (SDM 25.2)', { skip }, () => {
  const e = run('  VMW EXCEPTION_BITMAP, 1 << 8', DIVIDE);
  assert.equal(e.reason, 0n);
  assert.equal(e.interruption, 0x80000b08n, '#DF, error code valid');
  const delivered = run('  VMW EXCEPTION_BITMAP, 0', DIVIDE);
  assert.equal(delivered.reason, 18n, 'bit 8 clear: the guest handles the #DF');
});

test('a #DF exit reports no IDT-vectoring information: the #DF replaced the event (SDM 6.15, 27.2.4)', { skip }, () => {
  assert.equal(run('  VMW EXCEPTION_BITMAP, 1 << 8', DIVIDE).vectoring, 0n);
});

test('a fault delivering the guest\'s INT n exits with the software interrupt as IDT-vectoring information and its length (SDM 27.2.4, 27.2.5)', { skip }, () => {
  const e = run('  VMW EXCEPTION_BITMAP, 1 << 11', 'int 0x21');
  assert.equal(e.reason, 0n);
  assert.equal(e.interruption, 0x80000b0bn, '#NP');
  assert.equal(e.vectoring, 0x80000421n);
  assert.equal(e.length, 2n);
});

test('a fault delivering an injected INT n exits at the guest RIP with the injected event and the VM-entry instruction length (SDM 26.6, 27.2.4)', { skip }, () => {
  const e = run('  VMW EXCEPTION_BITMAP, 1 << 11\n  VMW VM_ENTRY_INTR_INFO, 0x80000421\n  VMW VM_ENTRY_INSTRUCTION_LEN, 3', 'hlt');
  assert.equal(e.reason, 0n);
  assert.equal(e.vectoring, 0x80000421n);
  assert.equal(e.length, 3n);
  assert.equal(e.rip, e.start, 'the guest RIP, not RIP + length');
});

test('a pending BS at VM entry is a #DB before the first guest instruction (SDM 26.7.3)', { skip }, () => {
  const e = run('  VMW EXCEPTION_BITMAP, 1 << 1\n  VMW GUEST_PENDING_DBG_EXCEPTIONS, 0x4000\n  VMW GUEST_RFLAGS, 0x102', 'nop\nvmcall');
  assert.equal(e.reason, 0n);
  assert.equal(e.interruption, 0x80000301n);
  assert.equal(e.qualification, 0x4000n);
  assert.equal(e.rip, e.start, 'no guest instruction ran');
});

test('with blocking by STI or the HLT activity state, BS must equal RFLAGS.TF (SDM 26.3.1.5): otherwise exit 0x80000021', { skip }, () => {
  const sti = '  VMW GUEST_INTERRUPTIBILITY_INFO, 1\n';
  assert.equal(run(`${sti}  VMW GUEST_RFLAGS, 0x302`, 'vmcall').reason, 0x80000021n, 'TF without BS');
  assert.equal(run(`${sti}  VMW GUEST_RFLAGS, 0x202\n  VMW GUEST_PENDING_DBG_EXCEPTIONS, 0x4000`, 'vmcall').reason, 0x80000021n, 'BS without TF');
  assert.equal(run('  VMW GUEST_ACTIVITY_STATE, 1\n  VMW GUEST_PENDING_DBG_EXCEPTIONS, 0x4000', 'vmcall').reason, 0x80000021n, 'HLT: BS without TF');
  assert.notEqual(run(`${sti}  VMW GUEST_RFLAGS, 0x302\n  VMW GUEST_PENDING_DBG_EXCEPTIONS, 0x4000`, 'vmcall').reason, 0x80000021n, 'STI, TF and BS: valid');
  assert.equal(run('  VMW GUEST_RFLAGS, 0x102', 'vmcall').reason, 18n, 'no blocking: TF without BS is valid');
});
