/**
 * RDMSR/WRMSR through the registry, RDTSC/RDTSCP from the instruction count, and the
 * CPUID leaf table.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { nasmTest, recorded, slot, systemTest } from './systemHarness';
import { registerMsr, readMsr } from '../../src/machine/cpu/msrs';
import { cpuidResult } from '../../src/machine/cpu/cpuidTable';
import { Seg } from '../../src/machine/cpu/registers';

function gpAt(body: string): void {
  const t = systemTest(`${body}\n  SLOT 0, fault\nfault:\n  wrmsr\n  mov r14, 1`).runToStop();
  const r = recorded(t);
  assert.equal(r.vector, 13n, body);
  assert.equal(r.errorCode, 0n);
  assert.equal(r.rip, slot(t, 0));
  assert.equal(t.cpu.getGpr(14), 0n);
}

nasmTest('rdmsr/wrmsr of an unknown MSR raise #GP(0)', () => {
  const t = systemTest(`  mov ecx, 0x12345\n  SLOT 0, fault\nfault:\n  rdmsr`).runToStop();
  assert.equal(recorded(t).vector, 13n);
  assert.equal(recorded(t).rip, slot(t, 0));
  gpAt('  mov ecx, 0x12345');
});

nasmTest('EFER: LMA is read-only, reserved bits and LME changes under paging raise #GP', () => {
  const t = systemTest(
    `  mov ecx, 0xc0000080
  rdmsr
  mov r8, rax
  and eax, ~(1 << 10)
  wrmsr
  rdmsr
  mov r9, rax
  hlt`,
  ).runToStop();
  assert.equal(t.cpu.getGpr(8), 0xd01n);
  assert.equal(t.cpu.getGpr(9), 0xd01n, 'LMA stays set');
  gpAt('  mov ecx, 0xc0000080\n  mov eax, 0xd01 | (1 << 3)\n  xor edx, edx');
  gpAt('  mov ecx, 0xc0000080\n  mov eax, 0xd01 & ~(1 << 8)\n  xor edx, edx');
});

nasmTest('FS/GS/KERNEL_GS base, LSTAR and SYSENTER_EIP need canonical addresses', () => {
  for (const msr of [0xc0000100, 0xc0000101, 0xc0000102, 0xc0000082, 0x176]) {
    gpAt(`  mov ecx, 0x${msr.toString(16)}\n  xor eax, eax\n  mov edx, 0x00008000`);
  }
  const t = systemTest(
    `  mov ecx, 0xc0000100
  mov eax, 0x3000
  mov edx, 0
  wrmsr
  mov qword [0x3008], 0x99
  mov r8, [fs:8]
  mov ecx, 0xc0000101
  xor eax, eax
  mov edx, 0xffff8000
  wrmsr
  hlt`,
  ).runToStop();
  assert.equal(t.cpu.getGpr(8), 0x99n);
  assert.equal(t.cpu.segments[Seg.GS]!.base, -(2 ** 47));
});

nasmTest('IA32_FEATURE_CONTROL is locked at boot (value 5): writes raise #GP', () => {
  const t = systemTest(`  mov ecx, 0x3a\n  rdmsr\n  hlt`).runToStop();
  assert.equal(t.cpu.getGpr(0), 5n);
  gpAt('  mov ecx, 0x3a\n  mov eax, 5\n  xor edx, edx');
});

nasmTest('APIC_BASE, PAT and STAR read plausible values; an invalid PAT type raises #GP', () => {
  const t = systemTest(
    `  mov ecx, 0x1b
  rdmsr
  mov r8d, eax
  mov ecx, 0x277
  rdmsr
  mov r9d, eax
  mov ecx, 0xc0000081
  mov eax, 0x11223344
  mov edx, 0x00230010
  wrmsr
  rdmsr
  mov r10d, edx
  hlt`,
  ).runToStop();
  assert.equal(t.cpu.getGpr(8), 0xfee00900n);
  assert.equal(t.cpu.getGpr(9), 0x00070406n);
  assert.equal(t.cpu.getGpr(10), 0x00230010n);
  gpAt('  mov ecx, 0x277\n  mov eax, 0x00070402\n  xor edx, edx');
});

nasmTest('rdtsc counts retired instructions; writing the TSC moves it; rdtscp returns TSC_AUX', () => {
  const t = systemTest(
    `  rdtsc
  mov r8d, eax
  nop
  nop
  rdtsc
  mov r9d, eax
  mov ecx, 0x10
  mov eax, 1000
  xor edx, edx
  wrmsr
  rdtsc
  mov r10d, eax
  mov ecx, 0xc0000103
  mov eax, 7
  wrmsr
  rdtscp
  mov r11d, ecx
  hlt`,
  ).runToStop();
  assert.equal(t.cpu.getGpr(9) - t.cpu.getGpr(8), 4n, 'mov, nop, nop, rdtsc');
  assert.equal(t.cpu.getGpr(10), 1001n, 'TSC written as 1000, read one instruction later');
  assert.equal(t.cpu.getGpr(11), 7n);
});

nasmTest('CR4.TSD makes rdtsc privileged', () => {
  const t = systemTest(
    `  mov rax, cr4
  or eax, 4
  mov cr4, rax
  TO_RING3 user
user:
  SLOT 0, fault
fault:
  rdtsc`,
  ).runToStop();
  assert.equal(recorded(t).vector, 13n);
  assert.equal(recorded(t).rip, slot(t, 0));
});

nasmTest('MSRs registered by other units (the VMX capability range) are readable', () => {
  registerMsr(0x48f, { read: () => 0x1234_0000_5678n, write: () => undefined });
  const t = systemTest(`  mov ecx, 0x48f\n  rdmsr\n  hlt`).runToStop();
  assert.equal(t.cpu.getGpr(0), 0x5678n);
  assert.equal(t.cpu.getGpr(2), 0x1234n);
  assert.equal(readMsr(t.cpu, 0x48f), 0x1234_0000_5678n);
});

test('CPUID: GenuineIntel, family 6, VMX, long mode, NX, SYSCALL, 1 GiB pages, address sizes', () => {
  const [max, b, c, d] = cpuidResult(0, 0);
  assert.ok(max >= 7);
  const vendor = [b, d, c].map((x) => String.fromCharCode(x & 0xff, (x >>> 8) & 0xff, (x >>> 16) & 0xff, x >>> 24)).join('');
  assert.equal(vendor, 'GenuineIntel');
  const [signature, , ecx1, edx1] = cpuidResult(1, 0);
  assert.equal((signature >>> 8) & 0xf, 6);
  assert.equal(ecx1 & (1 << 5), 1 << 5, 'VMX');
  assert.ok(edx1 & (1 << 6), 'PAE');
  assert.ok(edx1 & (1 << 4), 'TSC');
  const [maxExtended] = cpuidResult(0x80000000, 0);
  assert.equal(maxExtended, 0x80000008);
  const [, , , edx81] = cpuidResult(0x80000001, 0);
  for (const bit of [11, 20, 26, 27, 29]) assert.ok(edx81 & (1 << bit), `CPUID.80000001h:EDX[${bit}]`);
  assert.equal(cpuidResult(0x80000008, 0)[0], 0x302e, '48 linear, 46 physical bits');
  assert.deepEqual(cpuidResult(0x1234, 0), cpuidResult(7, 0), 'an invalid leaf returns the highest basic leaf');
});

nasmTest('the cpuid instruction fills EAX/EBX/ECX/EDX and clears their upper halves', () => {
  const t = systemTest(`  mov rax, -1\n  mov rbx, -1\n  xor eax, eax\n  mov rcx, -1\n  cpuid\n  hlt`).runToStop();
  assert.equal(t.cpu.getGpr(3), 0x756e6547n, 'Genu');
  assert.equal(t.cpu.getGpr(2), 0x49656e69n, 'ineI');
  assert.equal(t.cpu.getGpr(1), 0x6c65746en, 'ntel');
});
