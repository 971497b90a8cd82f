import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hasNasm } from '../machine/cpuRunner';
import { F } from '../../src/machine/vmx/fields';
import { Defaults, Layout, vmxTest, type VmxProgram } from './prelude';
import { apicTimer, eoiIretq, idtData, SELF_NMI, selfIpi, X2APIC_ON } from '../support/guestPreludes';

const skip = !hasNasm() && 'nasm is not installed';
const EXTERNAL_INTERRUPT_EXITING = 1 << 0;
const NMI_EXITING = 1 << 3;
const ACK_ON_EXIT = 1 << 15;
/** MSR bitmaps (all zero): the guest's RDMSR/WRMSR reach the physical APIC. */
const MSR_BITMAPS = 1 << 28;

/** Host: x2APIC on, software-enabled; then `then` (host RFLAGS.IF stays 0). */
function apicSetup(then: string): string {
  return `
${X2APIC_ON}
${then}
  VMW GUEST_IDTR_BASE, guest_idt
  VMW GUEST_IDTR_LIMIT, 0x40f
  VMW MSR_BITMAP, ${Layout.msrBitmap}`;
}

const SELF_IPI_40 = selfIpi(0x40);

/** Guest IDT: vector 0x40 counts into r12 and EOIs (the guest reaches the physical APIC: no MSR bitmap). */
const GUEST_IDT = `
guest_tick:
  inc r12
${eoiIretq()}
${idtData({ 0x40: 'guest_tick' }, { label: 'guest_idt', idtr: false })}`;

function run(p: VmxProgram) {
  const t = vmxTest({ extra: GUEST_IDT, primary: Defaults.primary | MSR_BITMAPS, ...p }).runToStop();
  const vmx = t.machine.vmx;
  const vmcs = vmx.current!;
  return { t, vmx, apic: t.machine.apic, field: (f: number) => vmcs.get(f) };
}

test('external-interrupt exiting with "acknowledge interrupt on exit": exit 1 before the guest runs, even with guest IF = 0; the vector moves IRR → ISR and is reported valid, type 0', { skip }, () => {
  const { t, apic, field } = run({ pin: Defaults.pin | EXTERNAL_INTERRUPT_EXITING, exit: Defaults.exit | ACK_ON_EXIT, setup: apicSetup(SELF_IPI_40), guest: 'mov r13, 1\nvmcall' });
  t.assertStop('halt');
  assert.equal(field(F.VM_EXIT_REASON), 1n);
  assert.equal(field(F.VM_EXIT_INTR_INFO), 0x80000040n);
  assert.equal(t.cpu.getGpr(13), 0n, 'no guest instruction ran');
  assert.equal(apic.irr[2], 0);
  assert.equal(apic.isr[2], 1, 'acknowledged: in service');
});

test('external-interrupt exiting without acknowledge: exit 1 with invalid interruption information; the interrupt stays pending in the IRR', { skip }, () => {
  const { t, apic, field } = run({ pin: Defaults.pin | EXTERNAL_INTERRUPT_EXITING, setup: apicSetup(SELF_IPI_40), guest: 'vmcall' });
  t.assertStop('halt');
  assert.equal(field(F.VM_EXIT_REASON), 1n);
  assert.equal(field(F.VM_EXIT_INTR_INFO), 0n);
  assert.equal(apic.irr[2], 1, 'still requested');
  assert.equal(apic.isr[2], 0);
});

test('without external-interrupt exiting the interrupt goes through the guest IDT once the guest sets IF (after the STI shadow)', { skip }, () => {
  const { t, field } = run({ setup: apicSetup(SELF_IPI_40), guest: 'mov r13, r12\nsti\nmov r14, r12\nmov r15, r12\nvmcall' });
  t.assertStop('halt');
  assert.equal(field(F.VM_EXIT_REASON), 18n);
  assert.equal(t.cpu.getGpr(13), 0n, 'guest IF = 0: held');
  assert.equal(t.cpu.getGpr(14), 0n, 'STI shadow');
  assert.equal(t.cpu.getGpr(15), 1n);
  assert.equal(t.machine.apic.isr[2], 0, 'the guest handler EOIed');
});

const ONE_SHOT_TIMER = apicTimer(0x40, 5000);

test('the APIC timer expiring while the guest spins is an external-interrupt exit at its deadline', { skip }, () => {
  const { t, field } = run({ pin: Defaults.pin | EXTERNAL_INTERRUPT_EXITING, exit: Defaults.exit | ACK_ON_EXIT, setup: apicSetup(ONE_SHOT_TIMER), guest: 'spin:\n  inc r12\n  jmp spin' });
  t.assertStop('halt');
  assert.equal(field(F.VM_EXIT_REASON), 1n);
  assert.equal(field(F.VM_EXIT_INTR_INFO), 0x80000040n);
  const instret = t.machine.vmx.exits.at(-1)!.instret;
  assert.ok(instret >= 5000 && instret < 5200, `exit at the timer deadline (instret ${instret})`);
});

test('a guest halted without HLT exiting wakes with an external-interrupt exit when the host timer expires (activity state HLT saved)', { skip }, () => {
  const { t, field } = run({ pin: Defaults.pin | EXTERNAL_INTERRUPT_EXITING, exit: Defaults.exit | ACK_ON_EXIT, setup: apicSetup(ONE_SHOT_TIMER), guest: 'hlt\nvmcall' });
  t.assertStop('halt');
  assert.equal(field(F.VM_EXIT_REASON), 1n);
  assert.equal(field(F.GUEST_ACTIVITY_STATE), 1n, 'HLT');
  assert.ok(t.cpu.instret >= 5000, 'time skipped to the timer');
});

test('an NMI IPI to self from the guest: exception-or-NMI exit (type NMI, vector 2) with NMI exiting', { skip }, () => {
  const nmi = `
${SELF_NMI}
  mov r13, 1
  vmcall`;
  const { t, field } = run({ pin: Defaults.pin | NMI_EXITING, setup: apicSetup(''), guest: nmi });
  t.assertStop('halt');
  assert.equal(field(F.VM_EXIT_REASON), 0n);
  assert.equal(field(F.VM_EXIT_INTR_INFO), 0x80000202n);
  assert.equal(t.cpu.getGpr(13), 0n, 'the exit follows the WRMSR that sent it');
});

test('entry in the HLT activity state with STI blocking and an interrupt pending does not hang the machine', { skip }, () => {
  const setup = `${apicSetup(SELF_IPI_40)}
  VMW GUEST_ACTIVITY_STATE, 1
  VMW GUEST_INTERRUPTIBILITY_INFO, 1`;
  const t = vmxTest({ extra: GUEST_IDT, primary: Defaults.primary | MSR_BITMAPS, pin: Defaults.pin | EXTERNAL_INTERRUPT_EXITING, setup, guest: 'vmcall' }).runToStop();
  const reason = t.machine.vmx.current!.get(F.VM_EXIT_REASON) & 0xffffn;
  assert.ok(reason === 1n || reason === 33n, `an external-interrupt exit or an invalid-guest-state entry failure (${reason})`);
});
