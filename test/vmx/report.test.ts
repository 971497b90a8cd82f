import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hasNasm } from '../machine/cpuRunner';
import { describeQualification } from '../../src/machine/vmx/exitQualification';
import { formatExit, vmExitReport } from '../../src/machine/vmx/report';
import { describeVmcs } from '../../src/machine/vmx/vmcsView';
import { Defaults, vmxTest } from './prelude';

const skip = !hasNasm() && 'nasm is not installed';

test('qualifications in words: CR access, MOV DR, I/O, EPT violation, #PF, entry failures', () => {
  assert.equal(describeQualification(28, BigInt(3 | (9 << 8))), 'MOV to CR3 from r9');
  assert.equal(describeQualification(28, BigInt(3 | (1 << 4))), 'MOV from CR3 to rax');
  assert.equal(describeQualification(28, BigInt(0x30 | 0x40 | (0x11 << 16))), 'LMSW 0x11 (memory operand)');
  assert.equal(describeQualification(29, BigInt(7 | 0x10 | (3 << 8))), 'MOV from DR7 to rbx');
  assert.equal(describeQualification(30, 0x3f80000n), 'OUT 1 byte to port 0x3f8 (port in DX)');
  assert.equal(describeQualification(30, BigInt(1 | 8 | 0x10 | 0x20 | (0x80 << 16))), 'INS 2 bytes from port 0x80 (string, REP, port in DX)');
  assert.equal(describeQualification(48, 0x18an), 'write; EPT allowed R; access to the final translated address');
  assert.equal(describeQualification(48, 0x81n), 'read; EPT allowed not present; access to a guest paging-structure entry');
  assert.equal(describeQualification(0, 0x1000n, 0x80000b0e), '#PF page fault, faulting linear address 0x1000');
  assert.equal(describeQualification(0x80000021, 4n), 'invalid VMCS link pointer');
  assert.equal(describeQualification(0x80000022, 2n), 'VM-entry MSR-load entry 2 failed');
  assert.equal(describeQualification(10, 0n), '0x0');
});

test('run --json report: exits in order, per-reason statistics, the entry failure', { skip }, () => {
  const t = vmxTest({
    primary: Defaults.primary | (1 << 7),
    guest: 'cpuid\ncpuid\ncpuid\nhlt',
    host: `
  mov rdx, VM_EXIT_REASON
  vmread rax, rdx
  cmp rax, 12
  je done
  mov rdx, GUEST_RIP
  vmread rbx, rdx
  add rbx, 2
  vmwrite rdx, rbx
  vmresume
done:
  hlt`,
  }).runToStop();
  const report = vmExitReport(t.machine.vmx, 2);
  assert.equal(report.vmExits.length, 2);
  assert.equal(report.omittedVmExits, 2);
  assert.deepEqual(report.vmExits[0], { reason: 10, name: 'CPUID', qualification: '0x0', guestRip: report.vmExits[0]!.guestRip, guestPhysical: null, instructionLength: 2 });
  assert.deepEqual(report.exitStats, { '10 CPUID': { count: 3, percent: 75 }, '12 HLT': { count: 1, percent: 25 } });
  assert.equal(report.vmEntryFailure, undefined);
  assert.match(formatExit(t.machine.vmx.exits[3]!), /^VM exit 12 HLT at guest RIP 0x[0-9a-f]+: 0x0$/);
});

test('the report carries the typed entry failure', { skip }, () => {
  const t = vmxTest({ primary: Defaults.primary | 0x80000000, secondary: 1 << 7, guest: 'hlt' }).runToStop();
  const failure = vmExitReport(t.machine.vmx).vmEntryFailure!;
  assert.equal(failure.check, 'C13');
  assert.equal(failure.error, 7);
  assert.deepEqual(failure.fields, ['SECONDARY_VM_EXEC_CONTROL']);
  assert.equal(failure.sdm, '26.2.1.1');
});

test('the VMCS view groups fields and decodes controls bit by bit and the exit', { skip }, () => {
  const t = vmxTest({ primary: Defaults.primary | (1 << 7), guest: 'hlt' }).runToStop();
  const view = describeVmcs(t.machine.vmx.current!);
  assert.deepEqual(view.map((g) => g.group), ['Controls', 'Exit information', 'Guest state', 'Host state']);
  const primary = view[0]!.fields.find((f) => f.name === 'CPU_BASED_VM_EXEC_CONTROL')!;
  assert.match(primary.decoded!, /hltExiting/);
  const reason = view[1]!.fields.find((f) => f.name === 'VM_EXIT_REASON')!;
  assert.equal(reason.value, '0xc');
  assert.equal(reason.decoded, 'HLT');
  assert.ok(view[2]!.fields.some((f) => f.name === 'GUEST_RIP'));
});
