/**
 * 32-bit guests (IA-32e mode guest = 0) with PAE and with 32-bit paging, found by the Bochs
 * cases entry-pae-guest and guest-32bit-paging. PAE: the
 * page walk uses four PDPTEs at CR3 bits 31:5 indexed by linear bits 31:30 (SDM 4.4), which
 * have no accessed flag (bits 8:5 reserved); without EPT, VM entry checks the PDPTEs in
 * guest memory and fails with qualification 2 on a reserved bit (SDM 26.3.1.6). 32-bit
 * paging (CR4.PAE = 0): 4-byte entries indexed by bits 31:22 and 21:12, 4 MiB pages with
 * CR4.PSE (SDM 4.3).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hasNasm } from '../machine/cpuRunner';
import { F } from '../../src/machine/vmx/fields';
import { Defaults, vmxTest } from './prelude';

const skip = !hasNasm() && 'nasm is not installed';
const PDPT = 0x240000;
const PD0 = 0x241000;
const PD3 = 0x242000;

/** PDPTE0 → identity 2 MiB pages over the first GiB; PDPTE3 → 0xc0000000 maps physical 0x200000. */
function run(pdpte1: string) {
  const t = vmxTest({
    entry: Defaults.entry & ~(1 << 9),
    setup: `  mov qword [${PDPT}], ${PD0} | 1
  mov qword [${PDPT} + 8], ${pdpte1}
  mov qword [${PDPT} + 24], ${PD3} | 1
  mov qword [${PD3}], 0x200083
  xor ecx, ecx
.pd:
  mov rax, rcx
  shl rax, 21
  or rax, 0x83
  mov [${PD0} + rcx * 8], rax
  inc ecx
  cmp ecx, 512
  jb .pd
  mov dword [0x200010], 0x5a5a1234
  VMW GUEST_CS_AR, 0xc09b
  VMW GUEST_CR3, ${PDPT}
  VMW GUEST_IA32_EFER, 0`,
    guest: '  bits 32\n  mov ebx, [0xc0000010]\n  vmcall\n  bits 64',
  }).runToStop();
  const vmcs = t.machine.vmx.current!;
  return { reason: vmcs.get(F.VM_EXIT_REASON), qualification: vmcs.get(F.EXIT_QUALIFICATION), rbx: t.cpu.getGpr(3), pdpte0: t.machine.mem.read64(PDPT) };
}

test('a PAE guest walks PDPTE3 for linear 0xc0000000+ and leaves its PDPTEs without accessed flags (SDM 4.4)', { skip }, () => {
  const e = run('0');
  assert.equal(e.reason, 18n);
  assert.equal(e.rbx & 0xffffffffn, 0x5a5a1234n, 'read through PDPTE3 → PD3 → the 2 MiB page at 0x200000');
  assert.equal(e.pdpte0, BigInt(PD0 | 1), 'no accessed flag written into the PDPTE');
});

test('without EPT a present PDPTE with a reserved bit in guest memory fails VM entry with qualification 2 (SDM 26.3.1.6)', { skip }, () => {
  const e = run(`${PD0} | 3`); // bit 1 is reserved in a PAE PDPTE
  assert.equal(e.reason, 0x80000021n);
  assert.equal(e.qualification, 2n);
});

test('32-bit paging: 4-byte PDEs/PTEs, a 4 MiB page and a 4 KiB page, accessed flags in the 4-byte entries (SDM 4.3)', { skip }, () => {
  const PD = 0x240000;
  const PT = 0x241000;
  const t = vmxTest({
    entry: Defaults.entry & ~(1 << 9),
    setup: `  mov dword [${PD}], 0x83
  mov dword [${PD} + 0x300 * 4], ${PT} | 3
  mov dword [${PT} + 4], 0x200003
  mov dword [0x200010], 0x5a5a1234
  VMW GUEST_CS_AR, 0xc09b
  VMW GUEST_CR3, ${PD}
  mov rax, cr4
  and eax, ~0x20
  or eax, 0x10
  VMW GUEST_CR4, rax
  VMW GUEST_IA32_EFER, 0`,
    guest: '  bits 32\n  mov ebx, [0xc0001010]\n  vmcall\n  bits 64',
  }).runToStop();
  assert.equal(t.machine.vmx.current!.get(F.VM_EXIT_REASON), 18n);
  assert.equal(t.cpu.getGpr(3) & 0xffffffffn, 0x5a5a1234n, '0xc0001010 → PDE 0x300 → PTE 1 → 0x200010');
  assert.equal(t.machine.mem.read32(PT + 4), 0x200023, 'accessed flag in the 4-byte PTE, the next entry untouched');
  assert.equal(t.machine.mem.read32(PT + 8), 0);
});
