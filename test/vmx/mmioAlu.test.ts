import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hasNasm, nasm } from '../machine/cpuRunner';
import { Machine } from '../../src/machine/machine';
import { alu } from '../../src/machine/hypervisor/mmioAlu';

const skip = !hasNasm() && 'nasm is not installed';
const STATUS = 0x8d5n;

function run(source: string) {
  const machine = new Machine({ memoryMB: 64, devices: { console: true } });
  const hypervisor = machine.loadGuest(nasm(`mov rbx, 0xd0000000\nlea rbp, [rel ram]\n${source}\nhlt\nalign 8\nram: dq 0, 0`));
  const stop = machine.run(1_000_000);
  return { machine, hypervisor, stop, gpr: (i: number) => machine.cpu.getGpr(i) };
}

test('MMIO emulation: OR into the virtio Status register builds ACKNOWLEDGE | DRIVER the way drivers write it', { skip }, () => {
  const { stop, gpr, hypervisor } = run(`
  mov dword [rbx + 0x70], 0
  or dword [rbx + 0x70], 1
  or dword [rbx + 0x70], 2
  mov eax, [rbx + 0x70]
  test dword [rbx + 0x70], 2
  setnz cl`);
  assert.equal(stop.reason, 'halt', stop.detail);
  assert.equal(gpr(0), 3n);
  assert.equal(gpr(1) & 0xffn, 1n);
  assert.equal(hypervisor.mmio.accesses.get(0xd0000000), 5);
});

/**
 * Each form runs twice in the same guest: on the device register (emulated after an EPT
 * violation) and on a RAM copy of the value it read (executed by the CPU); the status
 * flags (PUSHFQ) and the results must agree.
 */
const FORMS: [string, string][] = [
  ['cmp dword [M + 0x100], 0x50', 'config cols vs its value'],
  ['cmp word [M + 0x102], 0x7fff', 'borrow and sign'],
  ['cmp byte [M + 0x100], 0x51', 'negative result'],
  ['test dword [M + 0x100], 0x40', 'TEST keeps the value'],
  ['test byte [M + 0x102], 0x80', 'TEST zero'],
  ['cmp ecx, [M + 0x100]', 'register on the left'],
  ['add edx, [M + 0x100]', 'register destination'],
  ['sub r10w, [M + 0x102]', 'REX register, 16-bit'],
  ['and r11, [M + 0x100]', '8-byte operand'],
  ['xor sil, [M + 0x102]', 'byte register'],
];

for (const [form, what] of FORMS) {
  test(`MMIO emulation agrees with the CPU on '${form}' (${what})`, { skip }, () => {
    const setup = `
  mov rcx, 0x7fffffff
  mov rdx, 0xfffffff0
  mov r10, 0x8000
  mov r11, -1
  mov rsi, 0x55`;
    const copy = `
  mov rax, [rbx + 0x100]
  mov [rbp + 0x100 - 0x100], rax`;
    const onDevice = form.replace('M + 0x100', 'rbx + 0x100').replace('M + 0x102', 'rbx + 0x102');
    const onRam = form.replace('M + 0x100', 'rbp').replace('M + 0x102', 'rbp + 2');
    const { stop, gpr } = run(`${copy}
${setup}
  ${onDevice}
  pushfq
  pop r8
  mov r12, rcx
  mov r13, rdx
  mov r14, r10
  mov r15, r11
  mov rdi, rsi
${setup}
  ${onRam}
  pushfq
  pop r9`);
    assert.equal(stop.reason, 'halt', stop.detail);
    assert.equal(gpr(8) & STATUS, gpr(9) & STATUS, `flags: device ${gpr(8).toString(16)} vs RAM ${gpr(9).toString(16)}`);
    assert.deepEqual([gpr(12), gpr(13), gpr(14), gpr(15), gpr(7)], [gpr(1), gpr(2), gpr(10), gpr(11), gpr(6)], 'register results');
  });
}

test('ALU flags: add carry/overflow, sub borrow, logic clears CF/OF', () => {
  assert.deepEqual(alu('add', 0xffn, 1n, 1), { value: 0n, flags: 0x1n | 0x4n | 0x10n | 0x40n });
  assert.deepEqual(alu('add', 0x7fn, 1n, 1), { value: 0x80n, flags: 0x10n | 0x80n | 0x800n });
  assert.deepEqual(alu('sub', 0n, 1n, 4), { value: 0xffffffffn, flags: 0x1n | 0x4n | 0x10n | 0x80n });
  assert.deepEqual(alu('cmp', 5n, 5n, 2), { value: undefined, flags: 0x4n | 0x40n });
  assert.deepEqual(alu('or', 0x80n, 1n, 1), { value: 0x81n, flags: 0x4n | 0x80n });
});
