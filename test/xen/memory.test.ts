import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Errno, Hc } from '../../src/machine/xen/abi';
import { HYPERCALL_PAGE, runXenGuest, xenMachine, type XenHarness } from './harness';

const E = (errno: number) => -BigInt(errno);
const ARG = 0x300000;
const LIST = 0x300100;

function reservation(h: XenHarness, cmd: number, gfns: number[], order = 0, dom = 0x7ff0): bigint {
  h.put(LIST, gfns.map((g) => [8, g] as [8, number]));
  h.put(ARG, [[8, LIST], [8, gfns.length], [4, order], [4, 0], [2, dom]]);
  return h.call(Hc.memory_op, cmd, ARG);
}

test('decrease_reservation unmaps the frames in EPT, populate_physmap maps them back zeroed; reservation counts follow', () => {
  const h = xenMachine();
  const pages = 32 * 256;
  h.put(ARG + 0x80, [[2, 0x7ff0]]);
  assert.equal(h.call(Hc.memory_op, 4, ARG + 0x80), BigInt(pages));
  h.put(0x400000, [[4, 0xdeadbeef]]);
  assert.equal(reservation(h, 1, [0x400, 0x401, 0x500]), 3n);
  assert.equal(h.call(Hc.memory_op, 3, ARG + 0x80), BigInt(pages - 3));
  assert.equal(h.xen.mem.gpaToHpa(0x400000), undefined, 'EPT entry cleared');
  assert.equal(h.xen.mem.gpaToHpa(0x402000) !== undefined, true, 'the neighbour stays mapped');
  assert.equal(reservation(h, 1, [0x400]), 0n, 'already ballooned: no extent done');
  assert.equal(reservation(h, 6, [0x400, 0x401]), 2n);
  assert.equal(h.u32(0x400000), 0, 'a fresh, zeroed frame');
  assert.equal(reservation(h, 0, [0x500]), 1n, 'increase_reservation too');
  assert.equal(h.call(Hc.memory_op, 3, ARG + 0x80), BigInt(pages));
  assert.equal(reservation(h, 1, [0x600], 9), 1n, '2 MiB extent');
  assert.equal(h.xen.state.ballooned.size, 512);
  assert.equal(reservation(h, 1, [0x601], 9), 0n, 'misaligned extent');
  assert.equal(reservation(h, 1, [0x800], 10), 0n, 'order above 9: nothing done, as Xen');
  assert.equal(reservation(h, 1, [pages + 5]), 0n, 'outside guest RAM');
  assert.equal(reservation(h, 1, [0x700], 0, 0), E(Errno.EPERM));
  assert.equal(reservation(h, 1, [0x700], 0, 9), E(Errno.ESRCH));
  h.put(ARG, [[8, 0x7fff_0000_0000n], [8, 1], [4, 0], [4, 0], [2, 0x7ff0]]);
  assert.equal(h.call(Hc.memory_op, 1, ARG), E(Errno.EFAULT), 'unreadable extent list');
  assert.equal(h.call(Hc.memory_op, 1, 0x7fff_0000_0000n), E(Errno.EFAULT));
  assert.equal(h.call(Hc.memory_op, 2, 0), BigInt(pages - 1), 'maximum_ram_page');
  assert.equal(h.call(Hc.memory_op, 55, ARG), E(Errno.ENOSYS));
  assert.equal(h.call(Hc.memory_op, 1 | (5 << 6), ARG), E(Errno.EINVAL), 'continuation encoding');
  h.put(ARG + 0x80, [[2, 0]]);
  assert.equal(h.call(Hc.memory_op, 3, ARG + 0x80), E(Errno.EPERM));
  assert.deepEqual(h.xen.describe().ballooned.slice(0, 2), [0x600, 0x601]);
});

test('add_to_physmap: shared info moves, the RAM frame it covered comes back; bad spaces and GFNs refused', () => {
  const h = xenMachine();
  const xatp = (space: number, idx: number | bigint, gpfn: number | bigint, dom = 0x7ff0) => {
    h.put(ARG, [[2, dom], [2, 0], [4, space], [8, idx], [8, gpfn]]);
    return h.call(Hc.memory_op, 7, ARG);
  };
  h.put(0x210000, [[4, 0x1234]]);
  assert.equal(xatp(0, 0, 0x210), 0n);
  assert.equal(h.xen.mem.gpaToHpa(0x210000), h.xen.sharedInfoHpa);
  assert.equal(h.u32(0x210000 + 32), 2, 'vcpu_time_info version');
  assert.equal(xatp(0, 0, 0x211), 0n);
  assert.equal(h.u32(0x210000), 0x1234, 'RAM frame back at the old GFN');
  assert.equal(xatp(0, 1, 0x212), E(Errno.EINVAL), 'shared info has index 0 only');
  assert.equal(xatp(2, 0, 0x212), E(Errno.EOPNOTSUPP), 'XENMAPSPACE_gmfn');
  assert.equal(xatp(9, 0, 0x212), E(Errno.EINVAL));
  assert.equal(xatp(0, 0, 1n << 40n), E(Errno.EINVAL), 'GFN outside guest RAM');
  assert.equal(xatp(1, 0, 0x211), E(Errno.EBUSY), 'a grant frame over shared info');
  assert.equal(xatp(0, 0, 0x212, 0), E(Errno.EPERM));
  assert.equal(xatp(0, 0, 0x212, 9), E(Errno.ESRCH));
  assert.equal(h.call(Hc.memory_op, 7, 0x7fff_0000_0000n), E(Errno.EFAULT));
});

test('a guest touching a page it ballooned out stops with an EPT violation that names the balloon', () => {
  const { stop, xen } = runXenGuest(`
${HYPERCALL_PAGE}
    mov edi, 1                 ; XENMEM_decrease_reservation
    mov rsi, reservation
    call 0x200000 + 12 * 32
    mov [0x300000], rax
    mov edi, 6                 ; XENMEM_populate_physmap
    mov rsi, reservation
    call 0x200000 + 12 * 32
    mov dword [0x400000], 1    ; mapped again: fine
    mov edi, 1
    mov rsi, reservation
    call 0x200000 + 12 * 32
    mov dword [0x400000], 2    ; EPT violation
    hlt
  align 8
  reservation: dq extents, 1
               dd 0, 0
               dw 0x7ff0, 0, 0, 0
  extents:     dq 0x400`);
  assert.equal(stop.reason, 'vm-exit');
  assert.match(stop.detail, /EPT violation: write to ballooned page \(given back with XENMEM_decrease_reservation\) at guest-physical 0x400000/);
  assert.equal(xen.state.ballooned.has(0x400), true);
});
