import { test } from 'node:test';
import assert from 'node:assert/strict';
import { F, VMCS_FIELDS, resolveEncoding, widthOf, typeOf } from '../../src/machine/vmx/fields';
import { TrueControls, VMX_CAPABILITY_MSRS, VmxMsr, controlAllowed, EptCap } from '../../src/machine/vmx/capabilities';
import { Controls, Primary, Secondary, bitNames } from '../../src/machine/vmx/controls';
import { exitReasonName } from '../../src/machine/vmx/exitReasons';
import { instructionErrorText } from '../../src/machine/vmx/instructionErrors';
import { vmread, vmwrite, Vmcs } from '../../src/machine/vmx/vmcs';

test('field widths and types come from the encoding (fact sheet §1.1)', () => {
  assert.equal(widthOf(F.VPID), 16);
  assert.equal(widthOf(F.EPT_POINTER), 64);
  assert.equal(widthOf(F.VM_EXIT_REASON), 32);
  assert.equal(widthOf(F.GUEST_RIP), 'natural');
  assert.equal(typeOf(F.VM_EXIT_REASON), 'read-only');
  assert.equal(typeOf(F.HOST_RIP), 'host');
  assert.equal(typeOf(F.GUEST_CR3), 'guest');
  assert.equal(typeOf(F.EXCEPTION_BITMAP), 'control');
  assert.ok(VMCS_FIELDS.size >= 150);
  for (const field of VMCS_FIELDS.values()) assert.equal(field.encoding & 1, 0, `${field.name} is a full-access encoding`);
});

test('encoding resolution: high access only for 64-bit fields; reserved bits 12 and 31:15 rejected', () => {
  assert.deepEqual(resolveEncoding(F.TSC_OFFSET + 1)?.high, true);
  assert.equal(resolveEncoding(F.GUEST_RIP + 1), undefined);
  assert.equal(resolveEncoding(F.GUEST_RIP | 0x1000), undefined);
  assert.equal(resolveEncoding(F.GUEST_RIP | 0x8000), undefined);
  assert.equal(resolveEncoding(0x0006), undefined, 'unknown 16-bit control');
});

test('VMREAD/VMWRITE helpers: truncation to width, read-only and unsupported errors', () => {
  const vmcs = new Vmcs(0x1000);
  assert.deepEqual(vmwrite(vmcs, BigInt(F.VM_EXIT_REASON), 1n), { ok: false, error: 13 });
  assert.deepEqual(vmwrite(vmcs, 0x7777n, 1n), { ok: false, error: 12 });
  vmwrite(vmcs, BigInt(F.EXCEPTION_BITMAP), 0x1234567890n);
  assert.deepEqual(vmread(vmcs, BigInt(F.EXCEPTION_BITMAP)), { ok: true, value: 0x34567890n });
});

test('capability MSRs describe one coherent model', () => {
  for (const [name, cap] of Object.entries(TrueControls)) {
    assert.equal((cap.mustBeOne & ~cap.mayBeOne) >>> 0, 0, `${name}: must-be-one ⊆ may-be-one`);
    assert.ok(controlAllowed(cap.mustBeOne, cap), name);
  }
  const msr = (index: number): bigint => VMX_CAPABILITY_MSRS.get(index)!;
  // TRUE allowed-0 ⊆ default allowed-0; allowed-1 identical
  for (const [plain, truer] of [[VmxMsr.PROCBASED_CTLS, VmxMsr.TRUE_PROCBASED_CTLS], [VmxMsr.EXIT_CTLS, VmxMsr.TRUE_EXIT_CTLS], [VmxMsr.ENTRY_CTLS, VmxMsr.TRUE_ENTRY_CTLS], [VmxMsr.PINBASED_CTLS, VmxMsr.TRUE_PINBASED_CTLS]]) {
    assert.equal(msr(truer!) & ~msr(plain!) & 0xffffffffn, 0n);
    assert.equal(msr(truer!) >> 32n, msr(plain!) >> 32n);
  }
  const secondary = Number(msr(VmxMsr.PROCBASED_CTLS2) >> 32n);
  for (const bit of [Secondary.enableEpt, Secondary.enableVpid, Secondary.unrestrictedGuest]) assert.ok(secondary & bit);
  assert.ok(Number(msr(VmxMsr.TRUE_PINBASED_CTLS) >> 32n) & (1 << 6), 'preemption timer');
  const ept = msr(VmxMsr.EPT_VPID_CAP);
  for (const cap of [EptCap.walkLength4, EptCap.writeBack, EptCap.pages2M, EptCap.pages1G, EptCap.accessedDirty, EptCap.invvpid]) assert.ok(ept & cap);
  assert.equal(msr(VmxMsr.BASIC) & 0x7fffffffn, BigInt(0x48535631));
  assert.equal(msr(VmxMsr.CR0_FIXED0), 0x80000021n);
  assert.equal(msr(VmxMsr.CR4_FIXED0), 0x2000n);
  assert.equal(VMX_CAPABILITY_MSRS.size, 0x12);
});

test('secondary controls read as 0 unless activated; bit names for the debugger', () => {
  assert.equal(new Controls(0x16, 0, 0xff, 0, 0).secondary.enableEpt, false);
  assert.equal(new Controls(0x16, Primary.activateSecondaryControls, 2, 0, 0).secondary.enableEpt, true);
  assert.deepEqual(bitNames(Primary, Primary.hltExiting | (1 << 1)), ['bit 1', 'hltExiting']);
  assert.equal(exitReasonName(0x80000021), 'VM-entry failure: invalid guest state');
  assert.equal(exitReasonName(48), 'EPT violation');
  assert.equal(instructionErrorText(7), 'VM entry with invalid control field(s)');
});
