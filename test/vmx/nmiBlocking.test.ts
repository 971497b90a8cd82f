/**
 * NMI blocking in VMX non-root operation (SDM 25.3 IRET, 26.6.1.2, 27.3.4; fact sheet §3.4):
 * an injected NMI blocks NMIs (or, with "virtual NMIs", sets virtual-NMI blocking) until the
 * guest's IRET; the blocking is saved in interruptibility bit 3 on VM exit and loaded on
 * VM entry; with "NMI exiting" alone IRET leaves the blocking in place; with "virtual NMIs"
 * and "NMI-window exiting" the IRET that clears virtual-NMI blocking is followed by exit 8.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hasNasm } from '../machine/cpuRunner';
import { F } from '../../src/machine/vmx/fields';
import { Defaults, identityEpt, vmxTest } from './prelude';
import { idtData } from '../support/guestPreludes';

const skip = !hasNasm() && 'nasm is not installed';
const NMI_EXITING = 1 << 3;
const VIRTUAL_NMIS = 1 << 5;
const NMI_WINDOW_EXITING = 1 << 22;
const LOG = 0x302000;
const INJECT_NMI = '  VMW VM_ENTRY_INTR_INFO, 0x80000202';

// Host (r8-r10 only): log [reason, interruptibility, guest RIP] per exit; after a VMCALL
// skip it and resume (at most 4 exits), after anything else stop.
const HOST = `
  mov r9, VM_EXIT_REASON
  vmread r8, r9
  imul r9, r10, 24
  mov [${LOG} + r9], r8
  mov r9, GUEST_INTERRUPTIBILITY_INFO
  vmread r8, r9
  imul r9, r10, 24
  mov [${LOG} + r9 + 8], r8
  mov r9, GUEST_RIP
  vmread r8, r9
  imul r9, r10, 24
  mov [${LOG} + r9 + 16], r8
  inc r10
  cmp r10, 4
  jae .done
  mov r9, VM_EXIT_REASON
  vmread r8, r9
  cmp r8, 18
  jne .done
  mov r9, GUEST_RIP
  vmread r8, r9
  add r8, 3
  vmwrite r9, r8
  vmresume
.done:
  hlt`;

/** Guest IDT with an NMI handler: r12 = 1, then `body` (VMCALL, or a frame change that makes IRETQ fault), then IRETQ. */
function idt(body: string): string {
  return `
nmi_handler:
  mov r12, 1
${body}
  iretq
${idtData({ 2: 'nmi_handler' }, { label: 'guest_idt', idtr: false })}`;
}

interface Exit {
  reason: number;
  interruptibility: number;
  rip: number;
}

function run(pin: number, primary: number, handlerVmcall: boolean | string, inject = INJECT_NMI): { exits: Exit[]; r12: bigint; r13: bigint; guestEntry: number } {
  const body = typeof handlerVmcall === 'string' ? handlerVmcall : handlerVmcall ? '  vmcall' : '';
  const setup = `  xor r10, r10
  VMW EXCEPTION_BITMAP, ${1 << 13}
  VMW GUEST_IDTR_BASE, guest_idt
  VMW GUEST_IDTR_LIMIT, 0x2f
${inject}
  mov r11, guest_entry`;
  const t = vmxTest({ pin, primary, setup, guest: '  mov r13, 1\n  vmcall\n  hlt', host: HOST, extra: idt(body) }).runToStop();
  assert.equal(t.machine.vmx.lastEntryFailure?.describe(), undefined);
  const count = Number(t.cpu.getGpr(10));
  const view = new DataView(t.machine.mem.peek(LOG, count * 24).buffer);
  const exits: Exit[] = [];
  for (let i = 0; i < count; i++) {
    const at = (k: number): number => Number(view.getBigUint64(i * 24 + k * 8, true));
    exits.push({ reason: at(0), interruptibility: at(1), rip: at(2) });
  }
  return { exits, r12: t.cpu.getGpr(12), r13: t.cpu.getGpr(13), guestEntry: Number(t.cpu.getGpr(11)) };
}

test('injected NMI (no NMI exiting): bit 3 saved inside the handler, clear after its IRETQ', { skip }, () => {
  const { exits, r12, r13 } = run(Defaults.pin, Defaults.primary, true);
  assert.deepEqual(exits.map((e) => [e.reason, e.interruptibility]), [
    [18, 8],
    [18, 0],
  ]);
  assert.equal(r12, 1n);
  assert.equal(r13, 1n);
});

test('"NMI exiting" without virtual NMIs: the guest IRETQ does not unblock NMIs (bit 3 still saved)', { skip }, () => {
  const { exits } = run(Defaults.pin | NMI_EXITING, Defaults.primary, true);
  assert.deepEqual(exits.map((e) => [e.reason, e.interruptibility]), [
    [18, 8],
    [18, 8],
  ]);
});

test('virtual NMIs: an injected NMI sets virtual-NMI blocking (no NMI-window exit at entry); its IRETQ clears it and exits (8)', { skip }, () => {
  const { exits, r12, r13, guestEntry } = run(Defaults.pin | NMI_EXITING | VIRTUAL_NMIS, Defaults.primary | NMI_WINDOW_EXITING, false);
  assert.equal(exits.length, 1, JSON.stringify(exits));
  assert.deepEqual(exits[0], { reason: 8, interruptibility: 0, rip: guestEntry });
  assert.equal(r12, 1n, 'the handler ran');
  assert.equal(r13, 0n, 'the exit came before the next guest instruction');
});

test('virtual NMIs: bit 3 saved in the handler and loaded by VMRESUME (no window exit until the IRETQ)', { skip }, () => {
  const { exits, guestEntry } = run(Defaults.pin | NMI_EXITING | VIRTUAL_NMIS, Defaults.primary | NMI_WINDOW_EXITING, true);
  assert.deepEqual(exits.map((e) => [e.reason, e.interruptibility]), [
    [18, 8],
    [8, 0],
  ]);
  assert.equal(exits[1]!.rip, guestEntry);
});

// A null CS in the frame makes IRETQ fault with #GP(0) (exception bitmap bit 13: exit 0).
const BAD_IRET = '  mov qword [rsp + 8], 0';
const GP_EXIT = 0x80000b0d;

test('a fault on the IRETQ that unblocked NMIs (plain and virtual NMIs): the #GP exits with the blocking already gone (bit 3 saved clear)', { skip }, () => {
  for (const pin of [Defaults.pin, Defaults.pin | NMI_EXITING | VIRTUAL_NMIS]) {
    const { exits } = run(pin, Defaults.primary, BAD_IRET);
    assert.deepEqual(exits.map((e) => [e.reason, e.interruptibility]), [[0, 0]], `pin 0x${pin.toString(16)}`);
  }
});

test('bit 12 of the exit interruption information: 1 after an IRETQ that unblocked NMIs, 0 for a faulting IRETQ without blocking', { skip }, () => {
  const intrInfo = (inject: string): bigint => {
    const t = vmxTest({
      setup: `  VMW EXCEPTION_BITMAP, ${1 << 13}\n  VMW GUEST_IDTR_BASE, guest_idt\n  VMW GUEST_IDTR_LIMIT, 0x2f\n${inject}`,
      guest: `  push 0\n  push 0\n  push 2\n  push 0\n  push 0\n  iretq`,
      extra: idt(BAD_IRET),
    }).runToStop();
    return t.machine.vmx.current!.get(F.VM_EXIT_INTR_INFO);
  };
  assert.equal(intrInfo(INJECT_NMI), BigInt((GP_EXIT | 0x1000) >>> 0));
  assert.equal(intrInfo(''), BigInt(GP_EXIT), 'the guest IRETQ with a null CS, no NMI blocking');
});

test('an EPT violation on the IRETQ that unblocked NMIs: qualification bit 12 set', { skip }, () => {
  // EPT: GPA 0-4 GiB identity with 2 MiB pages, GPA 0x400000 not present; the handler points RSP there.
  const ept = identityEpt(0x4000b0);
  const exitOf = (inject: string) => {
    const t = vmxTest({
      primary: Defaults.primary | 0x80000000,
      secondary: 1 << 1,
      setup: `${ept}\n  VMW GUEST_IDTR_BASE, guest_idt\n  VMW GUEST_IDTR_LIMIT, 0x2f\n${inject}`,
      guest: '  mov rsp, 0x400000\n  iretq',
      extra: idt('  mov rsp, 0x400000'),
    }).runToStop();
    const vmcs = t.machine.vmx.current!;
    const gpa = vmcs.get(F.GUEST_PHYSICAL_ADDRESS);
    assert.ok(gpa >= 0x400000n && gpa < 0x400028n, `GPA 0x${gpa.toString(16)} in the IRETQ frame`);
    return { reason: vmcs.get(F.VM_EXIT_REASON), qualification: vmcs.get(F.EXIT_QUALIFICATION), interruptibility: vmcs.get(F.GUEST_INTERRUPTIBILITY_INFO) };
  };
  // read of the frame, GLA valid, final access (+ bit 12 only after NMI blocking)
  assert.deepEqual(exitOf(INJECT_NMI), { reason: 48n, qualification: 0x1181n, interruptibility: 0n });
  assert.deepEqual(exitOf(''), { reason: 48n, qualification: 0x181n, interruptibility: 0n });
});

test('an NMI that causes a VM exit blocks NMIs in the host afterwards (a second self-NMI stays pending)', { skip }, () => {
  const selfNmi = '  mov ecx, 0x830\n  mov eax, 0x40400\n  xor edx, edx\n  wrmsr';
  const apicOn = '  mov ecx, 0x1b\n  rdmsr\n  or eax, 0xc00\n  wrmsr\n  mov ecx, 0x80f\n  mov eax, 0x1ff\n  xor edx, edx\n  wrmsr';
  const t = vmxTest({
    pin: Defaults.pin | NMI_EXITING,
    primary: Defaults.primary | (1 << 28), // MSR bitmaps (all zero): the guest reaches the APIC
    setup: `${apicOn}\n  VMW MSR_BITMAP, 0x204000`,
    guest: `${selfNmi}\n  vmcall`,
    host: `${selfNmi}\n  mov r13, 1\n  hlt`, // with NMIs unblocked this NMI would hit the host's empty IDT
  }).runToStop();
  t.assertStop('halt');
  assert.equal(t.machine.vmx.current!.get(F.VM_EXIT_INTR_INFO), 0x80000202n);
  assert.equal(t.cpu.getGpr(13), 1n);
  assert.equal(t.cpu.nmiBlocked, true);
  assert.equal(t.machine.apic.nmiPending, true, 'the second NMI waits for an IRET');
});

test('NMI-window exiting with blocking by STI at VM entry: no exit at entry; exit 8 once the shadow instruction retired (SDM 25.2, 26.7.6)', { skip }, () => {
  for (const blocking of [1, 2]) {
    const inject = `  VMW GUEST_RFLAGS, 0x202\n  VMW GUEST_INTERRUPTIBILITY_INFO, ${blocking}`;
    const { exits, r13, guestEntry } = run(Defaults.pin | NMI_EXITING | VIRTUAL_NMIS, Defaults.primary | NMI_WINDOW_EXITING, false, inject);
    assert.equal(exits.length, 1, JSON.stringify(exits));
    assert.deepEqual(exits[0], { reason: 8, interruptibility: 0, rip: guestEntry + 6 }, `blocking ${blocking}: the exit follows 'mov r13, 1' (6 bytes: mov r13d, imm32)`);
    assert.equal(r13, 1n, 'the instruction in the shadow ran');
  }
});
