import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hasNasm, nasm } from '../machine/cpuRunner';
import { Machine } from '../../src/machine/machine';
import { F } from '../../src/machine/vmx/fields';
import type { VirtioOptions } from '../../src/machine/devices/virtio/virtioDevices';

const skip = !hasNasm() && 'nasm is not installed';

function run(source: string, devices: VirtioOptions = { console: true }) {
  const machine = new Machine({ memoryMB: 64, devices });
  const hypervisor = machine.loadGuest(nasm(`mov rbx, 0xd0000000\n${source}\nhlt`));
  const stop = machine.run(1_000_000);
  return { machine, hypervisor, stop, gpr: (i: number) => machine.cpu.getGpr(i) };
}

test('MMIO emulation: loads of 4 bytes (zero-extending) and 8 bytes (two 32-bit accesses)', { skip }, () => {
  const { stop, gpr, hypervisor } = run(`
  mov rax, -1
  mov eax, [rbx]
  mov rcx, [rbx + 0x100]
  mov r9, -1
  mov r9d, [rbx + 8]`);
  assert.equal(stop.reason, 'halt', stop.detail);
  assert.equal(gpr(0), 0x74726976n, 'MOV r32 zero-extends into the 64-bit register');
  assert.equal(gpr(1), 0x0000000100190050n, 'cols 80, rows 25, max_nr_ports 1');
  assert.equal(gpr(9), 3n, 'REX.B register, device id 3');
  assert.equal(hypervisor.stats.get('EPT violation'), 3);
  assert.equal(hypervisor.mmio.accesses.get(0xd0000000), 3);
});

test('MMIO emulation: 1- and 2-byte loads keep the other bits; AH-style high bytes; MOVZX and MOVSX', { skip }, () => {
  const { stop, gpr } = run(`
  mov rax, 0x1111111111111111
  mov ax, [rbx + 0x102]
  mov rdx, 0x2222222222222222
  mov dl, [rbx + 0x100]
  mov dh, [rbx + 0x102]
  mov rsi, -1
  movzx esi, word [rbx + 0x100]
  mov rdi, 0
  mov byte [rbx + 0x100], 0
  movsx rdi, byte [rbx + 0x100]
  mov r12, -1
  movzx r12, byte [rbx + 0x102]`);
  assert.equal(stop.reason, 'halt', stop.detail);
  assert.equal(gpr(0), 0x1111111111110019n);
  assert.equal(gpr(2), 0x2222222222221950n);
  assert.equal(gpr(6), 80n);
  assert.equal(gpr(7), 0x50n, 'MOVSX of a positive byte');
  assert.equal(gpr(12), 25n);
});

test('MMIO emulation: MOVSX sign-extends; narrow accesses to 32-bit registers read 0', { skip }, () => {
  const { stop, gpr } = run(
    `
  movsx rax, word [rbx + 0x100]
  movsx rdx, byte [rbx + 0x100]
  mov dword [rbx + 0x70], 0xff
  mov ecx, [rbx + 0x70]
  mov rsi, -1
  movzx esi, byte [rbx + 0x70]`,
    { balloon: { targetPages: 0x8080 } },
  );
  assert.equal(stop.reason, 'halt', stop.detail);
  assert.equal(gpr(0), BigInt.asUintN(64, -0x7f80n));
  assert.equal(gpr(2), BigInt.asUintN(64, -0x80n));
  assert.equal(gpr(1), 0xb7n, 'status 0xff minus FEATURES_OK (refused: no VERSION_1) and NEEDS_RESET (the device’s)');
  assert.equal(gpr(6), 0n, 'a 1-byte read of a register is refused (reads 0)');
});

test('MMIO emulation: stores from registers (8/16/32/64-bit, REX) and immediates of every size', { skip }, () => {
  const { stop, machine, gpr } = run(`
  mov al, 'a'
  mov [rbx + 0x108], al
  mov r10b, 'b'
  mov [rbx + 0x108], r10b
  mov cx, 'c'
  mov [rbx + 0x108], cx
  mov edx, 'd'
  mov [rbx + 0x108], edx
  mov rsi, 'e'
  mov [rbx + 0x108], rsi
  mov byte [rbx + 0x108], 'f'
  mov word [rbx + 0x108], 'g'
  mov dword [rbx + 0x108], 'h'
  mov qword [rbx + 0x108], 'i'
  mov eax, 0x6a00
  mov [rbx + 0x108], ah
  movsxd r11, dword [rbx + 0x70]
  mov dword [rbx + 0x70], 3
  mov r8d, [rbx + 0x70]`);
  assert.equal(stop.reason, 'halt', stop.detail);
  assert.equal(machine.consoleText, 'abcdefghij', 'emergency writes reach the machine console');
  assert.equal(gpr(11), 0n, 'MOVSXD of the reset status');
  assert.equal(gpr(8), 3n, 'status ACKNOWLEDGE | DRIVER');
});

test('MMIO emulation: an unsupported instruction stops with the instruction text, the GPA and the device', { skip }, () => {
  const { stop, machine } = run('inc dword [rbx + 0x70]');
  assert.equal(stop.reason, 'vm-exit');
  assert.match(stop.detail, /MMIO emulation: unsupported instruction 'inc dword \[rbx\+70h\]'/);
  assert.match(stop.detail, /guest-physical 0xd0000070 \(virtio-mmio console, register page 0xd0000000\)/);
  assert.equal(machine.vmx.current!.get(F.GUEST_RIP), 0x100005n, 'RIP stays on the instruction (after the 5-byte mov ebx)');
});

test('MMIO emulation: jumping into a device register page stops with the reason', { skip }, () => {
  const { stop } = run('jmp rbx');
  assert.equal(stop.reason, 'vm-exit');
  assert.match(stop.detail, /MMIO emulation: instruction fetch from a device register page at guest RIP 0xd0000000/);
});

test('MMIO emulation: compatibility-mode code is decoded as 32-bit (CS.L = 0, CS.D = 1)', { skip }, () => {
  const machine = new Machine({ memoryMB: 64, devices: { console: true } });
  machine.loadGuest(nasm(`
  lgdt [rel gdtr]
  push 0x18                       ; 32-bit ring-0 code in our own GDT
  lea rax, [rel compat]
  push rax
  retfq
bits 32
compat:
  mov ebx, 0xd0000000
  mov eax, [0xd0000008]           ; A1 moffs32: in 64-bit decoding A1 takes an 8-byte address
  mov esi, [ebx]
  mov al, 7
  out 0xf4, al
align 8
gdt: dq 0, 0x00af9b000000ffff, 0x00cf93000000ffff, 0x00cf9b000000ffff
gdtr: dw 31
      dd gdt, 0`));
  const stop = machine.run(100_000);
  assert.equal(stop.exitCode, 7, stop.detail);
  assert.equal(machine.cpu.getGpr(0) & 0xffffff00n, 0n, 'device id 3 in EAX, then AL = 7');
  assert.equal(machine.cpu.getGpr(6), 0x74726976n);
});

test('MMIO emulation: device pages follow the configuration order; a page with no device is a plain EPT violation', { skip }, () => {
  const { stop, gpr } = run(`
  mov eax, [rbx + 0x008]
  mov ecx, [rbx + 0x1008]
  mov edx, [rbx + 0x2000]`, { console: true, balloon: true });
  assert.equal(stop.reason, 'vm-exit');
  assert.equal(gpr(0), 3n);
  assert.equal(gpr(1), 5n);
  assert.match(stop.detail, /EPT violation: read of unmapped guest-physical 0xd0002000/);
});

test('balloon in guest mode: an inflated page is unmapped in EPT (violation names the GPA and the ballooned page); deflate maps it back', { skip }, () => {
  const machine = new Machine({ memoryMB: 64, devices: { balloon: true } });
  const hypervisor = machine.loadGuest(nasm(`
  mov qword [0x300000], 0x1234
  mov rax, [0x301000]
  hlt
  mov rax, [0x300008]
  mov rcx, [0x300000]
  hlt`));
  assert.equal(hypervisor.balloon.inflate(0x300), undefined);
  let stop = machine.run(100_000);
  assert.equal(stop.reason, 'vm-exit');
  assert.match(stop.detail, /EPT violation: write to ballooned page at guest-physical 0x300000 .*virtio-balloon/);
  assert.equal(machine.vmx.current!.get(F.GUEST_PHYSICAL_ADDRESS), 0x300000n);
  assert.equal(hypervisor.balloon.deflate(0x300), undefined);
  stop = machine.run(100_000);
  assert.equal(stop.reason, 'halt', stop.detail);
  assert.equal(hypervisor.balloon.inflate(0x300), undefined);
  stop = machine.run(100_000);
  assert.match(stop.detail, /read of ballooned page at guest-physical 0x300008/);
  hypervisor.balloon.deflate(0x300);
  stop = machine.run(100_000);
  assert.equal(stop.reason, 'halt', stop.detail);
  assert.equal(machine.cpu.getGpr(1), 0x1234n, 'the page keeps its contents');
  assert.match(hypervisor.balloon.inflate(0x100000)!, /outside guest RAM/);
});
