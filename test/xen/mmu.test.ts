import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Errno, Hc } from '../../src/machine/xen/abi';
import { xenMachine, type XenHarness } from './harness';

const E = (errno: number) => -BigInt(errno);
const REQS = 0x300000;
const DONE = 0x300800;
/** The boot identity map: PML4 0x5000, PDPT 0x6000, PDs 0x7000-0xa000 (2 MiB pages). */
const PD0 = 0x7000;

function update(h: XenHarness, requests: [bigint | number, bigint | number][], foreign = 0x7ff0): { result: bigint; done: number } {
  h.put(REQS, requests.flatMap(([ptr, val]) => [[8, ptr], [8, val]] as [8, bigint | number][]));
  h.put(DONE, [[4, 0xffff]]);
  const result = h.call(Hc.mmu_update, REQS, requests.length, DONE, foreign);
  return { result, done: h.u32(DONE) };
}

test('mmu_update: a validated PTE write in the current tables, with the guest TLB flushed', () => {
  const h = xenMachine();
  // PD entry 8 (linear 16 MiB) → 2 MiB page at guest-physical 4 MiB.
  const before = h.xen.mem.translate(0x1000000, 0);
  assert.deepEqual(update(h, [[PD0 + 8 * 8, 0x400000 | 0x83]]), { result: 0n, done: 1 });
  assert.equal(h.u64(PD0 + 64), 0x400083n);
  assert.notEqual(h.xen.mem.translate(0x1000000, 0), before);
  assert.equal(h.xen.mem.translate(0x1000000, 0), h.xen.mem.gpaToHpa(0x400000));
  // PRESERVE_AD keeps the accessed/dirty bits.
  h.put(PD0 + 72, [[8, 0x600000 | 0x83 | 0x60]]);
  update(h, [[(PD0 + 72) | 2, 0x600000 | 0x83]]);
  assert.equal(h.u64(PD0 + 72), BigInt(0x600000 | 0x83 | 0x60));
});

test('mmu_update refusals: not a page-table page, mapping outside guest RAM, bad command, reserved bits, foreign domain', () => {
  const h = xenMachine();
  assert.deepEqual(update(h, [[0x300000, 0x1003]]), { result: E(Errno.EINVAL), done: 0 }, 'target is not a page-table page');
  assert.deepEqual(update(h, [[PD0, 0x400083], [PD0 + 8, 0x4000_0000 | 0x83]]), { result: E(Errno.EPERM), done: 1 }, 'maps beyond guest RAM');
  assert.equal(update(h, [[PD0 + 8, 0x0008_0000_0000_0083n]]).result, E(Errno.EINVAL), 'reserved address bits (51:46)');
  assert.equal(update(h, [[PD0 + 8, 0x400000 | 0x1083]]).result, E(Errno.EINVAL), 'large page not aligned');
  assert.equal(update(h, [[0x5000, 0x83]]).result, E(Errno.EINVAL), 'PS in a PML4 entry');
  assert.equal(update(h, [[PD0 | 1, 0]]).result, E(Errno.ENOSYS), 'MMU_MACHPHYS_UPDATE');
  assert.equal(update(h, [[PD0 + 4, 0]]).result, E(Errno.EINVAL), 'misaligned entry');
  assert.equal(update(h, [[PD0, 0]], 3).result, E(Errno.EPERM), 'foreign domain');
  assert.equal(h.call(Hc.mmu_update, 0x7fff_0000_0000n, 1, 0, 0x7ff0), E(Errno.EFAULT));
  assert.equal(h.call(Hc.mmu_update, REQS, 100000, 0, 0x7ff0), E(Errno.EINVAL));
  assert.equal(update(h, [[PD0, 0n]]).result, 0n, 'clearing an entry is always allowed');
});

test('mmuext_op: pin validation, NEW_BASEPTR, TLB flushes, unknown commands', () => {
  const h = xenMachine();
  const ext = (ops: [number, bigint | number][]) => {
    h.put(REQS, ops.flatMap(([cmd, arg]) => [[4, cmd], [4, 0], [8, arg], [8, 0]] as [4 | 8, bigint | number][]));
    return [h.call(Hc.mmuext_op, REQS, ops.length, DONE, 0x7ff0), h.u32(DONE)] as const;
  };
  // A PML4 of our own at 0x310000 → PDPT 0x311000 → PD 0x312000 mapping the first 32 MiB.
  h.put(0x310000, [[8, 0x311003]]);
  h.put(0x311000, [[8, 0x312003]]);
  h.put(0x312000, Array.from({ length: 16 }, (_, i) => [8, (i * 0x200000) | 0x83] as [8, number]));
  assert.deepEqual(ext([[3, 0x310]]), [0n, 1], 'PIN_L4_TABLE');
  assert.deepEqual(ext([[3, 0x310]]), [E(Errno.EINVAL), 0], 'already pinned');
  assert.deepEqual(ext([[1, 0x7]]), [E(Errno.EINVAL), 0], 'the boot PD maps 4 GiB, beyond guest RAM');
  assert.deepEqual(ext([[5, 0x310], [6, 0], [7, 0x1000]]), [0n, 3], 'NEW_BASEPTR, TLB_FLUSH_LOCAL, INVLPG_LOCAL');
  assert.equal(h.xen.unit.current!.get(0x6802), 0x310000n, 'GUEST_CR3');
  assert.deepEqual(update(h, [[0x312000 + 8 * 20, 0x83]]), { result: 0n, done: 1 }, 'the new tables are the current ones');
  assert.deepEqual(ext([[4, 0x310], [4, 0x310]]), [E(Errno.EINVAL), 1], 'UNPIN twice');
  assert.deepEqual(ext([[17, 0]]), [E(Errno.ENOSYS), 0]);
  assert.equal(h.call(Hc.mmuext_op, 0x7fff_0000_0000n, 1, 0, 0), E(Errno.EFAULT));
  assert.equal(h.call(Hc.mmuext_op, REQS, 1, 0, 44), E(Errno.EPERM));
});
