/**
 * The VMX seam as the system instructions use it: with `cpu.nonRoot` set to a recorder,
 * every exit-capable instruction reports the InterceptInfo fields its exit
 * qualification needs (fact sheet §4), and MOV from CR0/CR4 reads through the shadow.
 * Also string I/O details: REP INS/OUTS, direction flag, a fault part-way through.
 */
import assert from 'node:assert/strict';
import { Mnemonic } from 'iced-x86';
import { nasmTest, qword, recorded, slot, systemTest } from './systemHarness';
import { gp0 } from '../../src/machine/cpu/fault';
import { Intercept, type InterceptInfo, type NonRootHooks } from '../../src/machine/cpu/intercept';

class Recorder implements NonRootHooks {
  readonly calls: { kind: Intercept; info: InterceptInfo }[] = [];
  intercept(kind: Intercept, info: InterceptInfo): void {
    this.calls.push({ kind, info });
  }
  exitsNow(kind: Intercept, info: InterceptInfo): boolean {
    this.intercept(kind, info);
    return false;
  }
  readControlRegister(register: 0 | 4, actual: number): number {
    return register === 0 ? actual | 0x8 : actual; // a shadow that shows TS
  }
}

function interceptsOf(body: string): { kind: Intercept; info: InterceptInfo }[] {
  const t = systemTest(body);
  const recorder = new Recorder();
  t.run(2); // the jump to start and lidt are not interesting: record from the body on
  t.cpu.nonRoot = recorder;
  t.runToStop();
  t.cpu.nonRoot = undefined;
  return recorder.calls;
}

nasmTest('MOV CR, MOV DR, CLTS, LMSW report register, GPR, value and operand kind', () => {
  const calls = interceptsOf(
    `  mov rbx, cr3
  mov cr3, rbx
  mov r9, cr8
  mov rax, cr0
  mov r12, rax
  mov rcx, dr7
  mov dr1, rdx
  clts
  lmsw [0x3000]
  hlt`,
  );
  const kinds = calls.map((c) => c.kind);
  assert.deepEqual(kinds, [Intercept.MovFromCr, Intercept.MovToCr, Intercept.MovFromCr, Intercept.MovDr, Intercept.MovDr, Intercept.Clts, Intercept.Lmsw, Intercept.Hlt]);
  assert.deepEqual([calls[0]!.info.register, calls[0]!.info.gpr], [3, 3]);
  assert.deepEqual([calls[1]!.info.register, calls[1]!.info.gpr, calls[1]!.info.value], [3, 3, 0x5000n]);
  assert.deepEqual([calls[2]!.info.register, calls[2]!.info.gpr], [8, 9]);
  assert.deepEqual([calls[3]!.info.register, calls[3]!.info.gpr, calls[3]!.info.toRegister], [7, 1, false]);
  assert.deepEqual([calls[4]!.info.register, calls[4]!.info.gpr, calls[4]!.info.toRegister], [1, 2, true]);
  assert.equal(calls[6]!.info.memoryOperand, true);
  assert.equal(calls[6]!.info.linearAddress, 0x3000);
  for (const call of calls) assert.ok(call.info.length > 0);
});

nasmTest('MOV from CR0 reads through the non-root read shadow', () => {
  const t = systemTest('  mov rax, cr0\n  smsw rbx\n  hlt');
  t.run(2);
  t.cpu.nonRoot = new Recorder();
  t.runToStop();
  assert.equal(t.cpu.getGpr(0) & 0x8n, 0x8n);
  assert.equal(t.cpu.getGpr(3) & 0x8n, 0x8n);
  assert.equal(t.cpu.cr0 & 0x8, 0, 'the real CR0.TS is clear');
});

nasmTest('I/O exits report port, size, direction, string and REP with the string address', () => {
  const calls = interceptsOf(
    `  mov dx, 0x3f8
  mov al, 'x'
  out dx, al
  in eax, 0x71
  mov rdi, 0x3000
  mov ecx, 2
  rep insw
  mov rsi, 0x3000
  outsb
  hlt`,
  ).filter((c) => c.kind === Intercept.Io);
  assert.equal(calls.length, 4);
  const fields = calls.map(({ info }) => [info.port, info.size, info.toRegister, info.string, info.rep]);
  assert.deepEqual(fields, [
    [0x3f8, 1, false, false, false],
    [0x71, 4, true, false, false],
    [0x3f8, 2, true, true, true],
    [0x3f8, 1, false, true, false],
  ]);
  assert.equal(calls[2]!.info.linearAddress, 0x3000);
});

nasmTest('MSR, TSC, CPUID, INVLPG, cache and descriptor-table exits carry their fields', () => {
  const calls = interceptsOf(
    `  mov ecx, 0xc0000080
  rdmsr
  wrmsr
  rdtsc
  rdtscp
  cpuid
  invlpg [0x12345]
  wbinvd
  invd
  sgdt [0x3000]
  str r10
  hlt`,
  );
  assert.deepEqual(
    calls.map((c) => c.kind),
    [Intercept.Rdmsr, Intercept.Wrmsr, Intercept.Rdtsc, Intercept.Rdtscp, Intercept.Cpuid, Intercept.Invlpg, Intercept.Wbinvd, Intercept.Invd, Intercept.DescriptorTable, Intercept.DescriptorTable, Intercept.Hlt],
  );
  assert.equal(calls[0]!.info.msr, 0xc0000080);
  assert.equal(calls[1]!.info.value, 0xd01n);
  assert.equal(calls[5]!.info.linearAddress, 0x12345);
  assert.equal(calls[8]!.info.mnemonic, Mnemonic.Sgdt);
  assert.equal(calls[8]!.info.linearAddress, 0x3000);
  assert.equal(calls[9]!.info.mnemonic, Mnemonic.Str);
  assert.equal(calls[9]!.info.gpr, 10);
});

nasmTest('privilege faults come before the exit: RDMSR at CPL 3 raises #GP without an intercept', () => {
  const t = systemTest('  TO_RING3 user\nuser:\n  rdmsr');
  t.run(2);
  const recorder = new Recorder();
  t.cpu.nonRoot = recorder;
  t.runToStop();
  t.cpu.nonRoot = undefined;
  assert.equal(recorded(t).vector, 13n);
  assert.deepEqual(
    recorder.calls.map((c) => c.kind),
    [Intercept.Hlt],
    'only the hlt of the #GP stub exits',
  );
});

nasmTest('REP INSB with DF = 1 fills downwards; a #PF part-way leaves RCX/RDI at the fault', () => {
  const t = systemTest(
    `  std
  mov dx, 0x3fd
  mov rdi, 0x3003
  mov ecx, 4
  rep insb
  cld
  mov qword [0x8000], 0            ; unmap the second GiB
  mov rax, cr3
  mov cr3, rax
  mov rdi, 0x40000000 - 2
  mov ecx, 8
  rep insb`,
  ).runToStop();
  assert.equal(qword(t, 0x3000) & 0xffffffffn, 0x60606060n);
  const r = recorded(t);
  assert.equal(r.vector, 14n);
  assert.equal(r.cr2, 0x40000000n);
  assert.equal(t.cpu.getGpr(1), 6n, 'two elements done before the fault');
  assert.equal(t.cpu.getGpr(7), 0x40000000n);
});

nasmTest('the VMX control-register filter adjusts CR0/CR4 writes and can refuse them with #GP', () => {
  const t = systemTest(
    `  mov rax, cr0
  and eax, ~0x20          ; try to clear NE
  mov cr0, rax
  mov r8, cr0
  clts
  mov rax, cr4
  SLOT 0, fault
fault:
  mov cr4, rax`,
  );
  t.cpu.controlRegisterFilter = (register, value) => {
    if (register === 4) throw gp0();
    return (value | 0x20) >>> 0; // NE is fixed to 1
  };
  t.runToStop();
  assert.equal(t.cpu.getGpr(8) & 0x20n, 0x20n);
  assert.equal(recorded(t).vector, 13n);
  assert.equal(recorded(t).rip, slot(t, 0));
});

nasmTest('INT3 and INT1 are reported to the software-exception hook with their length; INT n is not', () => {
  const t = systemTest('  int 0x30\n  int3\n  int1\n  hlt\nback:\n  iretq', { gates: { 0x30: { handler: 'back' }, 3: { handler: 'back' }, 1: { handler: 'back' } } });
  const seen: [number, string, number][] = [];
  t.cpu.softwareExceptionHook = (vector, kind, length) => seen.push([vector, kind, length]);
  t.runToStop();
  assert.deepEqual(seen, [
    [3, 'software-exception', 1],
    [1, 'privileged-software-exception', 1],
  ]);
});
