import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hasNasm, nasm } from '../machine/cpuRunner';
import { Machine } from '../../src/machine/machine';
import type { GuestModeOptions } from '../../src/machine/hypervisor/guestSetup';
import { HostLayout } from '../../src/machine/hypervisor/layout';
import { F } from '../../src/machine/vmx/fields';
import { traceGuestWalk } from '../../src/machine/vmx/guestWalk';

const skip = !hasNasm() && 'nasm is not installed';

function guest(source: string, options: GuestModeOptions = {}) {
  const machine = new Machine({ memoryMB: 64 });
  const hypervisor = machine.loadGuest(nasm(source), options);
  const stop = machine.run(1_000_000);
  return { machine, hypervisor, stop };
}

test('guest mode: serial output through I/O exits, CPUID hypervisor leaf, VMCALL console write, HLT stops the VM', { skip }, () => {
  const { machine, hypervisor, stop } = guest(`
  mov dx, 0x3f8
  mov al, 'H'
  out dx, al
  mov al, 'i'
  out dx, al
  mov eax, 0x40000000
  cpuid
  mov r12d, ebx
  mov r13d, ecx
  mov r14d, edx
  mov eax, 0x100
  mov ebx, msg
  mov ecx, 3
  vmcall
  mov r15, rax
  mov eax, 1
  cpuid
  mov ebp, ecx
  hlt
msg: db '!ok'`);
  assert.equal(stop.reason, 'halt', stop.detail);
  assert.match(stop.detail, /guest executed HLT/);
  assert.equal(machine.consoleText, 'Hi!ok');
  const sig = [12, 13, 14].map((r) => Buffer.from(new Uint32Array([Number(machine.cpu.getGpr(r))]).buffer).toString()).join('');
  assert.equal(sig, 'HyperscopeHV');
  assert.equal(machine.cpu.getGpr(15), 3n, 'the hypercall returned the byte count');
  assert.equal(Number(machine.cpu.getGpr(5)) & (1 << 5), 0, 'no VMX for the guest');
  assert.ok(Number(machine.cpu.getGpr(5)) & 0x80000000, 'hypervisor-present bit');
  assert.equal(hypervisor.stats.get('I/O instruction'), 2);
  assert.equal(hypervisor.stats.get('CPUID'), 2);
  assert.deepEqual(machine.vmx.exits.map((e) => e.reason), [30, 30, 10, 18, 10, 12]);
});

test('guest mode: guest RAM sits at a different host-physical address (GPA ≠ HPA)', { skip }, () => {
  const { machine, stop } = guest('mov qword [0x200000], 0x1234\nhlt');
  assert.equal(stop.reason, 'halt');
  assert.equal(machine.mem.read64(HostLayout.guestRamBase + 0x200000), 0x1234n);
  assert.equal(machine.mem.read64(0x200000) === 0x1234n, false);
});

test('guest mode: an access outside guest RAM is an EPT violation reported with the GPA', { skip }, () => {
  const { stop, machine } = guest('mov rbx, 0x40000000\nmov rax, [rbx]\nhlt', { guestMemoryMB: 16 });
  assert.equal(stop.reason, 'vm-exit');
  assert.match(stop.detail, /EPT violation: read of unmapped guest-physical 0x40000000/);
  assert.equal(machine.vmx.current!.get(F.GUEST_PHYSICAL_ADDRESS), 0x40000000n);
});

test('guest mode: a triple fault crashes the VM with the cause', { skip }, () => {
  const { stop } = guest('ud2');
  assert.equal(stop.reason, 'triple-fault');
  assert.match(stop.detail, /VM crashed: triple fault in the guest at RIP 0x100000/);
});

test('guest mode: the debug-exit port ends the run with the exit code; HLT exiting can be turned off', { skip }, () => {
  const { stop } = guest('mov al, 7\nout 0xf4, al\nhlt');
  assert.equal(stop.reason, 'exit');
  const native = guest('hlt', { hltExiting: false });
  assert.equal(native.stop.reason, 'halt');
  assert.equal(native.machine.vmx.exits.length, 0);
});

test('guest mode: CR3 exiting and the preemption timer are configurable', { skip }, () => {
  const { machine, stop } = guest('mov rax, cr3\nmov cr3, rax\nmov ecx, 1000\nspin: dec ecx\njnz spin\nhlt', { cr3Exiting: true, preemptionTimer: 10 });
  assert.equal(stop.reason, 'halt', stop.detail);
  const reasons = machine.vmx.exits.map((e) => e.reason);
  assert.deepEqual(reasons.slice(0, 2), [28, 28]);
  assert.ok(reasons.filter((r) => r === 52).length > 3, 'preemption-timer exits');
});

test('reverse execution across VM exits restores VMX operation, the VMCS and the exit log', { skip }, () => {
  const source = 'mov r12, 0\nagain: cpuid\ninc r12\ncmp r12, 200\njne again\nhlt';
  const boot = (): Machine => {
    const machine = new Machine({ memoryMB: 64 });
    machine.loadGuest(nasm(source));
    return machine;
  };
  const state = (m: Machine): string => `${m.cpu.getGpr(12)} ${m.cpu.rip} ${m.vmx.operation} ${m.vmx.exits.length} ${m.vmx.current!.get(F.GUEST_RIP)} ${m.cpu.instret}`;
  const machine = boot();
  machine.enableReverseExecution(50);
  machine.run(333);
  const earlier = state(machine);
  machine.run(400);
  machine.timeTravel!.goTo(333);
  assert.equal(state(machine), earlier);
  machine.run(400);
  const reference = boot();
  // VM exits use budget without retiring an instruction: run until the same instruction count.
  while (reference.cpu.instret < 733) reference.run(733 - reference.cpu.instret);
  assert.equal(state(machine), state(reference));
  assert.equal(machine.run(1_000_000).reason, 'halt');
  assert.equal(machine.vmx.exitCounts.get(10), 200);
});

test('the guest walk trace after an exit: guest 2 MiB pages under EPT 2 MiB pages (3 × (3 + 1) + 3 = 15 accesses)', { skip }, () => {
  const { machine } = guest('mov rax, [0x200010]\nhlt');
  const trace = traceGuestWalk(machine.vmx, 0x200010)!;
  assert.equal(trace.steps.length, 15);
  assert.deepEqual(trace.steps.map((s) => s.table[0]).join(''), 'eeeg'.repeat(3) + 'eee');
  assert.equal(trace.guestPhysical, 0x200010);
  assert.equal(trace.physical, HostLayout.guestRamBase + 0x200010);
  const missing = traceGuestWalk(machine.vmx, 0x7fff0000)!;
  assert.match(missing.fault ?? '', /EPT could not translate guest-physical 0x7fff0000/);
});

test('guest mode: the guest sees CR4.VMXE = 0 and may rewrite CR4 without breaking the next VM entry', { skip }, () => {
  const { machine, stop } = guest('mov rax, cr4\nmov r12, rax\nor rax, 0x80\nmov cr4, rax\ncpuid\nhlt');
  assert.equal(stop.reason, 'halt', stop.detail);
  assert.equal(machine.cpu.getGpr(12) & 0x2000n, 0n);
  assert.equal(machine.vmx.lastEntryFailure, undefined);
});

test('guest mode: REP OUTSB to the serial port is emulated (string I/O through guest paging and EPT)', { skip }, () => {
  const { machine, stop } = guest('mov dx, 0x3f8\nmov rsi, text\nmov r13, rsi\nmov ecx, 5\ncld\nrep outsb\nmov r12, rsi\nhlt\ntext: db "hello"');
  assert.equal(stop.reason, 'halt', stop.detail);
  assert.equal(machine.consoleText, 'hello');
  assert.equal(machine.cpu.getGpr(1), 0n);
  assert.equal(machine.cpu.getGpr(12) - machine.cpu.getGpr(13), 5n, 'RSI advanced by the count');
});

test('loading a new program resets VMX operation', { skip }, () => {
  const { machine } = guest('cpuid\nhlt');
  assert.equal(machine.vmx.exits.length, 2);
  machine.loadBare(nasm('hlt'));
  assert.equal(machine.vmx.operation, 'off');
  assert.equal(machine.vmx.current, undefined);
  assert.equal(machine.vmx.exits.length, 0);
  assert.equal(machine.cpu.nonRoot, undefined);
  assert.equal(machine.run(10).reason, 'halt');
});

test('guest mode: MSR bitmap exits are emulated; a refused WRMSR is reflected as #GP; the exception bitmap reflects exceptions', { skip }, () => {
  const msr = guest('mov ecx, 0x174\nmov eax, 0x33\nxor edx, edx\nwrmsr\nrdmsr\nmov r12, rax\nhlt', { msrExits: [0x174] });
  assert.equal(msr.stop.reason, 'halt', msr.stop.detail);
  assert.equal(msr.machine.cpu.getGpr(12), 0x33n);
  assert.deepEqual(msr.machine.vmx.exits.map((e) => e.reason), [32, 31, 12]);
  // WRMSR to a read-only capability MSR, listed in the bitmap: the hypervisor's WRMSR #GPs and it reflects #GP
  const refused = guest('mov ecx, 0x480\nwrmsr\nhlt', { msrExits: [0x480] });
  assert.equal(refused.stop.reason, 'triple-fault', 'the reflected #GP finds no guest IDT');
  assert.deepEqual(refused.machine.vmx.exits.map((e) => e.reason).slice(0, 2), [32, 2]);
  const reflected = guest('ud2', { exceptionBitmap: 1 << 6 });
  assert.deepEqual(reflected.machine.vmx.exits.map((e) => e.reason), [0, 2]);
  assert.equal(reflected.stop.reason, 'triple-fault');
});
