/**
 * Exit priority and qualification edges found by the Bochs case exit-edges-more: MOV DR
 * exits before the CR4.DE #UD and the general-detect #DB (SDM 26.1.3), and an INVLPG of a
 * non-canonical address exits with that address as qualification (SDM 27.2.1).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hasNasm } from '../machine/cpuRunner';
import { F } from '../../src/machine/vmx/fields';
import { Primary } from '../../src/machine/vmx/controls';
import { Defaults, vmxTest } from './prelude';

const skip = !hasNasm() && 'nasm is not installed';

function firstExit(primary: number, setup: string, guest: string): { reason: bigint; qualification: bigint; interruption: bigint } {
  // entry control 2 (load debug controls): GUEST_DR7 is loaded
  const vmcs = vmxTest({ primary, entry: Defaults.entry | 4, setup: `  VMW EXCEPTION_BITMAP, 0xffffffff\n${setup}`, guest }).runToStop().machine.vmx.current!;
  return { reason: vmcs.get(F.VM_EXIT_REASON), qualification: vmcs.get(F.EXIT_QUALIFICATION), interruption: vmcs.get(F.VM_EXIT_INTR_INFO) };
}

test('MOV DR exiting has priority over the CR4.DE #UD for DR4/DR5 (SDM 26.1.3)', { skip }, () => {
  const setDe = '  mov rax, cr4\n  or eax, 8\n  VMW GUEST_CR4, rax';
  const e = firstExit(Defaults.primary | Primary.movDrExiting, setDe, 'mov rax, dr4');
  assert.equal(e.reason, 29n);
  assert.equal(e.qualification, 0x14n, 'DR4, MOV from DR, RAX');
  assert.equal(firstExit(Defaults.primary, setDe, 'mov rax, dr4').interruption, 0x80000306n, 'without MOV-DR exiting: #UD');
});

test('MOV DR exiting has priority over the general-detect #DB (DR7.GD)', { skip }, () => {
  const e = firstExit(Defaults.primary | Primary.movDrExiting, '  VMW GUEST_DR7, 0x2400', 'mov rdx, dr0');
  assert.equal(e.reason, 29n);
  assert.equal(e.qualification, 0x210n, 'DR0, MOV from DR, RDX');
  assert.equal(firstExit(Defaults.primary, '  VMW GUEST_DR7, 0x2400', 'mov rdx, dr0').interruption, 0x80000301n, 'without MOV-DR exiting: #DB');
});

test('INVLPG of a non-canonical address exits with that address as qualification (SDM 27.2.1)', { skip }, () => {
  const e = firstExit(Defaults.primary | Primary.invlpgExiting, '', 'mov rax, 0x0000900000001000\ninvlpg [rax + 0x10]');
  assert.equal(e.reason, 14n);
  assert.equal(e.qualification, 0x900000001010n);
  const fs = firstExit(Defaults.primary | Primary.invlpgExiting, '  mov rax, 0x00007fffffffff00\n  VMW GUEST_FS_BASE, rax', 'invlpg [fs:0x200]');
  assert.equal(fs.qualification, 0x800000000100n, 'FS base + offset');
});
