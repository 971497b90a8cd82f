import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Machine } from '../../src/machine/machine';
import { Errno, Hc } from '../../src/machine/xen/abi';
import { assembleGuest, RAM, runXenGuest, xenMachine } from './harness';
import { idtData } from '../support/guestPreludes';

test('CPUID 0x40000000-0x40000004: Xen signature, version 4.17, hypercall page MSR, HVM features', () => {
  const { machine, stop } = runXenGuest(`
    mov eax, 0x40000000
    cpuid
    mov [0x300000], eax
    mov [0x300004], ebx
    mov [0x300008], ecx
    mov [0x30000c], edx
    mov eax, 0x40000001
    cpuid
    mov [0x300010], eax
    mov eax, 0x40000002
    cpuid
    mov [0x300014], eax
    mov [0x300018], ebx
    mov eax, 0x40000004
    xor ecx, ecx
    cpuid
    mov [0x30001c], eax
    mov [0x300020], ecx
    hlt`);
  assert.equal(stop.reason, 'halt');
  const u32 = (at: number) => machine.mem.read32(RAM + 0x300000 + at);
  assert.equal(u32(0), 0x40000004);
  assert.equal(Buffer.from(machine.mem.peek(RAM + 0x300004, 12)).toString('latin1'), 'XenVMMXenVMM');
  assert.equal(u32(0x10), (4 << 16) | 17);
  assert.equal(u32(0x14), 1);
  assert.equal(u32(0x18), 0x40000000);
  assert.equal(u32(0x1c), (1 << 3) | (1 << 4));
  assert.equal(u32(0x20), 1, 'domain id 1');
});

test('the default personality stays KVM-style: Hyperscope signature, KVM VMCALLs logged', () => {
  const machine = new Machine({ memoryMB: 64 });
  const hv = machine.loadGuest(assembleGuest(`
    mov eax, 0x40000000
    cpuid
    mov [0x300000], ebx
    mov eax, 0x7777
    vmcall
    mov eax, 3
    vmcall
    hlt`));
  assert.equal(machine.run(100_000).reason, 'halt');
  assert.equal(hv.xen, undefined);
  assert.equal(Buffer.from(machine.mem.peek(RAM + 0x300000, 4)).toString('latin1'), 'Hype');
  const log = hv.hypercalls.describe();
  assert.equal(log.total, 2);
  assert.deepEqual(log.log.map((r) => [r.personality, r.number, r.result, r.error]), [
    ['kvm', 0x7777, '-0x3e8', 'KVM_ENOSYS'],
    ['kvm', 3, '0x0', undefined],
  ]);
  assert.equal(log.counts['KVM_HC_FEATURES'], 1);
});

test('WRMSR 0x40000000 fills the hypercall page: mov eax, n; vmcall; ret per 32-byte entry, iret = ud2', () => {
  const { machine, xen, stop } = runXenGuest(`
    mov ecx, 0x40000000
    mov eax, 0x200000
    xor edx, edx
    wrmsr
    rdmsr
    mov [0x300000], eax
    mov edi, 0                ; XENVER_version
    call 0x200000 + 17 * 32
    mov [0x300008], rax
    hlt`);
  assert.equal(stop.reason, 'halt', stop.detail);
  const page = machine.mem.peek(RAM + 0x200000, 4096);
  assert.deepEqual([...page.subarray(17 * 32, 17 * 32 + 9)], [0xb8, 17, 0, 0, 0, 0x0f, 0x01, 0xc1, 0xc3]);
  assert.deepEqual([...page.subarray(23 * 32, 23 * 32 + 2)], [0x0f, 0x0b]);
  assert.equal(machine.mem.read32(RAM + 0x300000), 0x200000);
  assert.equal(machine.mem.read64(RAM + 0x300008), BigInt((4 << 16) | 17));
  assert.equal(xen.state.hypercallPage, 0x200000);
  const record = xen.monitor.log.at(-1)!;
  assert.equal(record.name, 'xen_version');
  assert.equal(record.rip, '0x200225');
});

test('hypercall-page MSR with a page index other than 0, or outside guest RAM, is #GP', () => {
  const { machine, stop } = runXenGuest(`
    lidt [idtr]
    mov ecx, 0x40000000
    mov eax, 0x200001
    xor edx, edx
    wrmsr
    hlt
  gp:
    mov byte [0x300000], 13
    hlt
${idtData({ 13: 'gp' })}`);
  assert.equal(stop.reason, 'halt', stop.detail);
  assert.equal(machine.mem.read8(RAM + 0x300000), 13);
});

test('unknown hypercall numbers are -ENOSYS; a hypercall from CPL 3 is -EPERM; listeners see every call in order', () => {
  const h = xenMachine();
  const seen: string[] = [];
  h.xen.monitor.onHypercall.push((r) => seen.push(`a:${r.name}`), (r) => seen.push(`b:${r.result}`));
  assert.equal(h.call(0), -BigInt(Errno.ENOSYS));
  assert.equal(h.call(200), -BigInt(Errno.ENOSYS));
  h.xen.handleVmcall(0x100000n);
  assert.deepEqual(seen, ['a:set_trap_table', 'b:-0x26']);
  const { machine, xen } = runXenGuest(`
    mov ax, 0x23
    push 0x23
    push 0x80000
    push 0x2
    push 0x2b
    push user
    iretq
  user:
    mov eax, 17
    xor edi, edi
    vmcall
    mov [0x300000], rax
    jmp $`, {}, 200);
  assert.equal(machine.mem.read64(RAM + 0x300000), BigInt.asUintN(64, -BigInt(Errno.EPERM)));
  assert.equal(xen.monitor.log.at(-1)?.error, 'EPERM');
});

test('xen_version sub-ops and errors', () => {
  const h = xenMachine();
  assert.equal(h.call(Hc.xen_version, 0), BigInt((4 << 16) | 17));
  assert.equal(h.call(Hc.xen_version, 7), 4096n);
  assert.equal(h.call(Hc.xen_version, 1, 0x300000), 0n);
  assert.equal(Buffer.from(h.machine.mem.peek(RAM + 0x300000, 13)).toString('latin1'), '.0-hyperscope');
  assert.equal(h.call(Hc.xen_version, 3, 0x300000), 0n);
  assert.match(Buffer.from(h.machine.mem.peek(RAM + 0x300000, 14)).toString('latin1'), /^hvm-3.0-x86_64/);
  h.put(0x300000, [[4, 0], [4, 0]]);
  assert.equal(h.call(Hc.xen_version, 6, 0x300000), 0n);
  assert.equal(h.u32(0x300004) & (1 << 8), 1 << 8, 'XENFEAT_hvm_callback_vector');
  assert.equal(h.call(Hc.xen_version, 5, 0x300000), 0n);
  assert.equal(h.u64(0x300000), 0xffff800000000000n);
  for (const cmd of [2, 4, 8, 9]) assert.equal(h.call(Hc.xen_version, cmd, 0x300000), 0n);
  assert.equal(h.call(Hc.xen_version, 1, 0x7fff_ffff_f000n), -BigInt(Errno.EFAULT));
  assert.equal(h.call(Hc.xen_version, 1, 0x8000_0000_0000n), -BigInt(Errno.EFAULT), 'non-canonical');
  assert.equal(h.call(Hc.xen_version, 6, 0x10_0000_0000n), -BigInt(Errno.EFAULT));
  assert.equal(h.call(Hc.xen_version, 99), -BigInt(Errno.ENOSYS));
});

test('console_io: write to the machine console, read from debug-console input, errors', () => {
  const h = xenMachine();
  h.machine.mem.load(RAM + 0x300000, new TextEncoder().encode('hi xen'));
  assert.equal(h.call(Hc.console_io, 0, 6, 0x300000), 0n);
  assert.equal(h.machine.consoleText, 'hi xen');
  assert.equal(h.call(Hc.console_io, 0, 6, 0x7fff_0000_0000n), -BigInt(Errno.EFAULT));
  assert.equal(h.call(Hc.console_io, 0, 1 << 20, 0x300000), -BigInt(Errno.EINVAL));
  h.xen.consoleInput(new TextEncoder().encode('abc'));
  assert.equal(h.call(Hc.console_io, 1, 2, 0x300100), 2n);
  assert.equal(Buffer.from(h.machine.mem.peek(RAM + 0x300100, 2)).toString('latin1'), 'ab');
  assert.equal(h.call(Hc.console_io, 1, 10, 0x300100), 1n);
  assert.equal(h.call(Hc.console_io, 1, 10, 0x300100), 0n);
  assert.equal(h.call(Hc.console_io, 7, 0, 0), -BigInt(Errno.ENOSYS));
});

test('hvm_op: callback vector parameter validated, get_param reads it back', () => {
  const h = xenMachine();
  const param = (index: number, value: bigint, dom = 0x7ff0) => h.put(0x300000, [[2, dom], [2, 0], [4, index], [8, value]]);
  param(0, (2n << 56n) | 0xf3n);
  assert.equal(h.call(Hc.hvm_op, 0, 0x300000), 0n);
  param(0, 0n);
  assert.equal(h.call(Hc.hvm_op, 1, 0x300000), 0n);
  assert.equal(h.u64(0x300008), (2n << 56n) | 0xf3n);
  param(0, (2n << 56n) | 0x05n);
  assert.equal(h.call(Hc.hvm_op, 0, 0x300000), -BigInt(Errno.EINVAL), 'exception vectors are refused');
  param(0, (1n << 56n) | 5n);
  assert.equal(h.call(Hc.hvm_op, 0, 0x300000), -BigInt(Errno.EINVAL), 'only type "vector"');
  param(77, 1n);
  assert.equal(h.call(Hc.hvm_op, 0, 0x300000), -BigInt(Errno.EINVAL));
  param(0, 0n, 5);
  assert.equal(h.call(Hc.hvm_op, 0, 0x300000), -BigInt(Errno.ESRCH));
  assert.equal(h.call(Hc.hvm_op, 0, 0x7fff_0000_0000n), -BigInt(Errno.EFAULT));
  assert.equal(h.call(Hc.hvm_op, 9, 0x300000), -BigInt(Errno.ENOSYS));
  param(0x101, 1n);
  assert.equal(h.call(Hc.hvm_op, 0, 0x300000), -BigInt(Errno.EINVAL), 'console port before the ring grant');
});

test('guest pointers are guest-virtual: a buffer mapped high by the guest\'s own page tables reaches console_io; an unmapped one is -EFAULT', () => {
  const { machine, xen, stop } = runXenGuest(`
    ; map linear 0xffff800000000000 (PML4 slot 256) → guest-physical 0x300000 with a PDPT/PD/PT of our own
    mov qword [0x5000 + 256 * 8], 0x310003
    mov qword [0x310000], 0x311003
    mov qword [0x311000], 0x312003
    mov qword [0x312000], 0x300003
    mov rax, cr3
    mov cr3, rax
    mov rsi, message
    mov rdi, 0x300000
    mov ecx, 9
    rep movsb
    mov eax, 18                 ; console_io(CONSOLEIO_write, 9, high address)
    xor edi, edi
    mov esi, 9
    mov rdx, 0xffff800000000000
    vmcall
    mov [0x300100], rax
    mov eax, 18
    xor edi, edi
    mov esi, 9
    mov rdx, 0xffff800000200000  ; not mapped
    vmcall
    mov [0x300108], rax
    hlt
  message: db 'high addr'`);
  assert.equal(stop.reason, 'halt', stop.detail);
  assert.equal(machine.consoleText, 'high addr');
  assert.equal(machine.mem.read64(RAM + 0x300100), 0n);
  assert.equal(machine.mem.read64(RAM + 0x300108), BigInt.asUintN(64, -BigInt(Errno.EFAULT)));
  assert.equal(xen.monitor.log.at(-1)?.error, 'EFAULT');
});
