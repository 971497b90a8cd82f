/**
 * Every VM-entry check the model can reach: a program that violates exactly that check,
 * and the typed failure it must produce (step, check id, a field named, error or exit
 * reason). Checks not listed are unreachable in this model (see src/machine/vmx/check*.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hasNasm } from '../machine/cpuRunner';
import { F } from '../../src/machine/vmx/fields';
import { Defaults, vmxTest } from './prelude';

const skip = !hasNasm() && 'nasm is not installed';
const EPT = 1 << 1;
const UG = 1 << 7;
const VPID = 1 << 5;
const SECONDARY = 0x80000000;
const EPTP = '0x22001e'; // WB, 4-level, PML4 at 0x220000

interface Case {
  check: string;
  field: string;
  /** Field writes after the default setup. */
  writes?: [string, string | number][];
  controls?: { pin?: number; primary?: number; secondary?: number; exit?: number; entry?: number };
  extraSetup?: string;
  qualification?: number;
}

function setupOf(c: Case): string {
  const writes = (c.writes ?? []).map(([f, v]) => `  VMW ${f}, ${typeof v === 'number' ? '0x' + v.toString(16) : v}`).join('\n');
  return `${c.extraSetup ?? ''}\n${writes}`;
}

function runCase(c: Case) {
  const t = vmxTest({ ...c.controls, setup: setupOf(c), guest: 'hlt' }).runToStop();
  const failure = t.machine.vmx.lastEntryFailure;
  assert.ok(failure, 'the entry must fail');
  assert.equal(failure.check, c.check, failure.describe());
  assert.ok(failure.fields.includes(c.field), `fields ${failure.fields.join(', ')} must include ${c.field}`);
  return { t, failure };
}

const UG_SECONDARY = { primary: Defaults.primary | SECONDARY, secondary: EPT | UG };

const controlCases: Case[] = [
  { check: 'C1', field: 'PIN_BASED_VM_EXEC_CONTROL', controls: { pin: 0 } },
  { check: 'C1', field: 'CPU_BASED_VM_EXEC_CONTROL', controls: { primary: Defaults.primary | (1 << 21) } },
  { check: 'C1', field: 'SECONDARY_VM_EXEC_CONTROL', controls: { primary: Defaults.primary | SECONDARY, secondary: 1 } },
  { check: 'C1', field: 'VM_EXIT_CONTROLS', controls: { exit: 0x200 } },
  { check: 'C1', field: 'VM_ENTRY_CONTROLS', controls: { entry: Defaults.entry | (1 << 10) } },
  { check: 'C2', field: 'CR3_TARGET_COUNT', writes: [['CR3_TARGET_COUNT', 5]] },
  { check: 'C3', field: 'IO_BITMAP_A', controls: { primary: Defaults.primary | (1 << 25) }, writes: [['IO_BITMAP_A', 0x202001], ['IO_BITMAP_B', 0x203000]] },
  { check: 'C4', field: 'MSR_BITMAP', controls: { primary: Defaults.primary | (1 << 28) }, writes: [['MSR_BITMAP', 0x204008]] },
  { check: 'C5', field: 'PIN_BASED_VM_EXEC_CONTROL', controls: { pin: Defaults.pin | (1 << 5) } },
  { check: 'C6', field: 'CPU_BASED_VM_EXEC_CONTROL', controls: { primary: Defaults.primary | (1 << 22) } },
  { check: 'C12', field: 'EPT_POINTER', controls: { primary: Defaults.primary | SECONDARY, secondary: EPT }, writes: [['EPT_POINTER', 0x220019]] },
  { check: 'C12', field: 'EPT_POINTER', controls: { primary: Defaults.primary | SECONDARY, secondary: EPT }, writes: [['EPT_POINTER', 0x220016]] },
  { check: 'C12', field: 'EPT_POINTER', controls: { primary: Defaults.primary | SECONDARY, secondary: EPT }, writes: [['EPT_POINTER', 0x22009e]] },
  { check: 'C13', field: 'SECONDARY_VM_EXEC_CONTROL', controls: { primary: Defaults.primary | SECONDARY, secondary: UG } },
  { check: 'C15', field: 'VPID', controls: { primary: Defaults.primary | SECONDARY, secondary: VPID } },
  { check: 'C19', field: 'VM_EXIT_CONTROLS', controls: { exit: Defaults.exit | (1 << 22) } },
  { check: 'C20a', field: 'VM_EXIT_MSR_STORE_ADDR', writes: [['VM_EXIT_MSR_STORE_COUNT', 1], ['VM_EXIT_MSR_STORE_ADDR', 0x206008]] },
  { check: 'C20b', field: 'VM_EXIT_MSR_LOAD_ADDR', writes: [['VM_EXIT_MSR_LOAD_COUNT', 1], ['VM_EXIT_MSR_LOAD_ADDR', 0x206004]] },
  { check: 'C20c', field: 'VM_ENTRY_MSR_LOAD_ADDR', writes: [['VM_ENTRY_MSR_LOAD_COUNT', 2], ['VM_ENTRY_MSR_LOAD_ADDR', 0x3ffffffffff0]] },
  { check: 'C22', field: 'VM_ENTRY_INTR_INFO', writes: [['VM_ENTRY_INTR_INFO', 0x80000120]] },
  { check: 'C22', field: 'VM_ENTRY_INTR_INFO', writes: [['VM_ENTRY_INTR_INFO', 0x80000203]] },
  { check: 'C22', field: 'VM_ENTRY_INTR_INFO', writes: [['VM_ENTRY_INTR_INFO', 0x80000320]] },
  { check: 'C23', field: 'VM_ENTRY_INTR_INFO', writes: [['VM_ENTRY_INTR_INFO', 0x8000030d]] },
  { check: 'C23', field: 'VM_ENTRY_EXCEPTION_ERROR_CODE', writes: [['VM_ENTRY_INTR_INFO', 0x80000b0d], ['VM_ENTRY_EXCEPTION_ERROR_CODE', 0x10000]] },
  { check: 'C24', field: 'VM_ENTRY_INSTRUCTION_LEN', writes: [['VM_ENTRY_INTR_INFO', 0x80000480]] },
];

const hostCases: Case[] = [
  { check: 'H1', field: 'HOST_CR0', writes: [['HOST_CR0', 0x80000010]] },
  { check: 'H2', field: 'HOST_CR4', writes: [['HOST_CR4', 0x20]] },
  { check: 'H3', field: 'HOST_CR3', writes: [['HOST_CR3', '0x400000000000']] },
  { check: 'H9', field: 'HOST_IA32_SYSENTER_ESP', writes: [['HOST_IA32_SYSENTER_ESP', '0x800000000000']] },
  { check: 'H10', field: 'HOST_IA32_PAT', controls: { exit: Defaults.exit | (1 << 19) }, writes: [['HOST_IA32_PAT', 2]] },
  { check: 'H11', field: 'HOST_IA32_EFER', controls: { exit: Defaults.exit | (1 << 21) }, writes: [['HOST_IA32_EFER', 0x100]] },
  { check: 'H7', field: 'HOST_SS_SELECTOR', writes: [['HOST_SS_SELECTOR', 0x13]] },
  { check: 'H7', field: 'HOST_TR_SELECTOR', writes: [['HOST_TR_SELECTOR', 0x34]] },
  { check: 'H8', field: 'HOST_CS_SELECTOR', writes: [['HOST_CS_SELECTOR', 0]] },
  { check: 'H8', field: 'HOST_TR_SELECTOR', writes: [['HOST_TR_SELECTOR', 0]] },
  { check: 'H9', field: 'HOST_FS_BASE', writes: [['HOST_FS_BASE', '0x800000000000']] },
  { check: 'H9', field: 'HOST_GDTR_BASE', writes: [['HOST_GDTR_BASE', '0xffff700000000000']] },
  { check: 'H4', field: 'VM_EXIT_CONTROLS', controls: { exit: Defaults.exit & ~(1 << 9) } },
  { check: 'H5', field: 'HOST_CR4', writes: [['HOST_CR4', 0x2000]] },
  { check: 'H5', field: 'HOST_RIP', writes: [['HOST_RIP', '0x800000000000']] },
];

const guestCases: Case[] = [
  { check: 'G1', field: 'GUEST_CR0', writes: [['GUEST_CR0', 0x21]] },
  { check: 'G2', field: 'GUEST_CR0', controls: UG_SECONDARY, writes: [['EPT_POINTER', EPTP], ['GUEST_CR0', 0x80000030]] },
  { check: 'G3', field: 'GUEST_CR4', writes: [['GUEST_CR4', 0x20]] },
  { check: 'G6', field: 'GUEST_DR7', controls: { entry: Defaults.entry | 4 }, writes: [['GUEST_DR7', '0x100000400']] },
  { check: 'G4', field: 'GUEST_CR3', writes: [['GUEST_CR3', '0x400000000000']] },
  { check: 'G5', field: 'GUEST_CR4', writes: [['GUEST_CR4', 0x2000]] },
  { check: 'G19', field: 'GUEST_SYSENTER_EIP', writes: [['GUEST_SYSENTER_EIP', '0x800000000000']] },
  { check: 'G19', field: 'GUEST_IA32_PAT', controls: { entry: Defaults.entry | (1 << 14) }, writes: [['GUEST_IA32_PAT', 3]] },
  { check: 'G7', field: 'GUEST_IA32_EFER', controls: { entry: Defaults.entry | (1 << 15) }, writes: [['GUEST_IA32_EFER', 0x100]] },
  { check: 'G9', field: 'GUEST_ES_BASE', writes: [['GUEST_RFLAGS', 0x20002]] },
  { check: 'G10', field: 'GUEST_TR_SELECTOR', writes: [['GUEST_TR_SELECTOR', 0x34]] },
  { check: 'G11', field: 'GUEST_LDTR_SELECTOR', writes: [['GUEST_LDTR_SELECTOR', 4], ['GUEST_LDTR_AR', 0x82]] },
  { check: 'G13', field: 'GUEST_SS_SELECTOR', writes: [['GUEST_SS_SELECTOR', 0x13]] },
  { check: 'G12', field: 'GUEST_CS_AR', writes: [['GUEST_CS_AR', 0xa093]] },
  { check: 'G13', field: 'GUEST_SS_AR', writes: [['GUEST_SS_AR', 0xc09b]] },
  { check: 'G15', field: 'GUEST_DS_AR', writes: [['GUEST_DS_AR', 0xc083]] },
  { check: 'G15', field: 'GUEST_ES_AR', writes: [['GUEST_ES_AR', 0xc013]] },
  { check: 'G15', field: 'GUEST_DS_AR', writes: [['GUEST_DS_AR', 0xc193]] },
  { check: 'G15', field: 'GUEST_DS_LIMIT', writes: [['GUEST_DS_LIMIT', 0xffffe000]] },
  { check: 'G15', field: 'GUEST_CS_LIMIT', writes: [['GUEST_CS_LIMIT', 0x1fffff], ['GUEST_CS_AR', 0x209b]] },
  { check: 'G14', field: 'GUEST_DS_AR', writes: [['GUEST_DS_AR', 0xc092]] },
  { check: 'G14', field: 'GUEST_FS_AR', writes: [['GUEST_FS_AR', 0xc09a], ['GUEST_FS_LIMIT', 0xffffffff]] },
  { check: 'G14', field: 'GUEST_DS_SELECTOR', writes: [['GUEST_DS_SELECTOR', 0x13]] },
  { check: 'G12', field: 'GUEST_CS_AR', writes: [['GUEST_CS_AR', 0xa0bb]] },
  {
    check: 'G13',
    field: 'GUEST_SS_AR',
    controls: { ...UG_SECONDARY, entry: Defaults.entry & ~(1 << 9) },
    writes: [['EPT_POINTER', EPTP], ['GUEST_CR0', 0x30], ['GUEST_CS_AR', 0xc0fb], ['GUEST_CS_SELECTOR', 0x1b], ['GUEST_SS_SELECTOR', 0x23], ['GUEST_SS_AR', 0xc0f3]],
  },
  { check: 'G12', field: 'GUEST_CS_AR', writes: [['GUEST_CS_AR', 0xe09b]] },
  { check: 'G10', field: 'GUEST_TR_AR', writes: [['GUEST_TR_AR', 0x89]] },
  { check: 'G10', field: 'GUEST_TR_AR', writes: [['GUEST_TR_AR', 0x1008b]] },
  { check: 'G11', field: 'GUEST_LDTR_AR', writes: [['GUEST_LDTR_AR', 0x83]] },
  { check: 'G16', field: 'GUEST_FS_BASE', writes: [['GUEST_FS_BASE', '0x800000000000']] },
  { check: 'G16', field: 'GUEST_CS_BASE', writes: [['GUEST_CS_BASE', '0x100000000']] },
  { check: 'G16', field: 'GUEST_GDTR_BASE', writes: [['GUEST_GDTR_BASE', '0x800000000000']] },
  { check: 'G17', field: 'GUEST_GDTR_LIMIT', writes: [['GUEST_GDTR_LIMIT', 0x10000]] },
  { check: 'G18', field: 'GUEST_RIP', writes: [['GUEST_RIP', '0x1000000000000']] },
  { check: 'G8', field: 'GUEST_RFLAGS', writes: [['GUEST_RFLAGS', 0x8002]] },
  { check: 'G8', field: 'GUEST_RFLAGS', writes: [['GUEST_RFLAGS', 0]] },
  {
    check: 'G8',
    field: 'GUEST_RFLAGS',
    writes: [
      ['GUEST_RFLAGS', 0x20002],
      ...(['ES', 'CS', 'SS', 'DS', 'FS', 'GS'] as const).flatMap((seg): [string, number][] => [
        [`GUEST_${seg}_SELECTOR`, 0x10],
        [`GUEST_${seg}_BASE`, 0x100],
        [`GUEST_${seg}_LIMIT`, 0xffff],
        [`GUEST_${seg}_AR`, 0xf3],
      ]),
    ],
  },
  {
    check: 'G20',
    field: 'GUEST_SS_AR',
    writes: [['GUEST_ACTIVITY_STATE', 1], ['GUEST_CS_SELECTOR', 0x2b], ['GUEST_CS_AR', 0xa0fb], ['GUEST_SS_SELECTOR', 0x23], ['GUEST_SS_AR', 0xc0f3]],
  },
  { check: 'G22', field: 'VM_ENTRY_INTR_INFO', writes: [['VM_ENTRY_INTR_INFO', 0x80000020]] },
  { check: 'G20', field: 'GUEST_ACTIVITY_STATE', writes: [['GUEST_ACTIVITY_STATE', 2]] },
  { check: 'G21', field: 'GUEST_INTERRUPTIBILITY_INFO', writes: [['GUEST_INTERRUPTIBILITY_INFO', 3]] },
  { check: 'G21', field: 'GUEST_INTERRUPTIBILITY_INFO', writes: [['GUEST_INTERRUPTIBILITY_INFO', 1]] },
  { check: 'G23', field: 'GUEST_INTERRUPTIBILITY_INFO', writes: [['GUEST_INTERRUPTIBILITY_INFO', 4]] },
  // NMI injection with blocking by STI: qualification 3 (SDM 26.8)
  { check: 'G22', field: 'VM_ENTRY_INTR_INFO', writes: [['GUEST_RFLAGS', 0x202], ['GUEST_INTERRUPTIBILITY_INFO', 1], ['VM_ENTRY_INTR_INFO', 0x80000202]], qualification: 3 },
  { check: 'G24', field: 'GUEST_PENDING_DBG_EXCEPTIONS', writes: [['GUEST_PENDING_DBG_EXCEPTIONS', 0x10]] },
  { check: 'G25', field: 'VMCS_LINK_POINTER', writes: [['VMCS_LINK_POINTER', 0]], qualification: 4 },
  { check: 'G25', field: 'VMCS_LINK_POINTER', writes: [['VMCS_LINK_POINTER', 0x201000]], qualification: 4 },
  {
    check: 'G26',
    field: 'GUEST_PDPTE0',
    controls: { primary: Defaults.primary | SECONDARY, secondary: EPT, entry: Defaults.entry & ~(1 << 9) },
    writes: [['EPT_POINTER', EPTP], ['GUEST_PDPTE0', 3]],
    qualification: 2,
  },
];

for (const c of controlCases) {
  test(`control check ${c.check} (${c.field}) fails with VMfailValid(7)`, { skip }, () => {
    const { t, failure } = runCase(c);
    assert.equal(failure.step, 'controls');
    assert.equal(failure.error, 7);
    assert.equal(t.machine.vmx.current!.get(F.VM_INSTRUCTION_ERROR), 7n);
    assert.equal(t.cpu.getGpr(15), 0xfa11n, 'VMLAUNCH falls through');
    assert.ok(t.cpu.rflags & 0x40, 'ZF');
  });
}

for (const c of hostCases) {
  test(`host-state check ${c.check} (${c.field}) fails with VMfailValid(8)`, { skip }, () => {
    const { t, failure } = runCase(c);
    assert.equal(failure.step, 'host-state');
    assert.equal(t.machine.vmx.current!.get(F.VM_INSTRUCTION_ERROR), 8n);
    assert.equal(t.cpu.getGpr(15), 0xfa11n);
  });
}

for (const c of guestCases) {
  test(`guest-state check ${c.check} (${c.field}) fails with exit reason 0x80000021`, { skip }, () => {
    const { t, failure } = runCase(c);
    assert.equal(failure.step, 'guest-state');
    const vmcs = t.machine.vmx.current!;
    assert.equal(vmcs.get(F.VM_EXIT_REASON), 0x80000021n);
    assert.equal(vmcs.get(F.EXIT_QUALIFICATION), BigInt(c.qualification ?? 0));
    assert.equal(t.cpu.getGpr(15), 0n, 'host state loaded: execution continues at HOST_RIP');
    assert.equal(t.machine.vmx.operation, 'root');
    assert.equal(vmcs.launchState, 'clear');
  });
}

test('the failure names the rule and the SDM section', { skip }, () => {
  const { failure } = runCase(controlCases.find((c) => c.check === 'C13')!);
  assert.equal(failure.describe(), "VM entry failed: VM-instruction error 7 — secondary control 'unrestricted guest' set without 'enable EPT' (SDM 26.2.1.1)");
  assert.equal(failure.sdm, '26.2.1.1');
});

test('MSR-load failure: entry 2 names FS_BASE, exit reason 0x80000022 with qualification 2', { skip }, () => {
  const t = vmxTest({
    setup: `  mov dword [0x206000], 0x174\n  mov dword [0x206010], 0xc0000100\n  VMW VM_ENTRY_MSR_LOAD_ADDR, 0x206000\n  VMW VM_ENTRY_MSR_LOAD_COUNT, 2`,
    guest: 'hlt',
  }).runToStop();
  const vmx = t.machine.vmx;
  assert.equal(vmx.lastEntryFailure?.check, 'M1');
  assert.equal(vmx.current!.get(F.VM_EXIT_REASON), 0x80000022n);
  assert.equal(vmx.current!.get(F.EXIT_QUALIFICATION), 2n);
  assert.equal(t.cpu.getGpr(15), 0n);
});

test('VMLAUNCH of a launched VMCS is VMfailValid(4)', { skip }, () => {
  const t = vmxTest({ guest: 'cpuid', host: '  vmlaunch\n  hlt' }).runToStop();
  assert.equal(t.machine.vmx.current!.get(F.VM_INSTRUCTION_ERROR), 4n);
  assert.equal(t.machine.vmx.lastEntryFailure?.check, 'P5');
});

test('VMRESUME of a VMCS launched before VMXOFF/VMXON is VMfailValid(6)', { skip }, () => {
  const t = vmxTest({ guest: 'cpuid', host: '  vmxoff\n  vmxon [rel vmxon_ptr]\n  vmptrld [rel vmcs_ptr]\n  vmresume\n  hlt' }).runToStop();
  assert.equal(t.machine.vmx.current!.get(F.VM_INSTRUCTION_ERROR), 6n);
  assert.match(t.machine.vmx.lastEntryFailure!.rule, /launched before VMXOFF/);
});

test('G18 (SDM 27.3.1.4): a 64-bit guest RIP passes when bits 63:48 are identical even if bit 47 differs (Bochs agrees); the fetch then faults', { skip }, () => {
  const t = vmxTest({ setup: '  VMW GUEST_RIP, 0x800000000000', guest: 'hlt' }).runToStop();
  assert.equal(t.machine.vmx.lastEntryFailure, undefined, t.machine.vmx.lastEntryFailure?.describe());
  assert.equal(t.machine.vmx.current!.get(F.VM_EXIT_REASON), 2n, 'the guest triple-faults (IDT limit 0)');
});
