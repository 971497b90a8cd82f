/**
 * Fields of features our capability MSRs report as absent do not exist (SDM Appendix B):
 * VMREAD/VMWRITE fail with VMfailValid(12), as on Bochs; fields of advertised features work.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { F } from '../../src/machine/vmx/fields';
import { TrueControls, VMX_CAPABILITY_MSRS, VmxMsr, fieldExists } from '../../src/machine/vmx/capabilities';
import { Pin, Primary, Secondary } from '../../src/machine/vmx/controls';
import { vmread, vmwrite, Vmcs } from '../../src/machine/vmx/vmcs';
import { hasNasm } from '../machine/cpuRunner';
import { vmxTest } from './prelude';

const ABSENT = [F.POSTED_INTR_NV, F.POSTED_INTR_DESC_ADDR, F.TERTIARY_VM_EXEC_CONTROL, F.NOTIFY_WINDOW, F.VIRTUAL_APIC_PAGE_ADDR, F.TPR_THRESHOLD, F.APIC_ACCESS_ADDR, F.EOI_EXIT_BITMAP0, F.GUEST_INTR_STATUS, F.PML_ADDRESS, F.EPTP_INDEX, F.VMREAD_BITMAP, F.TSC_MULTIPLIER, F.PLE_WINDOW];

test('the capability MSRs do not advertise the features of the absent fields', () => {
  assert.equal(TrueControls.pin.mayBeOne & Pin.processPostedInterrupts, 0);
  assert.equal(TrueControls.primary.mayBeOne & (Primary.useTprShadow | Primary.activateTertiaryControls), 0);
  assert.equal(TrueControls.secondary.mayBeOne & (Secondary.virtualizeApicAccesses | Secondary.enablePml | Secondary.vmcsShadowing), 0);
});

test('VMREAD/VMWRITE of a field of an absent feature: error 12 (also the high half of a 64-bit one)', () => {
  const vmcs = new Vmcs(0x1000);
  for (const encoding of ABSENT) {
    assert.equal(fieldExists(encoding), false, `0x${encoding.toString(16)}`);
    assert.deepEqual(vmwrite(vmcs, BigInt(encoding), 1n), { ok: false, error: 12 }, `VMWRITE 0x${encoding.toString(16)}`);
    assert.deepEqual(vmread(vmcs, BigInt(encoding)), { ok: false, error: 12 }, `VMREAD 0x${encoding.toString(16)}`);
  }
  assert.deepEqual(vmread(vmcs, BigInt(F.POSTED_INTR_DESC_ADDR + 1)), { ok: false, error: 12 });
  for (const encoding of [F.VPID, F.EPT_POINTER, F.TSC_OFFSET, F.MSR_BITMAP, F.VMX_PREEMPTION_TIMER_VALUE]) {
    assert.equal(fieldExists(encoding), true);
    assert.deepEqual(vmwrite(vmcs, BigInt(encoding), 1n), { ok: true, value: 1n });
  }
});

test('VMWRITE TPR_THRESHOLD in a program: VMfailValid(12), ZF set', { skip: !hasNasm() && 'nasm is not installed' }, () => {
  const t = vmxTest({ setup: '  mov rdx, TPR_THRESHOLD\n  vmwrite rdx, rdx\n  pushfq\n  pop r14\n  mov rdx, VM_INSTRUCTION_ERROR\n  vmread r13, rdx', guest: 'hlt' }).runToStop();
  assert.equal(t.cpu.getGpr(13), 12n);
  assert.equal(t.cpu.getGpr(14) & 0x41n, 0x40n, 'ZF = 1, CF = 0');
});

test('IA32_VMX_VMCS_ENUM names the highest index of an existing field (the preemption timer value, 0x17)', () => {
  assert.equal(VMX_CAPABILITY_MSRS.get(VmxMsr.VMCS_ENUM), 0x2en);
});
