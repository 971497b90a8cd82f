/**
 * Protection rings: IRETQ to ring 3, INT n back through a DPL 3 gate with the TSS.RSP0
 * stack switch, privileged instructions at CPL 3 (#GP(0) with the error code pushed),
 * I/O permission through IOPL and the TSS bitmap, IRETQ selector checks, segment loads.
 */
import assert from 'node:assert/strict';
import { nasmTest, recorded, slot, systemTest, USER_STACK } from './systemHarness';
import { Seg } from '../../src/machine/cpu/registers';

const RSP0 = 0x7f000n;

nasmTest('iretq enters ring 3 and int 0x80 returns to ring 0 on the TSS.RSP0 stack', () => {
  const t = systemTest(
    `  TO_RING3 user
user:
  mov rbx, 0x1234
  int 0x80
after_int:
  SLOT 0, after_int`,
    { gates: { 0x80: { dpl: 3 } } },
  ).runToStop();
  t.assertStop('halt');
  const r = recorded(t);
  assert.equal(r.vector, 0xffn, 'the catch-all stub ran for vector 0x80');
  assert.equal(r.errorCode, 0xffffffffffffffffn, 'no error code for a software interrupt');
  assert.equal(r.cs, 0x2bn);
  assert.equal(r.ss, 0x23n);
  assert.equal(r.rsp, BigInt(USER_STACK));
  assert.equal(r.rflags & 0x200n, 0n);
  assert.equal(t.cpu.cpl, 0);
  assert.equal(t.cpu.cs.selector, 0x08);
  assert.equal(t.cpu.getGpr(4), RSP0, 'the handler popped its frame off the RSP0 stack');
  assert.equal(t.cpu.getGpr(3), 0x1234n);
  assert.equal(t.cpu.ss.selector, 0, 'SS is the null selector after a ring change in 64-bit mode');
});

nasmTest('the ring 3 frame pushed by int n returns with iretq to ring 3', () => {
  const t = systemTest(
    `  TO_RING3 user
user:
  int 0x81
  mov r12, 0x77
  int 0x80
kernel:
  add r13, 1
  iretq`,
    { gates: { 0x80: { dpl: 3 }, 0x81: { dpl: 3, handler: 'kernel' } } },
  ).runToStop();
  t.assertStop('halt');
  assert.equal(t.cpu.getGpr(12), 0x77n, 'user code continued after iretq');
  assert.equal(t.cpu.getGpr(13), 1n);
  assert.equal(recorded(t).cs, 0x2bn);
});

nasmTest('int n through a DPL 0 gate from ring 3 raises #GP(vector*8+2) at the int', () => {
  const t = systemTest(
    `  TO_RING3 user
user:
  SLOT 0, fault
fault:
  int 0x40`,
  ).runToStop();
  const r = recorded(t);
  assert.equal(r.vector, 13n);
  assert.equal(r.errorCode, 0x40n * 8n + 2n);
  assert.equal(r.rip, slot(t, 0));
  assert.equal(r.cs, 0x2bn);
});

const PRIVILEGED: [string, string][] = [
  ['hlt', 'hlt'],
  ['cli (IOPL 0)', 'cli'],
  ['sti (IOPL 0)', 'sti'],
  ['mov cr3, rax', 'mov cr3, rax'],
  ['mov rax, cr0', 'mov rax, cr0'],
  ['mov cr4, rax', 'mov cr4, rax'],
  ['mov rax, cr8', 'mov rax, cr8'],
  ['mov dr7, rax', 'mov dr7, rax'],
  ['rdmsr', 'rdmsr'],
  ['wrmsr', 'wrmsr'],
  ['lgdt', 'lgdt [rsp]'],
  ['lidt', 'lidt [rsp]'],
  ['lldt', 'lldt ax'],
  ['ltr', 'ltr ax'],
  ['lmsw', 'lmsw ax'],
  ['clts', 'clts'],
  ['invlpg', 'invlpg [rsp]'],
  ['wbinvd', 'wbinvd'],
  ['invd', 'invd'],
  ['swapgs', 'swapgs'],
  ['sysret', 'o64 sysret'],
  ['in al, 0x80', 'in al, 0x80'],
  ['out dx, al', 'out dx, al'],
  ['insb', 'insb'],
  ['rep outsb', 'rep outsb'],
];

for (const [name, instruction] of PRIVILEGED) {
  nasmTest(`${name} at CPL 3 raises #GP(0) with the error code pushed`, () => {
    const t = systemTest(
      `  TO_RING3 user
user:
  mov ecx, 1
  mov rsi, USER_STACK - 64
  mov rdi, USER_STACK - 64
  SLOT 0, fault
fault:
  ${instruction}
  mov r14, 1`,
    ).runToStop();
    t.assertStop('halt');
    const r = recorded(t);
    assert.equal(r.vector, 13n, `vector for ${instruction}`);
    assert.equal(r.errorCode, 0n);
    assert.equal(r.rip, slot(t, 0), 'RIP points at the faulting instruction');
    assert.equal(r.cs, 0x2bn);
    assert.equal(t.cpu.getGpr(14), 0n, 'the instruction after the fault did not run');
  });
}

nasmTest('cpuid, rdtsc, sgdt, smsw and str are allowed at CPL 3', () => {
  const t = systemTest(
    `  TO_RING3 user
user:
  xor eax, eax
  cpuid
  rdtsc
  sgdt [USER_STACK - 64]
  sidt [USER_STACK - 80]
  smsw r8
  str r9w
  sldt r10
  int 0x80`,
    { gates: { 0x80: { dpl: 3 } } },
  ).runToStop();
  assert.equal(recorded(t).vector, 0xffn);
  assert.equal(t.cpu.getGpr(8), BigInt(t.cpu.cr0));
  assert.equal(t.cpu.getGpr(9) & 0xffffn, 0x30n);
});

nasmTest('I/O at CPL 3 works when the TSS bitmap bit is clear and writes the serial port', () => {
  const t = systemTest(
    `  mov byte [0x2000 + 0x68 + (0x3f8 >> 3)], 0xfe ; clear the bit of port 0x3f8
  TO_RING3 user
user:
  mov dx, 0x3f8
  mov al, 'O'
  out dx, al
  mov al, 'K'
  out dx, al
  SLOT 0, fault
fault:
  out 0xf4, al ; still denied: #GP(0)`,
  ).runToStop();
  assert.equal(t.machine.consoleText, 'OK');
  const r = recorded(t);
  assert.equal(r.vector, 13n);
  assert.equal(r.rip, slot(t, 0));
});

nasmTest('I/O at CPL 3 with IOPL 3 needs no bitmap; cli/sti are allowed', () => {
  const t = systemTest(
    `  TO_RING3 user, 0x3002
user:
  cli
  sti
  mov dx, 0x3f8
  mov al, '!'
  out dx, al
  mov al, 9
  out 0xf4, al`,
  ).runToStop();
  t.assertStop('exit');
  assert.equal(t.lastStop?.exitCode, 9);
  assert.equal(t.machine.consoleText, '!');
  assert.equal(t.cpu.cpl, 3);
});

nasmTest('popping IOPL or IF with iretq at CPL 3 does not change them', () => {
  const t = systemTest(
    `  TO_RING3 user
user:
  push 0x23
  push USER_STACK
  push 0x3202 ; IOPL 3 and IF requested
  push 0x2b
  mov rax, back
  push rax
  iretq
back:
  pushfq
  pop r8
  int 0x80`,
    { gates: { 0x80: { dpl: 3 } } },
  ).runToStop();
  assert.equal(t.cpu.getGpr(8) & 0x3200n, 0n);
});

nasmTest('iretq checks the CS selector: data segment and wrong RPL raise #GP(selector)', () => {
  for (const [cs, error] of [
    [0x23, 0x20n],
    [0x0b, 0x08n],
    [0x48, 0x48n],
  ] as const) {
    const t = systemTest(
      `  push 0x23
  push USER_STACK
  push 0x2
  push ${cs}
  push 0x1000
  SLOT 0, fault
fault:
  iretq`,
    ).runToStop();
    const r = recorded(t);
    assert.equal(r.vector, 13n, `cs ${cs}`);
    assert.equal(r.errorCode, error, `cs ${cs}`);
    assert.equal(r.rip, slot(t, 0));
  }
});

nasmTest('iretq to ring 3 with a ring 0 SS raises #GP(ss), with a null SS #GP(0)', () => {
  for (const [ss, error] of [
    [0x10, 0x10n],
    [0x13, 0x10n],
    [0x3, 0n],
  ] as const) {
    const t = systemTest(`  push ${ss}\n  push USER_STACK\n  push 0x2\n  push 0x2b\n  push 0x1000\n  iretq`).runToStop();
    assert.equal(recorded(t).vector, 13n, `ss ${ss}`);
    assert.equal(recorded(t).errorCode, error, `ss ${ss}`);
  }
});

nasmTest('iretq to ring 3 nulls DS/ES that hold ring 0 segments', () => {
  const t = systemTest(
    `  mov ax, 0x10
  mov ds, ax
  mov ax, 0x23
  mov es, ax
  TO_RING3 user
user:
  int 0x80`,
    { gates: { 0x80: { dpl: 3 } } },
  ).runToStop();
  assert.equal(recorded(t).vector, 0xffn);
  assert.equal(t.cpu.segments[Seg.DS]!.selector, 0, 'DS was ring 0 data: nulled');
  assert.equal(t.cpu.segments[Seg.ES]!.selector, 0x23, 'ES was ring 3 data: kept');
});

nasmTest('segment loads at CPL 3: null DS allowed, null SS and ring 0 data raise #GP', () => {
  const t = systemTest(
    `  TO_RING3 user
user:
  xor eax, eax
  mov ds, ax
  mov ax, 0x23
  mov fs, ax
  push fs
  pop gs
  mov ax, 0x10
  SLOT 0, fault
fault:
  mov es, ax`,
  ).runToStop();
  const r = recorded(t);
  assert.equal(r.vector, 13n);
  assert.equal(r.errorCode, 0x10n);
  assert.equal(r.rip, slot(t, 0));
  assert.equal(t.cpu.segments[Seg.GS]!.selector, 0x23);
  const t2 = systemTest(`  TO_RING3 user\nuser:\n  xor eax, eax\n  mov ss, ax`).runToStop();
  assert.equal(recorded(t2).vector, 13n);
  assert.equal(recorded(t2).errorCode, 0n);
});

nasmTest('loading a not-present data segment raises #NP(selector); SS not present raises #SS', () => {
  const t = systemTest(
    `  and byte [0x1000 + 0x20 + 5], 0x7f ; clear P in descriptor 0x20
  mov ax, 0x20
  mov ds, ax`,
  ).runToStop();
  assert.equal(recorded(t).vector, 11n);
  assert.equal(recorded(t).errorCode, 0x20n);
  const t2 = systemTest(
    `  and byte [0x1000 + 0x10 + 5], 0x7f
  mov ax, 0x10
  mov ss, ax`,
  ).runToStop();
  assert.equal(recorded(t2).vector, 12n);
  assert.equal(recorded(t2).errorCode, 0x10n);
});

nasmTest('retfq returns to ring 3 popping SS:RSP; far jmp/call through m16:64 reload CS', () => {
  const t = systemTest(
    `  mov rax, far_target
  mov [0x3000], rax
  mov word [0x3008], 0x08
  call far [0x3000]
  mov r9, 1
  push 0x23
  push USER_STACK
  push 0x2b
  mov rax, user
  push rax
  retfq
far_target:
  mov r8, cs
  retfq
user:
  mov r10, cs
  int 0x80`,
    { gates: { 0x80: { dpl: 3 } } },
  ).runToStop();
  assert.equal(t.cpu.getGpr(8), 0x08n);
  assert.equal(t.cpu.getGpr(9), 1n, 'retfq returned from the far call');
  assert.equal(t.cpu.getGpr(10), 0x2bn);
  const r = recorded(t);
  assert.equal(r.cs, 0x2bn);
  assert.equal(r.ss, 0x23n);
  assert.equal(r.rsp, BigInt(USER_STACK));
});

nasmTest('retfq to a ring 0 code selector from ring 3 raises #GP(selector)', () => {
  const t = systemTest(
    `  TO_RING3 user
user:
  push 0x08
  push 0x1000
  SLOT 0, fault
fault:
  retfq`,
  ).runToStop();
  assert.equal(recorded(t).vector, 13n);
  assert.equal(recorded(t).errorCode, 0x08n);
  assert.equal(recorded(t).rip, slot(t, 0));
});
