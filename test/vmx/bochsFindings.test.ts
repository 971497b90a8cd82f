/**
 * Regression tests for discrepancies the Bochs differential tests (bochsDiff.test.ts)
 * found in our VMX: each pins the SDM behaviour now implemented.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hasNasm } from '../machine/cpuRunner';
import { F } from '../../src/machine/vmx/fields';
import { VMX_CAPABILITY_MSRS, VmxMsr } from '../../src/machine/vmx/capabilities';
import { Primary, Secondary } from '../../src/machine/vmx/controls';
import { Defaults, vmxTest, type VmxProgram } from './prelude';

const skip = !hasNasm() && 'nasm is not installed';

function firstExit(p: VmxProgram): { reason: bigint; qualification: bigint; length: bigint } {
  const t = vmxTest(p).runToStop();
  const vmcs = t.machine.vmx.current!;
  return { reason: vmcs.get(F.VM_EXIT_REASON), qualification: vmcs.get(F.EXIT_QUALIFICATION), length: vmcs.get(F.VM_EXIT_INSTRUCTION_LEN) };
}

test('I/O exit qualification bit 6 = 1 for an immediate port operand, 0 for DX (SDM Table 27-5)', { skip }, () => {
  const primary = Defaults.primary | Primary.unconditionalIoExiting;
  assert.equal(firstExit({ primary, guest: 'out 0x80, al' }).qualification, BigInt(0x40 | (0x80 << 16)));
  assert.equal(firstExit({ primary, guest: 'in ax, 0x70' }).qualification, BigInt(0x40 | 8 | 1 | (0x70 << 16)));
  assert.equal(firstExit({ primary, guest: 'mov dx, 0x70\nin ax, dx' }).qualification, BigInt(8 | 1 | (0x70 << 16)));
});

test('WBINVD exiting (secondary bit 6) is advertised in IA32_VMX_PROCBASED_CTLS2 and exits with reason 54', { skip }, () => {
  assert.ok(Number((VMX_CAPABILITY_MSRS.get(VmxMsr.PROCBASED_CTLS2) ?? 0n) >> 32n) & Secondary.wbinvdExiting);
  const e = firstExit({ primary: Defaults.primary | Primary.activateSecondaryControls, secondary: Secondary.wbinvdExiting, guest: 'wbinvd' });
  assert.equal(e.reason, 54n);
  assert.equal(e.length, 2n);
});

test('"save VMX-preemption-timer value" saves 0 when the timer expired (exit 52 before the first guest instruction)', { skip }, () => {
  const t = vmxTest({
    pin: Defaults.pin | (1 << 6),
    exit: Defaults.exit | (1 << 22),
    setup: '  VMW VMX_PREEMPTION_TIMER_VALUE, 0',
    guest: 'hlt',
  }).runToStop();
  const vmcs = t.machine.vmx.current!;
  assert.equal(vmcs.get(F.VM_EXIT_REASON), 52n);
  assert.equal(vmcs.get(F.VMX_PREEMPTION_TIMER_VALUE), 0n);
});

test('an exit right after MOV SS saves blocking by MOV SS (2), right after STI blocking by STI (1) (SDM 27.3.4)', { skip }, () => {
  const primary = Defaults.primary;
  const movSs = firstExitField({ primary, guest: 'mov ax, ss\nmov ss, ax\ncpuid' }, F.GUEST_INTERRUPTIBILITY_INFO);
  assert.equal(movSs, 2n);
  const sti = firstExitField({ primary, guest: 'sti\ncpuid' }, F.GUEST_INTERRUPTIBILITY_INFO);
  assert.equal(sti, 1n);
});

function firstExitField(p: VmxProgram, field: number): bigint {
  return vmxTest(p).runToStop().machine.vmx.current!.get(field);
}

test('descriptor-table exits (46/47) report instruction information and the displacement (SDM Tables 27-10, 27-11)', { skip }, () => {
  const p = (guest: string): VmxProgram => ({ primary: Defaults.primary | Primary.activateSecondaryControls, secondary: Secondary.descriptorTableExiting, guest: `mov rbx, 0x300000\nmov rcx, 2\n${guest}` });
  const sgdt = vmxTest(p('sgdt [rbx + 0x40]')).runToStop().machine.vmx.current!;
  assert.equal(sgdt.get(F.VM_EXIT_REASON), 46n);
  assert.equal(sgdt.get(F.EXIT_QUALIFICATION), 0x40n);
  assert.equal(sgdt.get(F.VMX_INSTRUCTION_INFO), 0x01c18100n, 'identity 0, base RBX, no index, DS, 64-bit address');
  const sidt = vmxTest(p('sidt [rbx + rcx * 2]')).runToStop().machine.vmx.current!;
  assert.equal(sidt.get(F.VMX_INSTRUCTION_INFO), 0x11858101n, 'identity 1, base RBX, index RCX, scale 2');
  const sldt = vmxTest(p('sldt eax')).runToStop().machine.vmx.current!;
  assert.equal(sldt.get(F.VM_EXIT_REASON), 47n);
  assert.equal(sldt.get(F.VMX_INSTRUCTION_INFO), 0x400n, 'register operand, reg1 = RAX');
  const ltr = vmxTest(p('mov r8w, 0\nltr r8w')).runToStop().machine.vmx.current!;
  assert.equal(ltr.get(F.VMX_INSTRUCTION_INFO), 0x30000440n, 'identity 3, register operand R8');
});

test('INS/OUTS exits report instruction information (address size, segment) and IA32_VMX_BASIC bit 54 says so (SDM Table 27-8)', { skip }, () => {
  assert.ok((VMX_CAPABILITY_MSRS.get(VmxMsr.BASIC) ?? 0n) & (1n << 54n));
  const primary = Defaults.primary | Primary.unconditionalIoExiting;
  const outs = vmxTest({ primary, guest: 'mov rsi, 0x300000\nmov dx, 0x80\nfs outsb' }).runToStop().machine.vmx.current!;
  assert.equal(outs.get(F.VMX_INSTRUCTION_INFO), BigInt((2 << 7) | (4 << 15)), '64-bit address, FS');
  const outs32 = vmxTest({ primary, guest: 'mov rsi, 0x300000\nmov dx, 0x80\na32 outsb' }).runToStop().machine.vmx.current!;
  assert.equal(outs32.get(F.VMX_INSTRUCTION_INFO), BigInt((1 << 7) | (3 << 15)), '32-bit address, DS');
});

test('#DB exits report the DR6 bits as qualification (BS = 0x4000 for a single step) and leave DR6 alone (SDM 27.2.1 Table 27-1)', { skip }, () => {
  const t = vmxTest({ setup: '  VMW EXCEPTION_BITMAP, 2', guest: 'pushfq\nor qword [rsp], 0x100\npopfq\nnop\nhlt' }).runToStop();
  const vmcs = t.machine.vmx.current!;
  assert.equal(vmcs.get(F.VM_EXIT_REASON), 0n);
  assert.equal(vmcs.get(F.VM_EXIT_INTR_INFO), 0x80000301n);
  assert.equal(vmcs.get(F.EXIT_QUALIFICATION), 0x4000n);
  assert.equal(t.cpu.dr[6]! & 0x4000, 0, 'DR6.BS not set by a #DB that exits');
});
