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
