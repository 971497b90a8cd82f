// hyperscope/vmx.inc: assembles cleanly (ours and nasm agree on every value), spot values
// from x86-virtualization-facts.md, one definition per name, and the typed table agrees.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assembleSource, builtinIncludes, vmxConstant, vmxConstantTable } from '../../src/asm/index';

const text = builtinIncludes['hyperscope/vmx.inc'] ?? '';
const equLine = /^(\w+)\s+equ\s+(\S+)\s*;\s*(.+)$/;

test('vmx.inc assembles without diagnostics and every constant has its table value', () => {
  const uses = vmxConstantTable.map((c) => `dq ${c.name}`).join('\n');
  const result = assembleSource(`%include "hyperscope/vmx.inc"\n${uses}\n`, 'uses.asm');
  assert.deepEqual(result.diagnostics, []);
  const view = new DataView(result.bytes.buffer, result.bytes.byteOffset, result.bytes.byteLength);
  vmxConstantTable.forEach((c, i) => assert.equal(view.getBigUint64(i * 8, true), c.value, c.name));
});

test('nasm reads vmx.inc to the same values', (t) => {
  const probe = spawnSync('nasm', ['-v']);
  if (probe.error !== undefined || probe.status !== 0) return t.skip('nasm not installed');
  const dir = mkdtempSync(join(tmpdir(), 'hyperscope-vmxinc-'));
  writeFileSync(join(dir, 'vmx.inc'), text);
  writeFileSync(join(dir, 'uses.asm'), `%include "vmx.inc"\n${vmxConstantTable.map((c) => `dq ${c.name}`).join('\n')}\n`);
  const run = spawnSync('nasm', ['-f', 'bin', '-o', join(dir, 'uses.bin'), join(dir, 'uses.asm')], { cwd: dir, encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  const ours = assembleSource(`%include "hyperscope/vmx.inc"\n${vmxConstantTable.map((c) => `dq ${c.name}`).join('\n')}\n`, 'uses.asm');
  assert.equal(Buffer.from(ours.bytes).toString('hex'), readFileSync(join(dir, 'uses.bin')).toString('hex'));
});

test('spot values from the fact sheet', () => {
  const expected: Record<string, bigint> = {
    VMCS_GUEST_RIP: 0x681en, VMCS_HOST_CR3: 0x6c02n, VMCS_EPT_POINTER: 0x201an, VMCS_EPT_POINTER_HIGH: 0x201bn, VMCS_PIN_BASED_VM_EXEC_CONTROL: 0x4000n,
    VMCS_EXIT_REASON: 0x4402n, VMCS_VM_INSTRUCTION_ERROR: 0x4400n, VMCS_GUEST_INTERRUPTIBILITY_INFO: 0x4824n, VMCS_HOST_RIP: 0x6c16n, VMCS_GUEST_TR_AR_BYTES: 0x4822n,
    PIN_EXTERNAL_INTERRUPT_EXITING: 1n, CPU_HLT_EXITING: 0x80n, CPU_USE_MSR_BITMAPS: 0x10000000n, CPU_ACTIVATE_SECONDARY_CONTROLS: 0x80000000n,
    CPU2_ENABLE_EPT: 2n, CPU2_UNRESTRICTED_GUEST: 0x80n, EXIT_HOST_ADDRESS_SPACE_SIZE: 0x200n, EXIT_SAVE_DEBUG_CONTROLS: 4n, ENTRY_IA32E_MODE_GUEST: 0x200n, ENTRY_LOAD_IA32_EFER: 0x8000n,
    EXIT_REASON_CPUID: 10n, EXIT_REASON_HLT: 12n, EXIT_REASON_EPT_VIOLATION: 48n, EXIT_REASON_EPT_MISCONFIG: 49n, EXIT_REASON_WRMSRNS_IMM: 85n, EXIT_REASON_FLAG_VMENTRY_FAILURE: 0x80000000n,
    VMX_ERROR_VMENTRY_INVALID_CONTROL_FIELDS: 7n, VMX_ERROR_VMENTRY_EVENTS_BLOCKED_BY_MOV_SS: 26n, VMX_ERROR_INVALID_INVEPT_INVVPID_OPERAND: 28n,
    MSR_IA32_FEATURE_CONTROL: 0x3an, MSR_IA32_VMX_BASIC: 0x480n, MSR_IA32_VMX_EPT_VPID_CAP: 0x48cn, MSR_IA32_VMX_EXIT_CTLS2: 0x493n,
    EPT_SUPPRESS_VE: 1n << 63n, EPT_MEMORY_TYPE_WB: 0x30n, EPTP_WALK_LENGTH_4: 0x18n, EPTP_AD_ENABLE: 0x40n, VMX_PROC_BASED_DEFAULT1: 0x0401e172n,
  };
  for (const [name, value] of Object.entries(expected)) assert.equal(vmxConstant(name)?.value, value, name);
});

test('no name is defined twice, and the text has one line per table entry', () => {
  const names = vmxConstantTable.map((c) => c.name);
  assert.deepEqual(names.filter((n, i) => names.indexOf(n) !== i), []);
  const lines = text.split('\n').filter((l) => /\bequ\b/.test(l));
  assert.deepEqual(lines.map((l) => equLine.exec(l)?.[1]), names);
  assert.ok(lines.every((l) => equLine.exec(l)?.[3]?.trim() !== ''), 'every line has a comment');
});

test('field widths and types agree with the encoding bits; read-only fields are read-only', () => {
  const widths = ['16-bit', '64-bit', '32-bit', 'natural-width'];
  const fields = vmxConstantTable.filter((c) => c.kind === 'vmcs-field');
  assert.ok(fields.length > 150);
  for (const c of fields) {
    const encoding = Number(c.value);
    assert.equal(encoding & 0xffff9000, 0, c.name);
    assert.equal(widths[(encoding >> 13) & 3], c.field?.width, c.name);
    assert.equal((encoding & 1) === 1, c.field?.highHalf, c.name);
  }
  const readOnly = ['GUEST_PHYSICAL_ADDRESS', 'VM_INSTRUCTION_ERROR', 'EXIT_REASON', 'VM_EXIT_INTR_INFO', 'VM_EXIT_INTR_ERROR_CODE', 'IDT_VECTORING_INFO', 'IDT_VECTORING_ERROR_CODE', 'VM_EXIT_INSTRUCTION_LEN', 'VMX_INSTRUCTION_INFO', 'EXIT_QUALIFICATION', 'IO_RCX', 'GUEST_LINEAR_ADDRESS'];
  for (const name of readOnly) assert.equal(vmxConstant(`VMCS_${name}`)?.field?.type, 'read-only', name);
  assert.equal(vmxConstant('VMCS_HOST_RSP')?.field?.type, 'host-state');
});

test('the fact sheet\'s unconfirmed item is commented as such', () => {
  assert.ok(/^VMX_AR_AVL\s+equ 0x0*1000\s+;.*; unconfirmed$/m.test(text), 'VMX_AR_AVL marked unconfirmed');
  assert.ok(/^EXIT_REASON_ENCLS\s+equ 60\s+;.*; single source$/m.test(text), 'EXIT_REASON_ENCLS marked single source');
});
