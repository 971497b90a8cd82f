/**
 * SYSCALL/SYSRET/SWAPGS: the STAR/LSTAR/FMASK contract, RCX/R11, CPL changes, the
 * compatibility-mode SYSRET, and the faults (#UD without EFER.SCE, #GP(0) for a
 * non-canonical RCX or CPL 3).
 */
import assert from 'node:assert/strict';
import { nasmTest, recorded, slot, systemTest } from './systemHarness';
import { Seg } from '../../src/machine/cpu/registers';

nasmTest('syscall from ring 3 enters LSTAR at CPL 0; sysretq returns to ring 3', () => {
  const t = systemTest(
    `  mov ecx, 0xc0000084
  mov eax, 0x200 | 0x100 ; FMASK: IF, TF
  xor edx, edx
  wrmsr
  TO_RING3 user, 0x202
user:
  mov rbx, 41
  SLOT 0, after_syscall
  syscall
after_syscall:
  pushfq
  pop r9
  int 0x80
kernel:
  mov [REC + 0x100], rcx
  mov [REC + 0x108], r11
  pushfq
  pop qword [REC + 0x110]
  mov [REC + 0x118], cs
  mov [REC + 0x120], ss
  inc rbx
  o64 sysret`,
    { syscallEntry: 'kernel', gates: { 0x80: { dpl: 3 } } },
  ).runToStop();
  t.assertStop('halt');
  const q = (offset: number): bigint => slot(t, (offset - 0x80) / 8);
  assert.equal(q(0x100), slot(t, 0), 'RCX = the instruction after syscall');
  assert.equal(q(0x108) & 0x200n, 0x200n, 'R11 = RFLAGS with IF');
  assert.equal(q(0x110) & 0x300n, 0n, 'FMASK cleared IF and TF in the kernel');
  assert.equal(q(0x118), 0x08n);
  assert.equal(q(0x120), 0x10n);
  assert.equal(t.cpu.getGpr(3), 42n);
  assert.equal(t.cpu.getGpr(9) & 0x200n, 0x200n, 'sysret restored IF from R11');
  const r = recorded(t);
  assert.equal(r.cs, 0x2bn, 'back in 64-bit ring 3 (STAR[63:48] + 16 | 3)');
  assert.equal(r.ss, 0x23n);
});

nasmTest('sysret without REX.W returns to 32-bit compatibility mode (CS = STAR[63:48] | 3)', () => {
  const t = systemTest(
    `  mov rax, compat
  mov rcx, rax
  mov r11, 2
  sysret
bits 32
compat:
  mov eax, 0x1234
  int 0x80
bits 64`,
    { syscallEntry: 'start', gates: { 0x80: { dpl: 3 } } },
  ).runToStop();
  const r = recorded(t);
  assert.equal(r.vector, 0xffn);
  assert.equal(r.cs, 0x1bn);
  assert.equal(t.cpu.getGpr(0), 0x1234n);
  assert.equal(t.cpu.bitness, 64, 'the handler runs in 64-bit mode again');
});

nasmTest('syscall with EFER.SCE = 0 raises #UD', () => {
  const t = systemTest(
    `  mov ecx, 0xc0000080
  rdmsr
  and eax, ~1
  wrmsr
  SLOT 0, fault
fault:
  syscall`,
  ).runToStop();
  assert.equal(recorded(t).vector, 6n);
  assert.equal(recorded(t).rip, slot(t, 0));
});

nasmTest('sysretq with a non-canonical RCX raises #GP(0) in ring 0', () => {
  const t = systemTest(
    `  mov rcx, 0x0000800000000000
  SLOT 0, fault
fault:
  o64 sysret`,
  ).runToStop();
  const r = recorded(t);
  assert.equal(r.vector, 13n);
  assert.equal(r.errorCode, 0n);
  assert.equal(r.rip, slot(t, 0));
  assert.equal(r.cs, 0x08n);
});

nasmTest('swapgs exchanges GS.base and IA32_KERNEL_GS_BASE', () => {
  const t = systemTest(
    `  mov ecx, 0xc0000101
  mov eax, 0x3000
  xor edx, edx
  wrmsr
  mov ecx, 0xc0000102
  mov eax, 0x4000
  wrmsr
  mov qword [0x4010], 0x55
  swapgs
  mov r8, [gs:0x10]
  mov ecx, 0xc0000102
  rdmsr
  mov r9, rax
  hlt`,
  ).runToStop();
  assert.equal(t.cpu.getGpr(8), 0x55n);
  assert.equal(t.cpu.getGpr(9), 0x3000n);
  assert.equal(t.cpu.segments[Seg.GS]!.base, 0x4000);
});

nasmTest('sysenter enters SYSENTER_EIP/ESP at CPL 0; sysexitq returns to RDX/RCX at CPL 3', () => {
  const t = systemTest(
    `  mov ecx, 0x174
  mov eax, 0x08
  xor edx, edx
  wrmsr
  mov ecx, 0x175
  mov eax, 0x7e000
  wrmsr
  mov ecx, 0x176
  mov rax, kernel
  wrmsr
  TO_RING3 user
user:
  sysenter
back:
  mov r9, rsp
  int 0x80
kernel:
  mov r8, cs
  mov r10, rsp
  mov rdx, back
  mov rcx, 0x88000
  o64 sysexit`,
    { gates: { 0x80: { dpl: 3 } } },
  ).runToStop();
  t.assertStop('halt');
  assert.equal(t.cpu.getGpr(8), 0x08n);
  assert.equal(t.cpu.getGpr(10), 0x7e000n);
  assert.equal(t.cpu.getGpr(9), 0x88000n);
  assert.equal(recorded(t).cs, 0x2bn, 'SYSENTER_CS + 32 | 3');
});

nasmTest('sysenter with a null SYSENTER_CS raises #GP(0)', () => {
  const t = systemTest(`  SLOT 0, fault\nfault:\n  sysenter`).runToStop();
  assert.equal(recorded(t).vector, 13n);
  assert.equal(recorded(t).rip, slot(t, 0));
});

nasmTest('iretd in compatibility mode returns at the same privilege without popping SS:ESP', () => {
  const t = systemTest(
    `  mov rax, compat
  mov rcx, rax
  mov r11, 2
  sysret
bits 32
compat:
  mov esp, 0x88000 - 12
  mov dword [esp], resumed
  mov dword [esp + 4], 0x1b
  mov dword [esp + 8], 0x2
  iretd
resumed:
  mov ebx, esp
  int 0x80
bits 64`,
    { syscallEntry: 'start', gates: { 0x80: { dpl: 3 } } },
  ).runToStop();
  const r = recorded(t);
  assert.equal(r.vector, 0xffn);
  assert.equal(r.cs, 0x1bn);
  assert.equal(t.cpu.getGpr(3), 0x88000n, 'ESP is back where the frame started');
});
