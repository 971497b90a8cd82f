/**
 * Control, debug and descriptor-table registers: MOV CR reserved-bit and mode rules,
 * DR4/DR5 aliasing, DR7.GD, LGDT/SGDT/LIDT/SIDT round trips, LTR busy marking, LLDT,
 * SMSW/LMSW/CLTS.
 */
import assert from 'node:assert/strict';
import { nasmTest, qword, recorded, slot, systemTest } from './systemHarness';

function faultsAt(body: string, vector: bigint, errorCode = 0n): void {
  const t = systemTest(`${body}\n  mov r14, 1`).runToStop();
  const r = recorded(t);
  assert.equal(r.vector, vector, body);
  if (errorCode >= 0n) assert.equal(r.errorCode, errorCode, body);
  assert.equal(r.rip, slot(t, 0), body);
  assert.equal(t.cpu.getGpr(14), 0n, body);
}

nasmTest('MOV to CR4: reserved or unsupported bits raise #GP(0); clearing PAE in long mode too', () => {
  for (const bits of ['1 << 12', '1 << 20', '1 << 22']) {
    faultsAt(`  mov rax, cr4\n  or rax, ${bits}\n  SLOT 0, fault\nfault:\n  mov cr4, rax`, 13n);
  }
  faultsAt(`  mov rax, cr4\n  and eax, ~0x20\n  SLOT 0, fault\nfault:\n  mov cr4, rax`, 13n);
});

nasmTest('MOV to CR0: PG without PE, NW without CD, clearing PG in 64-bit mode and high bits raise #GP(0)', () => {
  faultsAt(`  mov rax, cr0\n  and eax, ~1\n  SLOT 0, fault\nfault:\n  mov cr0, rax`, 13n);
  faultsAt(`  mov rax, cr0\n  or eax, 1 << 29\n  and eax, ~(1 << 30)\n  SLOT 0, fault\nfault:\n  mov cr0, rax`, 13n);
  faultsAt(`  mov rax, cr0\n  btr rax, 31\n  SLOT 0, fault\nfault:\n  mov cr0, rax`, 13n);
  faultsAt(`  mov rax, cr0\n  bts rax, 32\n  SLOT 0, fault\nfault:\n  mov cr0, rax`, 13n);
});

nasmTest('MOV to CR3 with bits above MAXPHYADDR and CR8 above 15 raise #GP(0)', () => {
  faultsAt(`  mov rax, cr3\n  bts rax, 50\n  SLOT 0, fault\nfault:\n  mov cr3, rax`, 13n);
  faultsAt(`  mov eax, 16\n  SLOT 0, fault\nfault:\n  mov cr8, rax`, 13n);
});

nasmTest('CR0 ET reads as 1, CR2 and CR8 round-trip, CLTS clears TS, LMSW cannot clear PE', () => {
  const t = systemTest(
    `  mov rax, cr0
  and eax, ~0x10
  or eax, 8
  mov cr0, rax
  mov r8, cr0
  clts
  mov r9, cr0
  mov rax, 0xffff800000001234
  mov cr2, rax
  mov r10, cr2
  mov eax, 9
  mov cr8, rax
  mov r11, cr8
  xor eax, eax
  lmsw ax
  smsw r12
  hlt`,
  ).runToStop();
  t.assertStop('halt');
  assert.equal(t.cpu.getGpr(8) & 0x18n, 0x18n, 'ET stays 1; TS set');
  assert.equal(t.cpu.getGpr(9) & 0x8n, 0n, 'CLTS');
  assert.equal(t.cpu.getGpr(10), 0xffff800000001234n);
  assert.equal(t.cpu.getGpr(11), 9n);
  assert.equal(t.cpu.getGpr(12) & 1n, 1n, 'PE still set');
  assert.equal(t.cpu.getGpr(12) & 2n, 0n, 'MP cleared by LMSW');
});

nasmTest('DR4/DR5 alias DR6/DR7 with CR4.DE = 0 and raise #UD with DE = 1; DR7.GD faults with #DB', () => {
  const t = systemTest(
    `  mov rax, 0x55
  mov dr0, rax
  mov r8, dr0
  mov rax, 0x1
  mov dr5, rax
  mov r9, dr7
  mov r10, dr4
  hlt`,
  ).runToStop();
  assert.equal(t.cpu.getGpr(8), 0x55n);
  assert.equal(t.cpu.getGpr(9), 0x401n, 'DR5 wrote DR7 (bit 10 reads as 1)');
  assert.equal(t.cpu.getGpr(10), 0xffff0ff0n, 'DR4 read DR6');
  faultsAt(`  mov rax, cr4\n  or eax, 8\n  mov cr4, rax\n  SLOT 0, fault\nfault:\n  mov rax, dr4`, 6n, -1n);
  const gd = systemTest(`  mov eax, 0x2000\n  mov dr7, rax\n  SLOT 0, fault\nfault:\n  mov rax, dr0`).runToStop();
  assert.equal(recorded(gd).vector, 1n);
  assert.equal(recorded(gd).rip, slot(gd, 0), '#DB for general detect is a fault');
  assert.equal(gd.cpu.dr[6]! & 0x2000, 0x2000, 'DR6.BD');
});

nasmTest('SGDT/SIDT store limit and 64-bit base; LGDT/LIDT load them; a non-canonical base raises #GP', () => {
  const t = systemTest(
    `  sgdt [0x3000]
  mov word [0x3010], 0x7f
  mov rax, 0xffff800000005000
  mov [0x3012], rax
  lgdt [0x3010]
  sgdt [0x3020]
  lgdt [0x3000]
  sidt [0x3030]
  hlt`,
  ).runToStop();
  t.assertStop('halt');
  assert.equal(qword(t, 0x3000) & 0xffffn, 0x3fn, 'boot GDT limit');
  assert.equal((qword(t, 0x3000) >> 16n) & 0xffffn, 0x1000n, 'boot GDT base (low bits)');
  assert.equal(qword(t, 0x3020) & 0xffffn, 0x7fn);
  assert.equal(qword(t, 0x3022), 0xffff800000005000n);
  assert.equal(t.cpu.gdtr.base, 0x1000);
  faultsAt(`  mov word [0x3010], 0x7f\n  mov rax, 0x0000800000000000\n  mov [0x3012], rax\n  SLOT 0, fault\nfault:\n  lgdt [0x3010]`, 13n);
});

nasmTest('LTR: the boot TSS is busy (#GP(sel)); an available TSS is loaded and marked busy', () => {
  faultsAt(`  mov ax, 0x30\n  SLOT 0, fault\nfault:\n  ltr ax`, 13n, 0x30n);
  faultsAt(`  xor eax, eax\n  SLOT 0, fault\nfault:\n  ltr ax`, 13n, 0n);
  faultsAt(`  mov ax, 0x10\n  SLOT 0, fault\nfault:\n  ltr ax`, 13n, 0x10n);
  const t = systemTest(
    `  and byte [0x1000 + 0x30 + 5], ~0x02 ; type 0xB (busy) → 0x9 (available)
  mov ax, 0x30
  ltr ax
  str r8
  hlt`,
  ).runToStop();
  t.assertStop('halt');
  assert.equal(t.cpu.getGpr(8), 0x30n);
  assert.equal((qword(t, 0x1030) >> 40n) & 0xfn, 0xbn, 'marked busy in the GDT');
  assert.equal(t.cpu.tr.base, 0x2000);
});

nasmTest('LLDT: null selector makes LDTR unusable; a non-LDT descriptor raises #GP(sel)', () => {
  const t = systemTest(`  xor eax, eax\n  lldt ax\n  sldt r8\n  hlt`).runToStop();
  t.assertStop('halt');
  assert.equal(t.cpu.getGpr(8), 0n);
  faultsAt(`  mov ax, 0x08\n  SLOT 0, fault\nfault:\n  lldt ax`, 13n, 0x08n);
});

nasmTest('WBINVD, INVD and INVLPG of a non-canonical address are harmless at CPL 0', () => {
  const t = systemTest(`  wbinvd\n  invd\n  mov rax, 0x0000900000000000\n  invlpg [rax]\n  hlt`).runToStop();
  t.assertStop('halt');
  assert.equal(recorded(t).count, 0n);
});

nasmTest('LAR/LSL/VERR/VERW report access rights, limits and visibility through ZF', () => {
  const t = systemTest(
    `  mov ax, 0x30
  lsl r9d, ax
  setz r11b
  TO_RING3 user
user:
  mov ax, 0x2b
  lar r8d, ax
  setz r12b
  mov ax, 0x10
  verr ax
  setz r13b
  mov ax, 0x23
  verw ax
  setz r14b
  mov ax, 0x80
  lar r10d, ax
  setnz r15b
  int 0x80`,
    { gates: { 0x80: { dpl: 3 } } },
  ).runToStop();
  assert.equal(t.cpu.getGpr(9), 0x2068n, 'LSL of the TSS');
  assert.equal(t.cpu.getGpr(8), 0x00affb00n, 'LAR of user code64');
  assert.deepEqual(
    [11, 12, 13, 14, 15].map((i) => t.cpu.getGpr(i) & 0xffn),
    [1n, 1n, 0n, 1n, 1n],
  );
});
