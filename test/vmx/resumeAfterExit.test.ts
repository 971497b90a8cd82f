/**
 * The built-in hypervisor's VMRESUME performed straight after each exit (vmxUnit.ts
 * `resumeAfterExit`, with the guest state saved lazily: vmcs.ts `liveGroups`) against the
 * same machine running its host stub after every exit, in lockstep (lockstep.ts), under
 * several control setups; and what a stop at an exit and VMCS reads see.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hasNasm, nasm } from '../machine/cpuRunner';
import { Machine } from '../../src/machine/machine';
import type { GuestModeOptions } from '../../src/machine/hypervisor/guestSetup';
import { HostLayout } from '../../src/machine/hypervisor/layout';
import { F } from '../../src/machine/vmx/fields';
import { runLockstep } from './lockstep';
import { EntryCtl, ExitCtl } from '../../src/machine/vmx/controls';
import type { Vmcs } from '../../src/machine/vmx/vmcs';
import { Efer } from '../../src/machine/paging/walker';

const skip = !hasNasm() && 'nasm is not installed';

/** A guest that changes what the lazy save keeps in the CPU (CR0, DR7, FS, GDTR, SYSENTER MSRs) between exits of several kinds. */
const CHURN = `
  mov r8, 120
.loop:
  xor eax, eax
  cpuid                       ; exit 10
  mov ecx, 0x174              ; IA32_SYSENTER_CS
  mov eax, r8d
  xor edx, edx
  wrmsr
  mov eax, r8d
  shl eax, 8
  and eax, 0x300
  or eax, 0x400
  mov dr7, rax                ; DR7.LE/GE (saved and loaded with the debug controls; no breakpoint armed)
  mov ecx, 0xc0000080         ; IA32_EFER.SCE
  rdmsr
  xor eax, 1
  wrmsr
  mov ecx, 0x277              ; IA32_PAT: entry 0 WB <-> UC
  rdmsr
  xor eax, 6
  wrmsr
  mov rax, cr0
  xor eax, 8                  ; CR0.TS
  mov cr0, rax
  mov rax, cr3
  mov cr3, rax                ; a CR access exit with CR3-load exiting
  sgdt [rel gdtr]
  xor word [rel gdtr], 8      ; GDTR limit 63 <-> 55 (the TSS still fits)
  lgdt [rel gdtr]
  test r8, 1
  jz .even
  mov ax, 0x10
  mov fs, ax
  jmp .out
.even:
  xor eax, eax
  mov fs, ax
.out:
  mov dx, 0x3f8
  mov al, 'x'
  out dx, al                  ; I/O exit
  mov eax, 0x100
  lea rbx, [rel msg]
  mov ecx, 1
  vmcall                      ; hypercall exit (console write)
  dec r8
  jnz .loop
  hlt
gdtr: dw 0
  dq 0
msg: db 'y'
`;

function boot(source: Uint8Array, options: GuestModeOptions, resumeAtOnce: boolean, tweak?: (vmcs: Vmcs) => void): Machine {
  const machine = new Machine({ memoryMB: 64 });
  machine.loadGuest(source, options);
  machine.vmx.hostResumesAfterExit = resumeAtOnce;
  tweak?.(machine.vmx.current!);
  return machine;
}

/** Host state that only the exit loads: DR7/DEBUGCTL without "load debug controls", the host's EFER (no SCE) and PAT without their entry loads. */
function exitOnlyHostState(vmcs: Vmcs): void {
  vmcs.set(F.VM_ENTRY_CONTROLS, vmcs.get(F.VM_ENTRY_CONTROLS) & ~BigInt(EntryCtl.loadDebugControls | EntryCtl.loadEfer));
  vmcs.set(F.VM_EXIT_CONTROLS, vmcs.get(F.VM_EXIT_CONTROLS) | BigInt(ExitCtl.loadPat));
  vmcs.set(F.HOST_IA32_PAT, 0x0606060606060606n);
  vmcs.set(F.HOST_IA32_EFER, BigInt(Efer.LME | Efer.LMA | Efer.NXE));
}

/** Guest DR7/DEBUGCTL, EFER and PAT that the entry loads but the exit does not save: each entry brings back the VMCS's older values. */
function loadedNotSaved(vmcs: Vmcs): void {
  vmcs.set(F.VM_EXIT_CONTROLS, vmcs.get(F.VM_EXIT_CONTROLS) & ~BigInt(ExitCtl.saveDebugControls | ExitCtl.saveEfer | ExitCtl.savePat));
  vmcs.set(F.VM_ENTRY_CONTROLS, vmcs.get(F.VM_ENTRY_CONTROLS) | BigInt(EntryCtl.loadPat));
  vmcs.set(F.GUEST_IA32_PAT, 0x0007040600070406n);
}

for (const [name, options, tweak] of [
  ['default controls', {}],
  ['CR3 exiting and a preemption timer', { cr3Exiting: true, preemptionTimer: 37 }],
  ['host DR7, EFER and PAT that only the exit loads', {}, exitOnlyHostState],
  ['guest DR7, EFER and PAT that the entry loads and the exit does not save', {}, loadedNotSaved],
] as [string, GuestModeOptions, ((vmcs: Vmcs) => void)?][]) {
  test(`a VMRESUME straight after each exit leaves the machine as the host stub does, at every slice end (${name})`, { skip }, () => {
    const image = nasm(CHURN);
    const fast = boot(image, options, true, tweak);
    const stub = boot(image, options, false, tweak);
    const stop = runLockstep(fast, stub, 40);
    assert.equal(stop.reason, 'halt', stop.detail);
    assert.equal(fast.consoleText, 'xy'.repeat(120));
    const exits = fast.vmx.exits.length;
    assert.ok(fast.vmx.resumedAfterExit > exits / 2, `${fast.vmx.resumedAfterExit} of ${exits} exits resumed at once`);
  });
}

test('a stop at a VM exit loads the host state: the machine waits at HOST_RIP with the guest state saved in full', { skip }, () => {
  const machine = boot(nasm('mov rax, cr0\nor eax, 8\nmov cr0, rax\ncpuid\nhlt'), {}, true);
  machine.vmx.breakOnExit = (exit) => exit.reason === 10;
  const stop = machine.run(1000);
  assert.equal(stop.reason, 'vm-exit', stop.detail);
  assert.equal(machine.vmx.operation, 'root');
  assert.equal(machine.cpu.rip, HostLayout.stub);
  assert.equal(machine.vmx.current!.liveGroups, 0, 'nothing left in the CPU');
  assert.equal(machine.vmx.current!.get32(F.GUEST_CR0) & 8, 8, 'the guest CR0 (TS set) was saved');
  assert.equal(machine.cpu.cr0 & 8, 0, 'the host CR0 is loaded');
});

test('with a VMRESUME straight after each exit, VMCS reads still see the guest state as the exit saved it', { skip }, () => {
  const machine = boot(nasm('mov ax, 0x10\nmov fs, ax\nmov rax, cr0\nor eax, 8\nmov cr0, rax\ncpuid\nhlt'), { hltExiting: true }, true);
  const seen: number[] = [];
  machine.vmx.onExit = ((inner) => (exit) => {
    if (exit.reason === 10) seen.push(machine.vmx.current!.get32(F.GUEST_CR0), machine.vmx.current!.get32(F.GUEST_FS_SELECTOR));
    inner?.(exit);
  })(machine.vmx.onExit);
  assert.equal(machine.run(1000).reason, 'halt');
  assert.equal(seen[0]! & 8, 8, 'CR0.TS as the guest set it');
  assert.equal(seen[1], 0x10);
  assert.ok(machine.vmx.resumedAfterExit >= 1);
});

test('the built-in hypervisor saves and loads the debug controls: the guest DR7 survives its exits', { skip }, () => {
  const machine = boot(nasm('mov eax, 0x401\nmov dr7, rax\ncpuid\nmov rax, dr7\nmov r9, rax\nhlt'), {}, true);
  assert.equal(machine.run(1000).reason, 'halt');
  assert.equal(machine.cpu.getGpr(9), 0x401n);
});
