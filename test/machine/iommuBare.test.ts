import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hasNasm, nasm } from './cpuRunner';
import { Machine } from '../../src/machine/machine';
import { isDmaFault, sourceId } from '../../src/machine/devices/dma';

const skip = !hasNasm() && 'nasm is not installed';

// Bare mode: the program is the VT-d driver. It builds a root table, one context entry
// (00:02.0, domain 5, 4-level) and second-level tables mapping device page 0x7000 to host
// 0x500000 read-only, programs RTADDR with a 64-bit store, SRTP, invalidates, TE — all
// with ordinary MOVs to the DMAR page — then reads GSTS and the CAP register back.
const DRIVER = `
bits 64
org 0x100000
DMAR equ 0xfed90000
ROOT equ 0x400000
CTX  equ 0x401000
PML4 equ 0x402000
PDPT equ 0x403000
PD   equ 0x404000
PT   equ 0x405000
  mov rdi, ROOT
  mov ecx, 6 * 4096 / 8
  xor eax, eax
  rep stosq
  mov qword [ROOT], CTX | 1
  mov qword [CTX + (2 << 3) * 16], PML4 | 1      ; P, TT 0, FPD 0
  mov qword [CTX + (2 << 3) * 16 + 8], 2 | (5 << 8) ; AW 48-bit, DID 5
  mov qword [PML4], PDPT | 3
  mov qword [PDPT], PD | 3
  mov qword [PD], PT | 3
  mov qword [PT + 7 * 8], 0x500000 | 1           ; device page 0x7000 -> 0x500000, read-only
  mov rbx, DMAR
  mov rax, ROOT
  mov [rbx + 0x20], rax                          ; RTADDR (64-bit store)
  mov dword [rbx + 0x18], 0x40000000             ; GCMD.SRTP
.srtp:
  test dword [rbx + 0x1c], 0x40000000            ; GSTS.RTPS
  jz .srtp
  mov rax, (1 << 63) | (1 << 61)                 ; CCMD: ICC, global
  mov [rbx + 0x28], rax
  mov rax, (1 << 63) | (1 << 60)                 ; IOTLB: IVT, global
  mov [rbx + 0x108], rax
  mov dword [rbx + 0x18], 0x80000000             ; GCMD.TE
  mov r12d, [rbx + 0x1c]                         ; GSTS
  mov r13, [rbx + 0x08]                          ; CAP
  mov r14, [rbx + 0x28]                          ; CCMD after the invalidation
  hlt
`;

test('bare mode: a program programs the IOMMU with MOVs to the DMAR page; device DMA is then translated and checked', { skip }, () => {
  const machine = new Machine({ memoryMB: 64 });
  machine.loadBare(nasm(DRIVER));
  const stop = machine.run(100_000);
  assert.equal(stop.reason, 'halt', stop.detail);
  assert.equal(machine.cpu.getGpr(12), 0xc0000000n, 'GSTS: TES | RTPS');
  assert.equal(machine.cpu.getGpr(13) & 0x1f00n, 0x600n, 'CAP.SAGAW');
  assert.equal(machine.cpu.getGpr(14) >> 63n, 0n, 'CCMD: ICC clear');
  assert.equal((machine.cpu.getGpr(14) >> 59n) & 3n, 1n, 'CCMD: CAIG global');
  machine.mem.load(0x500010, Uint8Array.of(0xab));
  const device = machine.iommu.spaceFor(sourceId(0, 2, 0));
  assert.deepEqual(device.read(0x7010, 1), Uint8Array.of(0xab));
  const write = device.write(0x7010, Uint8Array.of(1));
  assert.ok(write !== undefined && isDmaFault(write) && write.reason.includes('0x5)'));
  const other = machine.iommu.spaceFor(sourceId(0, 3, 0)).read(0x7010, 1);
  assert.ok(isDmaFault(other) && other.reason.includes('0x2)'));
  assert.equal(machine.mem.read32(0xfed90000 + 0x34), 0x2 | (2 << 8), 'FSTS: PPF, FRI 2');
});

test('bare mode: an unmasked fault event raises FEDATA\'s vector at the CPU\'s local APIC', () => {
  const machine = new Machine({ memoryMB: 64 });
  machine.loadBare(Uint8Array.of(0xf4));
  const dmar = 0xfed90000;
  machine.mem.write32(dmar + 0x3c, 0x41); // FEDATA
  machine.mem.write32(dmar + 0x40, 0xfee00000); // FEADDR
  machine.mem.write32(dmar + 0x38, 0); // FECTL: unmask
  machine.mem.write32(dmar + 0x18, 0x80000000); // TE with the root table at 0 (never set): faults
  assert.ok(isDmaFault(machine.iommu.spaceFor(sourceId(0, 1, 0)).read(0, 4)));
  assert.equal((machine.apic.irr[0x41 >>> 5]! >>> (0x41 & 31)) & 1, 1, 'vector 0x41 pending in the IRR');
});
