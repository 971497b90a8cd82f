/**
 * Paging behaviour through programs that build their own tables: 4 KiB / 2 MiB / 1 GiB
 * pages, #PF error codes and CR2 (user/supervisor, read-only with and without CR0.WP,
 * NX, reserved bits), accessed/dirty bits, and the TLB: stale entries until INVLPG or a
 * CR3 load, global pages surviving a CR3 load, CR4.PGE toggles.
 *
 * Window: linear 0x40000000 (the second GiB; its page directory is at 0x8000) mapped by a
 * page table at 0x30000. Physical pages A = 0x400000 and B = 0x401000 hold 1 and 2.
 */
import assert from 'node:assert/strict';
import { nasmTest, qword, recorded, slot, systemTest } from './systemHarness';

const PT = 0x30000;

function pagingTest(body: string): ReturnType<typeof systemTest> {
  return systemTest(`%define PT ${PT}
%define WIN 0x40000000
%define A 0x400000
%define B 0x401000
; MAP page, physical, flags: PTE of WIN + page*4 KiB
%macro MAP 3
  mov rax, (%2) | (%3)
  mov [PT + (%1) * 8], rax
%endmacro
%macro RELOAD_CR3 0
  mov rax, cr3
  mov cr3, rax
%endmacro
  mov qword [A], 1
  mov qword [B], 2
  mov qword [0x8000], PT | 7
${body}`);
}

nasmTest('4 KiB pages: two linear pages aliasing one physical page; A/D bits set by accesses', () => {
  const t = pagingTest(
    `  MAP 0, A, 0x3
  MAP 1, A, 0x3
  RELOAD_CR3
  mov r8, [WIN]
  mov qword [WIN + 0x1000 + 8], 0x55
  mov r9, [WIN + 8]
  hlt`,
  ).runToStop();
  t.assertStop('halt');
  assert.equal(t.cpu.getGpr(8), 1n);
  assert.equal(t.cpu.getGpr(9), 0x55n);
  assert.equal(qword(t, PT) & 0x60n, 0x20n, 'read: A set, D clear');
  assert.equal(qword(t, PT + 8) & 0x60n, 0x60n, 'write: A and D set');
  assert.equal(qword(t, 0x8000) & 0x20n, 0x20n, 'the PDE is accessed too');
});

nasmTest('user access to a supervisor page: #PF with U|P (read) and U|W|P (write), CR2 = address', () => {
  for (const [access, error] of [
    ['mov rax, [WIN + 0x10]', 0x5n],
    ['mov qword [WIN + 0x10], 1', 0x7n],
    ['mov rax, [WIN + 0x2010]', 0x4n], // not present
  ] as const) {
    const t = pagingTest(
      `  MAP 0, A, 0x3
  RELOAD_CR3
  TO_RING3 user
user:
  SLOT 0, fault
fault:
  ${access}`,
    ).runToStop();
    const r = recorded(t);
    assert.equal(r.vector, 14n, access);
    assert.equal(r.errorCode, error, access);
    assert.equal(r.cr2, BigInt(0x40000010 + (access.includes('0x2010') ? 0x2000 : 0)), access);
    assert.equal(r.rip, slot(t, 0));
    assert.equal(t.cpu.cr2, Number(r.cr2));
  }
});

nasmTest('supervisor write to a read-only page faults with CR0.WP = 1 and succeeds with WP = 0', () => {
  const t = pagingTest(
    `  MAP 0, A, 0x1
  RELOAD_CR3
  SLOT 0, fault
fault:
  mov qword [WIN], 7`,
  ).runToStop();
  assert.equal(recorded(t).vector, 14n);
  assert.equal(recorded(t).errorCode, 0x3n);
  assert.equal(recorded(t).rip, slot(t, 0));
  const t2 = pagingTest(
    `  MAP 0, A, 0x1
  mov rax, cr0
  and eax, ~(1 << 16)
  mov cr0, rax
  mov qword [WIN], 7
  mov r8, [A]
  hlt`,
  ).runToStop();
  t2.assertStop('halt');
  assert.equal(t2.cpu.getGpr(8), 7n);
  assert.equal(qword(t2, PT) & 0x40n, 0x40n, 'D set on the read-only page');
});

nasmTest('user write to a read-only page faults even with CR0.WP = 0', () => {
  const t = pagingTest(
    `  MAP 0, A, 0x5
  mov rax, cr0
  and eax, ~(1 << 16)
  mov cr0, rax
  TO_RING3 user
user:
  mov r8, [WIN]
  mov qword [WIN], 3`,
  ).runToStop();
  assert.equal(t.cpu.getGpr(8), 1n, 'reading is allowed');
  assert.equal(recorded(t).vector, 14n);
  assert.equal(recorded(t).errorCode, 0x7n);
});

nasmTest('NX: fetching from a no-execute page raises #PF with the I/D bit; an executable alias runs', () => {
  const t = pagingTest(
    `  mov rax, ABS(code_page) | 0x3
  mov [PT + 4 * 8], rax
  mov rax, ABS(code_page) | 0x3
  bts rax, 63
  mov [PT + 3 * 8], rax
  RELOAD_CR3
  mov rax, WIN + 0x4000
  call rax
  mov rax, WIN + 0x3000
  call rax
  hlt
align 4096
code_page:
  mov r8, 0x77
  ret`,
  ).runToStop();
  assert.equal(t.cpu.getGpr(8), 0x77n, 'the executable alias ran');
  const r = recorded(t);
  assert.equal(r.vector, 14n);
  assert.equal(r.errorCode, 0x11n, 'P | I/D');
  assert.equal(r.cr2, 0x40003000n);
  assert.equal(r.rip, 0x40003000n);
});

nasmTest('a reserved bit (above MAXPHYADDR) in a PTE raises #PF with RSVD|P', () => {
  const t = pagingTest(
    `  mov rax, A | 3
  bts rax, 50
  mov [PT], rax
  RELOAD_CR3
  mov rax, [WIN]`,
  ).runToStop();
  assert.equal(recorded(t).vector, 14n);
  assert.equal(recorded(t).errorCode, 0x9n);
});

nasmTest('2 MiB and 1 GiB pages translate with their large offsets and get D set', () => {
  const t = pagingTest(
    `  mov qword [0x8008], 0x600000 | 0x83     ; 0x40200000: 2 MiB page at 0x600000
  mov qword [0x6018], 0x00000000 | 0x83   ; 0xC0000000: 1 GiB page at 0
  RELOAD_CR3
  mov qword [0x40200000 + 0x1238], 0x2222
  mov rbx, 0xC0000000 + 0x500010
  mov qword [rbx], 0x1111
  mov r8, [0x601238]
  mov r9, [0x500010]
  hlt`,
  ).runToStop();
  t.assertStop('halt');
  assert.equal(t.cpu.getGpr(8), 0x2222n);
  assert.equal(t.cpu.getGpr(9), 0x1111n);
  assert.equal(qword(t, 0x8008) & 0x60n, 0x60n);
  assert.equal(qword(t, 0x6018) & 0x60n, 0x60n);
});

nasmTest('a changed PTE is not seen until INVLPG (stale TLB), then it is', () => {
  const t = pagingTest(
    `  MAP 0, A, 0x3
  RELOAD_CR3
  mov r8, [WIN]         ; 1, now cached
  MAP 0, B, 0x3
  mov r9, [WIN]         ; still 1: the TLB holds the old translation
  invlpg [WIN]
  mov r10, [WIN]        ; 2
  hlt`,
  ).runToStop();
  assert.deepEqual([t.cpu.getGpr(8), t.cpu.getGpr(9), t.cpu.getGpr(10)], [1n, 1n, 2n]);
});

nasmTest('INVLPG of any address in a 2 MiB page drops all of its cached 4 KiB pieces', () => {
  const t = pagingTest(
    `  mov qword [0x8008], 0x600000 | 0x83
  RELOAD_CR3
  mov qword [0x603000], 5
  mov qword [0x803000], 6
  mov r8, [0x40203000]
  mov qword [0x8008], 0x800000 | 0x83
  invlpg [0x40200000]
  mov r9, [0x40203000]
  hlt`,
  ).runToStop();
  assert.deepEqual([t.cpu.getGpr(8), t.cpu.getGpr(9)], [5n, 6n]);
});

nasmTest('global pages survive a CR3 load; non-global pages do not; toggling CR4.PGE flushes all', () => {
  const t = pagingTest(
    `  mov rax, cr4
  or eax, 0x80           ; PGE
  mov cr4, rax
  MAP 0, A, 0x103        ; global
  MAP 1, A, 0x3
  RELOAD_CR3
  mov r8, [WIN]
  mov r9, [WIN + 0x1000]
  MAP 0, B, 0x103
  MAP 1, B, 0x3
  RELOAD_CR3
  mov r10, [WIN]         ; stale: global entry kept
  mov r11, [WIN + 0x1000]; fresh
  mov rax, cr4
  and eax, ~0x80
  mov cr4, rax
  mov r12, [WIN]         ; fresh after the PGE toggle
  hlt`,
  ).runToStop();
  t.assertStop('halt');
  assert.deepEqual(
    [8, 9, 10, 11, 12].map((i) => t.cpu.getGpr(i)),
    [1n, 1n, 1n, 2n, 2n],
  );
});

nasmTest('clearing CR0.WP flushes cached write permissions', () => {
  const t = pagingTest(
    `  MAP 0, A, 0x1
  RELOAD_CR3
  mov r8, [WIN]          ; cache the read-only translation
  mov rax, cr0
  and eax, ~(1 << 16)
  mov cr0, rax
  mov qword [WIN], 9
  hlt`,
  ).runToStop();
  t.assertStop('halt');
  assert.equal(qword(t, 0x400000), 9n);
});

nasmTest('code run by the kernel on a supervisor page faults when ring 3 jumps to it (no stale code links)', () => {
  const t = pagingTest(
    `  mov rax, ABS(code_page) | 0x3      ; supervisor, executable
  mov [PT + 5 * 8], rax
  RELOAD_CR3
  mov rax, WIN + 0x5000
  call rax                          ; the kernel may run it
  TO_RING3 user
user:
  mov rax, WIN + 0x5000
  call rax
  hlt
align 4096
code_page:
  inc r8
  ret`,
  ).runToStop();
  assert.equal(t.cpu.getGpr(8), 1n);
  const r = recorded(t);
  assert.equal(r.vector, 14n);
  assert.equal(r.errorCode, 0x15n, 'P | U | I/D');
  assert.equal(r.cr2, 0x40005000n);
});
