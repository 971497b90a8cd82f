/**
 * Exit qualification and instruction information of VMX and descriptor-table instructions
 * with unusual memory operands (SDM 27.2.1, 27.2.5 Tables 27-10/27-13/27-14), found by the
 * Bochs cases exit-descriptor-tables and vmx-operands: RIP-relative operands report the
 * effective address, displacements are sign-extended to 64 bits with a 32-bit address
 * size, and ES/CS/SS/DS prefixes (ignored in 64-bit mode) leave the default segment.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hasNasm } from '../machine/cpuRunner';
import { F } from '../../src/machine/vmx/fields';
import { Primary, Secondary } from '../../src/machine/vmx/controls';
import { Defaults, vmxTest } from './prelude';

const skip = !hasNasm() && 'nasm is not installed';

function exitOf(guest: string, secondary = 0): { reason: bigint; qualification: bigint; info: bigint; rip: bigint; length: bigint } {
  const vmcs = vmxTest({ primary: Defaults.primary | Primary.activateSecondaryControls, secondary, guest }).runToStop().machine.vmx.current!;
  return {
    reason: vmcs.get(F.VM_EXIT_REASON),
    qualification: vmcs.get(F.EXIT_QUALIFICATION),
    info: vmcs.get(F.VMX_INSTRUCTION_INFO),
    rip: vmcs.get(F.GUEST_RIP),
    length: vmcs.get(F.VM_EXIT_INSTRUCTION_LEN),
  };
}

test('a RIP-relative operand: the qualification is displacement + the next RIP (SDM 27.2.1)', { skip }, () => {
  const sgdt = exitOf('sgdt [rel target]\ntarget: dq 0, 0', Secondary.descriptorTableExiting);
  assert.equal(sgdt.reason, 46n);
  assert.equal(sgdt.qualification, sgdt.rip + sgdt.length, 'the target follows the instruction');
  const vmread = exitOf('mov edx, 0x4400\nvmread [rel target], rdx\ntarget: dq 0');
  assert.equal(vmread.reason, 23n);
  assert.equal(vmread.qualification, vmread.rip + vmread.length);
});

test('a negative displacement with a 32-bit address size is sign-extended to 64 bits (SDM 27.2.1)', { skip }, () => {
  const vmptrld = exitOf('mov ebx, 0x300000\nvmptrld [ebx - 0x10]');
  assert.equal(vmptrld.reason, 21n);
  assert.equal(vmptrld.qualification, 0xfffffffffffffff0n);
  assert.equal((vmptrld.info >> 7n) & 7n, 1n, '32-bit address size');
  const sgdt = exitOf('mov ebx, 0x300000\nsgdt [ebx + 0x80000000]', Secondary.descriptorTableExiting);
  assert.equal(sgdt.qualification, 0xffffffff80000000n);
});

test('ES/SS/DS/CS prefixes are ignored in 64-bit mode: the instruction information reports the default segment', { skip }, () => {
  const segment = (info: bigint): bigint => (info >> 15n) & 7n;
  assert.equal(segment(exitOf('mov ebx, 0x300000\nvmclear [es:ebx]').info), 3n, 'DS');
  assert.equal(segment(exitOf('mov ebx, 0x300000\nmov edx, 2\ninvept rdx, [ss:rbx + 0x40]').info), 3n, 'DS');
  assert.equal(segment(exitOf('mov rbp, 0x300000\nvmptrld [ds:rbp]').info), 2n, 'SS: the default for an RBP base');
  assert.equal(segment(exitOf('mov ebx, 0x300000\nvmptrld [fs:rbx]').info), 4n, 'FS is honoured');
  assert.equal(segment(exitOf('mov rsp, 0x300000\nsidt [gs:rsp + 8]', Secondary.descriptorTableExiting).info), 5n, 'GS is honoured');
});
