/**
 * Exceptions: vectors, error codes and the RIP pushed (fault vs trap), #DF and the
 * triple fault, the "not implemented by the simulator" stop, the #DB single-step trap,
 * self-modifying code, and the debug-exit and serial devices.
 */
import assert from 'node:assert/strict';
import { nasmTest, recorded, slot, systemTest } from './systemHarness';
import { CpuTest, nasm } from './cpuRunner';

nasmTest('#DE: divide by zero faults at the div with no error code', () => {
  const t = systemTest(`  xor ecx, ecx\n  mov eax, 1\n  SLOT 0, fault\nfault:\n  div ecx`).runToStop();
  const r = recorded(t);
  assert.equal(r.vector, 0n);
  assert.equal(r.errorCode, 0xffffffffffffffffn);
  assert.equal(r.rip, slot(t, 0));
});

nasmTest('#UD: ud2 is an architectural #UD delivered through the IDT', () => {
  const t = systemTest(`  SLOT 0, fault\nfault:\n  ud2`).runToStop();
  t.assertStop('halt');
  assert.equal(recorded(t).vector, 6n);
  assert.equal(recorded(t).rip, slot(t, 0));
});

nasmTest('an instruction the simulator lacks stops with "not implemented by the simulator" instead of #UD', () => {
  const t = systemTest(`  fsqrt`).runToStop();
  t.assertStop('unimplemented', /not implemented by the simulator: fsqrt/);
  assert.equal(recorded(t).count, 0n, 'no exception was delivered');
});

nasmTest('#BP: int3 is a trap: the pushed RIP is the next instruction', () => {
  const t = systemTest(`  SLOT 0, next\n  int3\nnext:\n  hlt`).runToStop();
  assert.equal(recorded(t).vector, 3n);
  assert.equal(recorded(t).rip, slot(t, 0));
});

nasmTest('#NP: a not-present gate raises #NP(vector*8+2)', () => {
  const t = systemTest(`  SLOT 0, fault\nfault:\n  int 0x41`, { gates: { 0x41: { present: false } } }).runToStop();
  assert.equal(recorded(t).vector, 11n);
  assert.equal(recorded(t).errorCode, 0x41n * 8n + 2n);
  assert.equal(recorded(t).rip, slot(t, 0));
});

nasmTest('#GP(0) for a non-canonical data address; #SS(0) for a non-canonical stack', () => {
  const t = systemTest(`  mov rbx, 0x0000800000000000\n  SLOT 0, fault\nfault:\n  mov rax, [rbx]`).runToStop();
  assert.equal(recorded(t).vector, 13n);
  assert.equal(recorded(t).errorCode, 0n);
  assert.equal(recorded(t).rip, slot(t, 0));
  const t2 = systemTest(`  mov rbp, 0x0000800000000000\n  mov rax, [rbp]`).runToStop();
  assert.equal(recorded(t2).vector, 12n);
  assert.equal(recorded(t2).errorCode, 0n);
});

nasmTest('#DF: a contributory fault while delivering a contributory fault; IST1 stack', () => {
  // #DE's gate is not present → #NP while delivering #DE → #DF (SDM Table 6-5).
  const t = systemTest(`  xor ecx, ecx\n  div ecx`, { gates: { 0: { present: false }, 8: { ist: 1 } } }).runToStop();
  const r = recorded(t);
  assert.equal(r.vector, 8n);
  assert.equal(r.errorCode, 0n);
  assert.equal(t.cpu.getGpr(4), 0x6f000n, 'the #DF handler ran on the IST1 stack');
});

nasmTest('a fault while delivering #DF is a triple fault: the machine stops with the cause', () => {
  const t = CpuTest.create(nasm('  xor ecx, ecx\n  div ecx')).runToStop(); // the boot IDT is empty
  t.assertStop('triple-fault', /#DE divide error.*#GP general protection.*while delivering vector 8/);
  assert.ok(t.lastStop!.detail.length > 20);
});

nasmTest('#PF during delivery of #PF becomes #DF; CR2 holds the faulting address', () => {
  const t = systemTest(
    `  mov rsp, 0x40000000 + 0x1000 ; the stack is in a not-present region
  mov qword [0x8000], 0           ; unmap 1-1.002 GiB (PD of the second GiB, entry 0)
  mov rax, cr3
  mov cr3, rax
  mov rax, [rsp]`,
    { gates: { 8: { ist: 1 } } },
  ).runToStop();
  assert.equal(recorded(t).vector, 8n);
  assert.equal(recorded(t).cr2, 0x40000ff8n, 'the failed push of the #PF frame');
});

nasmTest('#DB single-step: TF traps after each instruction with DR6.BS set', () => {
  const t = systemTest(
    `  SLOT 0, after
  pushfq
  or qword [rsp], 0x100
  popfq
  mov r8, 1
after:
  mov r9, 2`,
  ).runToStop();
  const r = recorded(t);
  assert.equal(r.vector, 1n);
  assert.equal(r.rip, slot(t, 0), 'trap after the instruction following popfq');
  assert.equal(t.cpu.getGpr(8), 1n);
  assert.equal(t.cpu.getGpr(9), 0n, 'the handler halted before mov r9');
  assert.equal(t.cpu.dr[6]! & 0x4000, 0x4000);
  assert.equal(r.rflags & 0x100n, 0x100n, 'the pushed RFLAGS has TF');
  assert.equal(t.cpu.rflags & 0x100, 0, 'TF is cleared in the handler');
});

nasmTest('single-step through iretq: a handler that returns with TF set steps instruction by instruction', () => {
  const t = systemTest(
    `  push 0x10
  push 0xff000
  push 0x102
  push 0x08
  mov rax, traced
  push rax
  iretq
traced:
  inc r10
  inc r10
  inc r10
  mov al, 3
  out 0xf4, al
step:
  inc r11
  iretq`,
    { gates: { 1: { handler: 'step' } } },
  ).runToStop();
  t.assertStop('exit');
  assert.equal(t.cpu.getGpr(10), 3n);
  assert.equal(t.cpu.getGpr(11), 4n, 'one #DB after each of inc, inc, inc, mov');
});

nasmTest('self-modifying code: a write into a decoded page is seen by the next execution', () => {
  const t = systemTest(
    `  mov ecx, 2
again:
  call patched
  mov r8, rax
  mov byte [patched + 1], 0x22 ; mov eax, imm32: change the immediate's low byte
  dec ecx
  jnz again
  hlt
patched:
  mov eax, 0x11
  ret`,
  ).runToStop();
  t.assertStop('halt');
  assert.equal(t.cpu.getGpr(8), 0x22n);
});

nasmTest('the debug-exit port stops the machine with the written code; serial output is collected', () => {
  const t = systemTest(
    `  mov dx, 0x3f8
  mov rsi, message
  mov ecx, 5
  rep outsb
  mov al, 42
  out 0xf4, al
  hlt
message: db 'hello'`,
  ).runToStop();
  t.assertStop('exit', /42/);
  assert.equal(t.lastStop!.exitCode, 42);
  assert.equal(t.machine.consoleText, 'hello');
  assert.equal(t.cpu.getGpr(1), 0n, 'rep consumed RCX');
});

nasmTest('a handler that faults forever (on its IST stack) uses up the budget instead of hanging', () => {
  const t = systemTest(`spin:\n  ud2`, { gates: { 6: { handler: 'spin', ist: 1 } } });
  t.run(10_000).assertStop('budget');
  assert.equal(t.cpu.getGpr(4), 0x6f000n - 40n, 'each #UD frame lands on the reset IST1 stack');
});

nasmTest('instructions of features CPUID does not report raise an architectural #UD', () => {
  for (const instruction of ['clgi', 'vmrun', 'monitor', 'mwait', 'xend', 'xtest', 'rdrand eax', 'rdseed eax', 'xgetbv', 'rdfsbase rax', 'stac', 'getsec']) {
    const t = systemTest(`  SLOT 0, fault\nfault:\n  ${instruction}`).runToStop();
    t.assertStop('halt');
    assert.equal(recorded(t).vector, 6n, instruction);
    assert.equal(recorded(t).rip, slot(t, 0), instruction);
  }
});

nasmTest('clflush of a mapped line is a no-op; rdpmc has no counters (#GP)', () => {
  const t = systemTest(`  clflush [0x3000]\n  xor ecx, ecx\n  SLOT 0, fault\nfault:\n  rdpmc`).runToStop();
  assert.equal(recorded(t).vector, 13n);
  assert.equal(recorded(t).rip, slot(t, 0));
});

nasmTest('DR0–DR3 instruction breakpoints fault with #DB before the instruction; RF resumes past them', () => {
  const t = systemTest(
    `  mov rax, target
  mov dr0, rax
  mov eax, 1               ; L0, R/W0 = 00 (execute)
  mov dr7, rax
  mov ecx, 2
target:
  inc r8
  dec ecx
  jnz target
  hlt
on_debug:
  inc r9
  mov rax, dr6
  mov r10, rax
  or qword [rsp + 16], 0x10000 ; RF in the stacked RFLAGS
  iretq`,
    { gates: { 1: { handler: 'on_debug' } } },
  ).runToStop();
  t.assertStop('halt');
  assert.equal(t.cpu.getGpr(8), 2n, 'the instruction ran each time after the handler');
  assert.equal(t.cpu.getGpr(9), 2n, 'one #DB each time RIP reached the breakpoint');
  assert.equal(t.cpu.getGpr(10) & 0xfn, 1n, 'DR6.B0');
});
