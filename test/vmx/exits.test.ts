import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hasNasm, type CpuTest } from '../machine/cpuRunner';
import { F } from '../../src/machine/vmx/fields';
import { Defaults, vmxTest, type VmxProgram } from './prelude';
import { setGate } from '../support/guestPreludes';

const skip = !hasNasm() && 'nasm is not installed';
const P = {
  hlt: 1 << 7,
  invlpg: 1 << 9,
  rdtsc: 1 << 12,
  cr3Load: 1 << 15,
  cr3Store: 1 << 16,
  cr8Load: 1 << 19,
  movDr: 1 << 23,
  unconditionalIo: 1 << 24,
  ioBitmaps: 1 << 25,
  mtf: 1 << 27,
  msrBitmaps: 1 << 28,
  secondary: 0x80000000,
  interruptWindow: 1 << 2,
};

function exitOf(p: VmxProgram): { t: CpuTest; reason: bigint; qualification: bigint; field: (f: number) => bigint } {
  const t = vmxTest(p).runToStop();
  const vmx = t.machine.vmx;
  assert.equal(vmx.lastEntryFailure?.describe(), undefined);
  assert.equal(vmx.operation, 'root', 'the guest exited');
  const vmcs = vmx.current!;
  return { t, reason: vmcs.get(F.VM_EXIT_REASON), qualification: vmcs.get(F.EXIT_QUALIFICATION), field: (f) => vmcs.get(f) };
}

test('HLT exits (12) only with HLT exiting; the saved guest RIP is the HLT', { skip }, () => {
  const e = exitOf({ primary: Defaults.primary | P.hlt, guest: 'nop\nhlt' });
  assert.equal(e.reason, 12n);
  assert.equal(e.field(F.VM_EXIT_INSTRUCTION_LEN), 1n);
  const t = vmxTest({ guest: 'hlt' }).runToStop();
  t.assertStop('halt');
  assert.equal(t.machine.vmx.operation, 'non-root', 'without HLT exiting the guest halts');
});

test('INVLPG exits (14) with the linear address as qualification', { skip }, () => {
  const e = exitOf({ primary: Defaults.primary | P.invlpg, guest: 'invlpg [0x123456]' });
  assert.equal(e.reason, 14n);
  assert.equal(e.qualification, 0x123456n);
});

test('RDTSC exits (16) with RDTSC exiting; RDTSCP is #UD without "enable RDTSCP", exit 51 with it', { skip }, () => {
  assert.equal(exitOf({ primary: Defaults.primary | P.rdtsc, guest: 'rdtsc' }).reason, 16n);
  const ud = exitOf({ guest: 'rdtscp', setup: '  VMW EXCEPTION_BITMAP, 0x40' });
  assert.equal(ud.reason, 0n);
  assert.equal(ud.field(F.VM_EXIT_INTR_INFO), 0x80000306n, '#UD, hardware exception, valid');
  assert.equal(exitOf({ primary: Defaults.primary | P.rdtsc | P.secondary, secondary: 1 << 3, guest: 'rdtscp' }).reason, 51n);
});

test('TSC offsetting: the guest reads TSC + TSC_OFFSET, the host reads the TSC', { skip }, () => {
  const e = exitOf({
    primary: Defaults.primary | (1 << 3),
    setup: '  VMW TSC_OFFSET, 0x100000000',
    guest: 'rdtsc\nshl rdx, 32\nor rax, rdx\nmov r12, rax\nvmcall',
    host: '  rdtsc\n  shl rdx, 32\n  or rax, rdx\n  mov r13, rax\n  hlt',
  });
  const guestTsc = e.t.cpu.getGpr(12);
  const hostTsc = e.t.cpu.getGpr(13);
  assert.ok(guestTsc >= 0x100000000n && guestTsc < 0x100010000n, `guest TSC 0x${guestTsc.toString(16)}`);
  assert.ok(hostTsc < 0x10000n && hostTsc > guestTsc - 0x100000000n, `host TSC 0x${hostTsc.toString(16)}`);
});

test('VMCALL (18) and VMX instructions exit unconditionally, with instruction information', { skip }, () => {
  assert.equal(exitOf({ guest: 'vmcall' }).reason, 18n);
  const e = exitOf({ guest: 'vmread rbx, rcx' });
  assert.equal(e.reason, 23n);
  // register form: bit 10; reg1 (r/m = rbx = 3) in 6:3; reg2 (rcx = 1) in 31:28
  assert.equal(e.field(F.VMX_INSTRUCTION_INFO), BigInt((1 << 10) | (3 << 3) | (1 << 28)));
  const m = exitOf({ guest: 'vmptrld [rbx + rsi*4 + 0x10]' });
  assert.equal(m.reason, 21n);
  assert.equal(m.qualification, 0x10n, 'displacement');
  assert.equal(m.field(F.VMX_INSTRUCTION_INFO), BigInt(2 | (2 << 7) | (3 << 15) | (6 << 18) | (3 << 23)));
  assert.equal(exitOf({ guest: 'vmlaunch' }).reason, 20n);
  assert.equal(exitOf({ guest: 'vmxoff' }).reason, 26n);
});

test('MOV to CR0 exits (28) when a host-owned bit differs from the read shadow; MOV from CR0 reads the shadow', { skip }, () => {
  const e = exitOf({
    setup: '  VMW CR0_GUEST_HOST_MASK, 0x20\n  VMW CR0_READ_SHADOW, 0x20',
    guest: 'mov rax, cr0\nmov r12, rax\nand rax, ~0x20\nmov cr0, rax',
  });
  assert.equal(e.reason, 28n);
  assert.equal(e.qualification, 0n, 'CR0, MOV to CR, RAX');
  const reads = exitOf({ setup: '  VMW CR0_GUEST_HOST_MASK, 0x20\n  VMW CR0_READ_SHADOW, 0', guest: 'mov rbx, cr0\nvmcall' });
  assert.equal(reads.t.cpu.getGpr(3) & 0x20n, 0n, 'the guest sees NE from the shadow');
});

test('MOV to CR0/CR4 that does not exit keeps host-owned bits; in VMX operation fixed bits are enforced (#GP)', { skip }, () => {
  const e = exitOf({
    setup: '  VMW CR4_GUEST_HOST_MASK, 0x2000\n  VMW CR4_READ_SHADOW, 0',
    guest: 'mov rax, cr4\nmov r12, rax\nor rax, 0x80\nmov cr4, rax\nvmcall',
  });
  assert.equal(e.reason, 18n, 'no exit: the guest wrote VMXE = 0 as the shadow says');
  assert.equal(e.t.cpu.getGpr(12) & 0x2000n, 0n, 'the guest reads VMXE = 0');
  assert.equal(e.field(F.GUEST_CR4), 0x20a0n, 'VMXE stays set (host-owned), PGE set by the guest');
  const gp = exitOf({ setup: '  VMW EXCEPTION_BITMAP, 0x2000', guest: 'mov rax, cr4\nand rax, ~0x2000\nmov cr4, rax' });
  assert.equal(gp.field(F.VM_EXIT_INTR_INFO), 0x80000b0dn, 'clearing an unowned fixed bit is #GP(0)');
});

test('MOV to CR3 exits with CR3-load exiting unless the value is a CR3-target value; MOV from CR3 with store exiting', { skip }, () => {
  const e = exitOf({ primary: Defaults.primary | P.cr3Load, guest: 'mov rax, cr3\nmov cr3, rax' });
  assert.equal(e.reason, 28n);
  assert.equal(e.qualification, 3n);
  const target = exitOf({ primary: Defaults.primary | P.cr3Load, setup: '  VMW CR3_TARGET_COUNT, 1\n  mov rbx, cr3\n  VMW CR3_TARGET_VALUE0, rbx', guest: 'mov rax, cr3\nmov cr3, rax\nvmcall' });
  assert.equal(target.reason, 18n, 'a target value does not exit');
  const store = exitOf({ primary: Defaults.primary | P.cr3Store, guest: 'mov r9, cr3' });
  assert.equal(store.qualification, BigInt(3 | (1 << 4) | (9 << 8)));
  const cr8 = exitOf({ primary: Defaults.primary | P.cr8Load, guest: 'mov rdx, 5\nmov cr8, rdx' });
  assert.equal(cr8.qualification, BigInt(8 | (2 << 8)));
});

test('MOV DR exits (29): DR number, direction, register', { skip }, () => {
  const e = exitOf({ primary: Defaults.primary | P.movDr, guest: 'mov rbx, dr7' });
  assert.equal(e.reason, 29n);
  assert.equal(e.qualification, BigInt(7 | 0x10 | (3 << 8)));
});

test('I/O exits (30): unconditional exiting; bitmaps select ports; string forms report the linear address', { skip }, () => {
  const out = exitOf({ primary: Defaults.primary | P.unconditionalIo, guest: 'mov dx, 0x3f8\nmov al, 0x41\nout dx, al' });
  assert.equal(out.reason, 30n);
  assert.equal(out.qualification, 0x3f80000n);
  const setBit = '  mov byte [0x202000 + 0x80/8], 1\n  VMW IO_BITMAP_A, 0x202000\n  VMW IO_BITMAP_B, 0x203000';
  const inw = exitOf({ primary: Defaults.primary | P.ioBitmaps, setup: setBit, guest: 'mov dx, 0x7f\nout dx, al\nmov dx, 0x7f\nin ax, dx' });
  assert.equal(inw.qualification, BigInt(1 | 8 | (0x7f << 16)), 'a 2-byte IN from 0x7f covers 0x80');
  assert.equal(inw.field(F.GUEST_RIP) > 0n, true);
  const str = exitOf({ primary: Defaults.primary | P.ioBitmaps, setup: setBit, guest: 'mov dx, 0x80\nmov rsi, 0x300000\nmov ecx, 4\nrep outsb' });
  assert.equal(str.qualification, BigInt(0x10 | 0x20 | (0x80 << 16)));
  assert.equal(str.field(F.GUEST_LINEAR_ADDRESS), 0x300000n);
});

test('RDMSR/WRMSR exit (31/32) per the MSR bitmap; MSRs outside both ranges always exit', { skip }, () => {
  const bitmap = '  VMW MSR_BITMAP, 0x204000\n  mov byte [0x204000 + 0x800 + 0x174/8], 0x10'; // write-low, MSR 0x174
  const e = exitOf({ primary: Defaults.primary | P.msrBitmaps, setup: bitmap, guest: 'mov ecx, 0x174\nrdmsr\nwrmsr' });
  assert.equal(e.reason, 32n, 'the read passes, the write exits');
  assert.equal(exitOf({ primary: Defaults.primary | P.msrBitmaps, setup: bitmap, guest: 'mov ecx, 0x40000000\nrdmsr' }).reason, 31n);
  assert.equal(exitOf({ guest: 'mov ecx, 0x174\nrdmsr' }).reason, 31n, 'without MSR bitmaps every RDMSR exits');
});

test('exceptions exit (0) per the exception bitmap; #PF uses the error-code mask/match rule and leaves CR2', { skip }, () => {
  const gp = exitOf({ setup: '  VMW EXCEPTION_BITMAP, 0x2000', guest: 'mov rax, 0x8000000000000000\nmov rbx, [rax]' });
  assert.equal(gp.reason, 0n);
  assert.equal(gp.field(F.VM_EXIT_INTR_INFO), 0x80000b0dn, '#GP with error code');
  assert.equal(gp.field(F.VM_EXIT_INTR_ERROR_CODE), 0n);
  const pfGuest = 'mov rbx, 0x7fffff000000\nmov rax, [rbx]';
  const pf = exitOf({ setup: '  VMW EXCEPTION_BITMAP, 0x4000', guest: pfGuest });
  assert.equal(pf.field(F.VM_EXIT_INTR_INFO), 0x80000b0en);
  assert.equal(pf.qualification, 0x7fffff000000n);
  assert.equal(pf.t.cpu.cr2, 0, 'CR2 unchanged by a #PF that exits');
  // bit 14 set, but (PFEC & 1) == 1 does not match a not-present fault: no exit, the guest triple-faults instead
  const nomatch = exitOf({ setup: '  VMW EXCEPTION_BITMAP, 0x4000\n  VMW PAGE_FAULT_ERROR_CODE_MASK, 1\n  VMW PAGE_FAULT_ERROR_CODE_MATCH, 1', guest: pfGuest });
  assert.equal(nomatch.reason, 2n);
  // bit 14 clear and the error code does not match: exit
  const inverse = exitOf({ setup: '  VMW PAGE_FAULT_ERROR_CODE_MASK, 1\n  VMW PAGE_FAULT_ERROR_CODE_MATCH, 1', guest: pfGuest });
  assert.equal(inverse.reason, 0n);
});

test('INT3 exits per exception bitmap bit 3 as a software exception (type 6) with its instruction length', { skip }, () => {
  const e = exitOf({ setup: '  VMW EXCEPTION_BITMAP, 8', guest: 'nop\nint3' });
  assert.equal(e.reason, 0n);
  assert.equal(e.field(F.VM_EXIT_INTR_INFO), 0x80000603n);
  assert.equal(e.field(F.VM_EXIT_INSTRUCTION_LEN), 1n);
});

test('an exception raised while delivering another exits per the bitmap, with the first event as IDT-vectoring information', { skip }, () => {
  // The guest IDT holds no gates: delivering #UD raises #GP(6 * 8 + 2 + EXT), EXT = 1 for an exception (SDM 6.13; Bochs agrees).
  const e = exitOf({ setup: '  VMW GUEST_IDTR_BASE, 0x207000\n  VMW GUEST_IDTR_LIMIT, 0xfff\n  VMW EXCEPTION_BITMAP, 0x2000', guest: 'ud2' });
  assert.equal(e.reason, 0n);
  assert.equal(e.field(F.VM_EXIT_INTR_INFO), 0x80000b0dn, '#GP with error code');
  assert.equal(e.field(F.VM_EXIT_INTR_ERROR_CODE), 0x33n);
  assert.equal(e.field(F.IDT_VECTORING_INFO), 0x80000306n, '#UD was being delivered');
});

test('a triple fault in the guest is exit reason 2, not a machine shutdown', { skip }, () => {
  const e = exitOf({ guest: 'ud2' });
  assert.equal(e.reason, 2n);
  e.t.assertStop('halt');
});

test('preemption timer: value 0 exits (52) before the first guest instruction; a running timer exits later and saves 0', { skip }, () => {
  const now = exitOf({ pin: Defaults.pin | (1 << 6), guest: 'mov r12, 1\nvmcall' });
  assert.equal(now.reason, 52n);
  assert.equal(now.t.cpu.getGpr(12), 0n);
  const later = exitOf({ pin: Defaults.pin | (1 << 6), exit: Defaults.exit | (1 << 22), setup: '  VMW VMX_PREEMPTION_TIMER_VALUE, 10', guest: 'spin: inc r12\njmp spin' });
  assert.equal(later.reason, 52n);
  assert.ok(later.t.cpu.getGpr(12) > 100n, `the guest ran ${later.t.cpu.getGpr(12)} iterations`);
  assert.equal(later.field(F.VMX_PREEMPTION_TIMER_VALUE), 0n);
});

test('monitor trap flag exits (37) after one guest instruction with RIP at the next one', { skip }, () => {
  const e = exitOf({ primary: Defaults.primary | P.mtf, guest: 'mov r12, 7\nmov r12, 8' });
  assert.equal(e.reason, 37n);
  assert.equal(e.t.cpu.getGpr(12), 7n);
});

test('interrupt-window exiting exits (7) at once when the guest has RFLAGS.IF = 1', { skip }, () => {
  const e = exitOf({ primary: Defaults.primary | P.interruptWindow, setup: '  VMW GUEST_RFLAGS, 0x202', guest: 'mov r12, 1\nvmcall' });
  assert.equal(e.reason, 7n);
  assert.equal(e.t.cpu.getGpr(12), 0n);
});

test('interrupt-window exiting: after STI the exit waits for the end of the STI shadow', { skip }, () => {
  const e = exitOf({ primary: Defaults.primary | P.interruptWindow, guest: 'mov r13, 1\nsti\nmov r13, 2\nmov r12, 1\nvmcall' });
  assert.equal(e.reason, 7n);
  assert.equal(e.t.cpu.getGpr(13), 2n, 'the instruction after STI ran');
  assert.equal(e.t.cpu.getGpr(12), 0n);
});

test('a host loop: handle CPUID exits, advance RIP by the exit instruction length, VMRESUME', { skip }, () => {
  const t = vmxTest({
    primary: Defaults.primary | P.hlt,
    guest: 'mov r12, 0\nagain: cpuid\ninc r12\ncmp r12, 3\njne again\nhlt',
    host: `
  mov rdx, VM_EXIT_REASON
  vmread rax, rdx
  cmp rax, 12
  je done
  inc r13
  mov rdx, GUEST_RIP
  vmread rbx, rdx
  mov rdx, VM_EXIT_INSTRUCTION_LEN
  vmread rcx, rdx
  add rbx, rcx
  mov rdx, GUEST_RIP
  vmwrite rdx, rbx
  vmresume
  mov r15, 0xbad
done:
  hlt`,
  }).runToStop();
  t.assertStop('halt');
  assert.equal(t.cpu.getGpr(13), 3n, 'three CPUID exits');
  assert.equal(t.cpu.getGpr(15), 0n);
  assert.equal(t.machine.vmx.exits.map((e) => e.reason).join(','), '10,10,10,12');
  assert.equal(t.machine.vmx.exitCounts.get(10), 3);
});

test('event injection: an external interrupt is delivered through the guest IDT on VM entry', { skip }, () => {
  const e = exitOf({
    primary: Defaults.primary | P.hlt,
    setup: `
${setGate(0x20, 'guest_isr', '0x207000')}
  VMW GUEST_IDTR_BASE, 0x207000
  VMW GUEST_IDTR_LIMIT, 0xfff
  VMW GUEST_RFLAGS, 0x202
  VMW VM_ENTRY_INTR_INFO, 0x80000020`,
    guest: 'mov r12, 1\nhlt',
    extra: 'guest_isr:\n  mov r12, 0x77\n  hlt',
  });
  assert.equal(e.reason, 12n);
  assert.equal(e.t.cpu.getGpr(12), 0x77n);
  assert.equal(e.field(F.VM_ENTRY_INTR_INFO) >> 31n, 0n, 'the exit cleared the valid bit');
  assert.equal(e.field(F.IDT_VECTORING_INFO), 0n, 'the delivery had completed');
  assert.equal(e.field(F.GUEST_RSP), 0x210000n - 40n, 'a 5-qword interrupt frame on the guest stack');
});

test('VM-exit MSR-store and MSR-load lists: guest values stored, host values loaded; a bad host entry is a VMX abort', { skip }, () => {
  const lists = `
  mov dword [0x206000], 0x174
  mov dword [0x206010], 0x174
  mov dword [0x206018], 0x99
  VMW VM_EXIT_MSR_STORE_ADDR, 0x206000
  VMW VM_EXIT_MSR_STORE_COUNT, 1
  VMW VM_EXIT_MSR_LOAD_ADDR, 0x206010
  VMW VM_EXIT_MSR_LOAD_COUNT, 1`;
  const e = exitOf({ setup: lists, guest: 'mov ecx, 0x174\nxor edx, edx\nmov eax, 0x42\nwrmsr' });
  assert.equal(e.reason, 32n, 'the WRMSR itself exits (no MSR bitmaps)');
  const t = vmxTest({
    primary: Defaults.primary | (1 << 28),
    setup: `${lists}\n  VMW MSR_BITMAP, 0x204000`,
    guest: 'mov ecx, 0x174\nxor edx, edx\nmov eax, 0x42\nwrmsr\ncpuid',
    host: '  mov ecx, 0x174\n  rdmsr\n  hlt',
  }).runToStop();
  assert.equal(t.machine.mem.read64(0x206008), 0x42n, 'guest SYSENTER_CS stored on exit');
  assert.equal(t.cpu.getGpr(0), 0x99n, 'host SYSENTER_CS loaded on exit');
  const abort = vmxTest({ setup: `${lists}\n  mov dword [0x206010], 0xc0000100`, guest: 'cpuid' }).runToStop();
  abort.assertStop('shutdown', /VMX abort 4/);
  assert.equal(abort.machine.mem.read32(0x201004), 4, 'abort indicator in the VMCS region');
});

test('a halted guest (no HLT exiting) is woken by its preemption timer: exit 52 with activity state HLT', { skip }, () => {
  const e = exitOf({ pin: Defaults.pin | (1 << 6), setup: '  VMW VMX_PREEMPTION_TIMER_VALUE, 100', guest: 'hlt\nmov r12, 1' });
  assert.equal(e.reason, 52n);
  assert.equal(e.field(F.GUEST_ACTIVITY_STATE), 1n, 'HLT');
  assert.equal(e.t.cpu.getGpr(12), 0n);
  assert.ok(e.t.cpu.instret >= 3200, 'time passed while the guest was halted');
});
