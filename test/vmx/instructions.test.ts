import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpuTest, hasNasm, nasm, type CpuTest } from '../machine/cpuRunner';
import { F } from '../../src/machine/vmx/fields';
import { VMCS_REVISION_ID, VmxMsr } from '../../src/machine/vmx/capabilities';
import { Layout } from './prelude';

const skip = !hasNasm() && 'nasm is not installed';
const CF = 1;
const ZF = 0x40;
const RESULT = 0x8d5; // CF PF AF ZF SF OF

/** VMXON (and optionally VMPTRLD of a VMCS at 0x201000), then `body`, then hlt. */
function program(body: string, options: { vmxon?: boolean; vmptrld?: boolean } = {}): string {
  const on = options.vmxon ?? true;
  return `
  mov rax, cr4
  or rax, 0x2000
  mov cr4, rax
  mov dword [0x${Layout.vmxon.toString(16)}], 0x${VMCS_REVISION_ID.toString(16)}
  mov dword [0x${Layout.vmcs.toString(16)}], 0x${VMCS_REVISION_ID.toString(16)}
  ${on ? 'vmxon [rel vmxon_ptr]' : ''}
  ${options.vmptrld ? 'vmptrld [rel vmcs_ptr]' : ''}
  ${body}
  pushfq
  pop r14
  hlt
align 8
vmxon_ptr: dq 0x${Layout.vmxon.toString(16)}
vmcs_ptr: dq 0x${Layout.vmcs.toString(16)}
bad_ptr: dq 0x201008
huge_ptr: dq 0x400000000000
other_ptr: dq 0x205000
scratch: dq 0
desc: dq 0, 0
`;
}

function run(body: string, options?: { vmxon?: boolean; vmptrld?: boolean }, setup?: (t: CpuTest) => void): CpuTest {
  const t = cpuTest(nasm(program(body, options)), 32);
  setup?.(t);
  return t.runToStop();
}

function resultFlags(t: CpuTest): number {
  return Number(t.cpu.getGpr(14)) & RESULT;
}

function instructionError(t: CpuTest): bigint {
  return t.machine.vmx.current!.get(F.VM_INSTRUCTION_ERROR);
}

test('VMXON enters VMX root operation with VMsucceed (all result flags clear)', { skip }, () => {
  const t = run('', {}, (t) => (t.cpu.rflags = 0x2 | CF | ZF | 0x80));
  t.assertStop('halt');
  assert.equal(t.machine.vmx.operation, 'root');
  assert.equal(resultFlags(t), 0);
});

test('VMXON without CR4.VMXE raises #UD', { skip }, () => {
  const t = cpuTest(nasm('vmxon [rel p]\nhlt\np: dq 0x200000'), 32).runToStop();
  t.assertStop('triple-fault', /#UD/);
});

test('VMXON with IA32_FEATURE_CONTROL unlocked raises #GP(0)', { skip }, () => {
  const t = run('', {}, (t) => t.cpu.msrs.set(0x3a, 4n));
  t.assertStop('triple-fault', /#GP/);
});

test('VMXON at CPL 3 raises #GP(0)', { skip }, () => {
  const u = cpuTest(nasm(program('vmxon [rel vmxon_ptr]', { vmxon: false })), 32);
  u.run(5); // CR4.VMXE set and the revision identifiers written; next is VMXON
  u.cpu.cpl = 3; // the boot page tables are user-accessible
  u.runToStop().assertStop('triple-fault', /#GP/);
});

test('VMXON with a bad revision identifier or an unaligned pointer is VMfailInvalid', { skip }, () => {
  let t = run('mov dword [0x200000], 0x1234\nvmxon [rel vmxon_ptr]', { vmxon: false });
  assert.equal(resultFlags(t), CF);
  assert.equal(t.machine.vmx.operation, 'off');
  t = run('vmxon [rel bad_ptr]', { vmxon: false });
  assert.equal(resultFlags(t), CF);
  t = run('vmxon [rel huge_ptr]', { vmxon: false });
  assert.equal(resultFlags(t), CF);
});

test('VMXON in VMX root operation: VMfailInvalid without a current VMCS, VMfailValid(15) with one', { skip }, () => {
  assert.equal(resultFlags(run('vmxon [rel vmxon_ptr]')), CF);
  const t = run('vmxon [rel vmxon_ptr]', { vmptrld: true });
  assert.equal(resultFlags(t), ZF);
  assert.equal(instructionError(t), 15n);
});

test('VMX instructions outside VMX operation raise #UD', { skip }, () => {
  for (const insn of ['vmptrld [rel vmcs_ptr]', 'vmclear [rel vmcs_ptr]', 'vmread rax, rbx', 'vmlaunch', 'vmxoff', 'vmcall', 'invept rax, [rel desc]']) {
    run(insn, { vmxon: false }).assertStop('triple-fault', /#UD/);
  }
});

test('VMPTRLD makes a VMCS current; VMPTRST stores its address (all ones without one)', { skip }, () => {
  let t = run('vmptrst [rel scratch]\nmov rbx, [rel scratch]');
  assert.equal(t.cpu.getGpr(3), 0xffffffffffffffffn);
  t = run('vmptrst [rel scratch]\nmov rbx, [rel scratch]', { vmptrld: true });
  assert.equal(t.cpu.getGpr(3), BigInt(Layout.vmcs));
  assert.equal(resultFlags(t), 0);
});

test('VMPTRLD failures: invalid address 9, VMXON pointer 10, bad revision 11', { skip }, () => {
  assert.equal(resultFlags(run('vmptrld [rel bad_ptr]')), CF, 'no current VMCS: VMfailInvalid');
  let t = run('vmptrld [rel bad_ptr]', { vmptrld: true });
  assert.equal(instructionError(t), 9n);
  t = run('vmptrld [rel vmxon_ptr]', { vmptrld: true });
  assert.equal(instructionError(t), 10n);
  t = run('mov dword [0x205000], 7\nvmptrld [rel other_ptr]', { vmptrld: true });
  assert.equal(resultFlags(t), ZF);
  assert.equal(instructionError(t), 11n);
});

test('VMCLEAR: clears the launch state and the current pointer; errors 2 and 3', { skip }, () => {
  let t = run('vmclear [rel vmcs_ptr]\nvmptrst [rel scratch]\nmov rbx, [rel scratch]', { vmptrld: true });
  assert.equal(resultFlags(t), 0);
  assert.equal(t.cpu.getGpr(3), 0xffffffffffffffffn);
  t = run('vmclear [rel bad_ptr]', { vmptrld: true });
  assert.equal(instructionError(t), 2n);
  t = run('vmclear [rel vmxon_ptr]', { vmptrld: true });
  assert.equal(instructionError(t), 3n);
});

test('VMWRITE/VMREAD round-trip with width rules: 16-bit truncation, high access of 64-bit fields', { skip }, () => {
  const t = run(
    `mov rdx, GUEST_CS_SELECTOR
    mov rax, 0x12345
    vmwrite rdx, rax
    vmread rbx, rdx
    mov rdx, TSC_OFFSET
    mov rax, 0x1111111122222222
    vmwrite rdx, rax
    mov rdx, TSC_OFFSET + 1
    mov rax, 0x33
    vmwrite rdx, rax
    vmread rcx, rdx
    mov rdx, TSC_OFFSET
    vmread rsi, rdx
    mov rdx, GUEST_RIP
    vmwrite rdx, [rel huge_ptr]
    vmread [rel scratch], rdx
    mov rdi, [rel scratch]`.replace(/GUEST_CS_SELECTOR/g, '0x802').replace(/TSC_OFFSET/g, '0x2010').replace(/GUEST_RIP/g, '0x681e'),
    { vmptrld: true },
  );
  assert.equal(resultFlags(t), 0);
  assert.equal(t.cpu.getGpr(3), 0x2345n, '16-bit field keeps 16 bits');
  assert.equal(t.cpu.getGpr(1), 0x33n, 'high access reads bits 63:32');
  assert.equal(t.cpu.getGpr(6), 0x0000003322222222n, 'high write keeps the low dword');
  assert.equal(t.cpu.getGpr(7), 0x400000000000n, 'memory operands');
});

test('VMREAD/VMWRITE failures: unsupported component 12, read-only component 13, no current VMCS', { skip }, () => {
  let t = run('mov rdx, 0x1234\nvmread rax, rdx', { vmptrld: true });
  assert.equal(resultFlags(t), ZF);
  assert.equal(instructionError(t), 12n);
  t = run('mov rdx, 0x6c01\nvmread rax, rdx', { vmptrld: true }); // high access of a natural-width field
  assert.equal(instructionError(t), 12n);
  t = run('mov rdx, 0x100000802\nvmread rax, rdx', { vmptrld: true }); // bits 63:32 of the encoding set
  assert.equal(instructionError(t), 12n);
  t = run('mov rdx, 0x4402\nvmwrite rdx, rax', { vmptrld: true }); // VM_EXIT_REASON is read-only
  assert.equal(instructionError(t), 13n);
  t = run('mov rdx, 0x802\nvmread rax, rdx');
  assert.equal(resultFlags(t), CF);
});

test('VMLAUNCH/VMRESUME basic checks: no current VMCS is VMfailInvalid; VMRESUME of a clear VMCS is error 5', { skip }, () => {
  let t = run('vmlaunch');
  assert.equal(resultFlags(t), CF);
  assert.equal(t.machine.vmx.lastEntryFailure?.check, 'P3');
  t = run('vmresume', { vmptrld: true });
  assert.equal(resultFlags(t), ZF);
  assert.equal(instructionError(t), 5n);
  assert.match(t.machine.vmx.lastEntryFailure!.describe(), /VM-instruction error 5/);
});

test('VMCALL in VMX root operation is VMfailValid(1) (VMfailInvalid without a current VMCS)', { skip }, () => {
  assert.equal(resultFlags(run('vmcall')), CF);
  const t = run('vmcall', { vmptrld: true });
  assert.equal(resultFlags(t), ZF);
  assert.equal(instructionError(t), 1n);
});

test('VMXOFF leaves VMX operation (a following VMREAD raises #UD)', { skip }, () => {
  const t = run('vmxoff\npushfq\npop r13\nvmread rax, rbx', { vmptrld: true });
  t.assertStop('triple-fault', /#UD/);
  assert.equal(Number(t.cpu.getGpr(13)) & RESULT, 0);
  assert.equal(t.machine.vmx.operation, 'off');
});

test('INVEPT/INVVPID: invalid types and descriptors are error 28; valid ones succeed', { skip }, () => {
  const eptp = '0x22001e';
  let t = run(`mov eax, 3\ninvept rax, [rel desc]`, { vmptrld: true });
  assert.equal(instructionError(t), 28n);
  t = run(`mov qword [rel desc], ${eptp}\nmov eax, 1\ninvept rax, [rel desc]`, { vmptrld: true });
  assert.equal(resultFlags(t), 0, 'single-context INVEPT with a valid EPTP');
  t = run(`mov qword [rel desc], 0x220001\nmov eax, 1\ninvept rax, [rel desc]`, { vmptrld: true });
  assert.equal(instructionError(t), 28n, 'invalid EPTP (memory type 1)');
  t = run(`mov eax, 2\ninvept rax, [rel desc]`, { vmptrld: true });
  assert.equal(resultFlags(t), 0, 'global INVEPT');
  t = run(`mov eax, 1\ninvvpid rax, [rel desc]`, { vmptrld: true });
  assert.equal(instructionError(t), 28n, 'single-context INVVPID of VPID 0');
  t = run(`mov qword [rel desc], 0x10005\nmov eax, 1\ninvvpid rax, [rel desc]`, { vmptrld: true });
  assert.equal(instructionError(t), 28n, 'descriptor bits 63:16 set');
  t = run(`mov qword [rel desc], 5\nmov eax, 0\ninvvpid rax, [rel desc]`, { vmptrld: true });
  assert.equal(resultFlags(t), 0, 'individual-address INVVPID');
  t = run(`mov eax, 4\ninvvpid rax, [rel desc]`, { vmptrld: true });
  assert.equal(instructionError(t), 28n, 'type 4');
});

test('VMFUNC raises #UD (no VM functions in this model)', { skip }, () => {
  run('vmfunc', { vmptrld: true }).assertStop('triple-fault', /#UD/);
});

test('capability MSRs read through RDMSR; WRMSR to them raises #GP(0)', { skip }, () => {
  const t = run(`mov ecx, ${VmxMsr.BASIC}\nrdmsr\nmov ebx, eax\nmov esi, edx\nmov ecx, ${VmxMsr.TRUE_PROCBASED_CTLS}\nrdmsr\nmov edi, eax\nmov ebp, edx`, { vmxon: false });
  assert.equal(t.cpu.getGpr(3), BigInt(VMCS_REVISION_ID));
  assert.equal(t.cpu.getGpr(6) & 0x1fffn, 4096n, 'VMCS region size');
  assert.equal(t.cpu.getGpr(6) >> 23n, 1n, 'bit 55: TRUE controls');
  assert.equal(t.cpu.getGpr(7), 0x04006172n, 'TRUE primary allowed-0');
  assert.ok((t.cpu.getGpr(5) & 0x80000080n) === 0x80000080n, 'HLT exiting and secondary controls allowed');
  run(`mov ecx, ${VmxMsr.BASIC}\nwrmsr`, { vmxon: false }).assertStop('triple-fault', /#GP/);
});

test('in VMX root operation, clearing CR4.VMXE or CR0.NE raises #GP(0)', { skip }, () => {
  run('mov rax, cr4\nand rax, ~0x2000\nmov cr4, rax').assertStop('triple-fault', /#GP/);
  run('mov rax, cr0\nand rax, ~0x20\nmov cr0, rax').assertStop('triple-fault', /#GP/);
  run('mov rax, cr4\nand rax, ~0x2000\nmov cr4, rax', { vmxon: false }).assertStop('halt');
});
