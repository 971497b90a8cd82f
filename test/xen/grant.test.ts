import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DomId, Errno, GNTST, Hc } from '../../src/machine/xen/abi';
import { RAM, xenMachine, type XenHarness } from './harness';

const E = (errno: number) => -BigInt(errno);
const ARG = 0x300000;
const GRANT_GFN = 0x202;
const SHARED = 0x204; // a frame the guest shares

/** Maps grant frame 0 at GRANT_GFN and writes entry `ref`. */
function grant(h: XenHarness, ref: number, flags: number, domid: number, frame: number): void {
  if (h.xen.state.grantFrameGfns[0] === undefined) {
    h.put(ARG, [[2, 0x7ff0], [2, 0], [4, 1], [8, 0n], [8, GRANT_GFN]]);
    assert.equal(h.call(Hc.memory_op, 7, ARG), 0n);
  }
  h.put(GRANT_GFN * 4096 + ref * 8, [[2, flags], [2, domid], [4, frame]]);
}

test('grant frames: add_to_physmap maps them where the guest wants, setup_table / query_size report them', () => {
  const h = xenMachine();
  grant(h, 8, 1, 0, SHARED);
  const entry = h.xen.grants.entry(8)!;
  assert.deepEqual(entry, { flags: 1, domid: 0, frame: SHARED }, 'the guest wrote through its GFN into the hypervisor frame');
  h.put(ARG, [[2, 0x7ff0], [2, 0], [4, 0], [4, 0], [4, 0]]);
  assert.equal(h.call(Hc.grant_table_op, 6, ARG, 1), 0n);
  assert.deepEqual([h.u32(ARG + 4), h.u32(ARG + 8), h.i16(ARG + 12)], [1, 4, GNTST.okay]);
  h.put(ARG, [[2, 5], [2, 0], [4, 0], [4, 0], [4, 0]]);
  h.call(Hc.grant_table_op, 6, ARG, 1);
  assert.equal(h.i16(ARG + 12), GNTST.bad_domain);
  h.put(ARG, [[2, 0x7ff0], [2, 0], [4, 2], [2, 0], [2, 0], [4, 0], [8, ARG + 0x100]]);
  assert.equal(h.call(Hc.grant_table_op, 2, ARG, 1), 0n);
  assert.equal(h.i16(ARG + 8), GNTST.okay);
  assert.equal(h.u64(ARG + 0x100), BigInt(GRANT_GFN));
  assert.equal(h.u64(ARG + 0x108), 0xffffffffffffffffn, 'frame 1 not mapped yet');
  h.put(ARG + 4, [[4, 9]]);
  h.call(Hc.grant_table_op, 2, ARG, 1);
  assert.equal(h.i16(ARG + 8), GNTST.general_error, 'more than max_nr_frames');
  assert.equal(h.call(Hc.grant_table_op, 2, ARG, 2), E(Errno.EINVAL), 'setup_table takes count 1');
  assert.equal(h.call(Hc.grant_table_op, 6, 0x7fff_0000_0000n, 1), E(Errno.EFAULT));
  assert.equal(h.call(Hc.grant_table_op, 99, ARG, 1), E(Errno.ENOSYS));
  assert.equal(h.call(Hc.grant_table_op, 0, ARG, 100000), E(Errno.EINVAL));
  h.put(ARG, [[2, 0x7ff0], [2, 0], [4, 1], [8, 7n], [8, 0x205]]);
  assert.equal(h.call(Hc.memory_op, 7, ARG), E(Errno.EINVAL), 'grant frame index beyond max_nr_frames');
  h.put(ARG, [[2, 0x7ff0], [2, 0], [4, 1], [8, 1n], [8, GRANT_GFN]]);
  assert.equal(h.call(Hc.memory_op, 7, ARG), E(Errno.EBUSY), 'frame 0 already sits there');
});

test('dom0 map: permit_access + domid + read-only checks, bad references; reading/writing flags while mapped', () => {
  const h = xenMachine();
  const g = h.xen.grants;
  grant(h, 8, 1, DomId.dom0, SHARED);
  grant(h, 9, 1 | 4, DomId.dom0, SHARED);
  grant(h, 10, 1, 5, SHARED);
  grant(h, 11, 0, DomId.dom0, SHARED);
  const ok = g.map(DomId.dom0, DomId.guest, 8, 2, 0n);
  assert.equal(ok.status, GNTST.okay);
  assert.equal(h.xen.state.grantMaps.get(ok.handle!)!.frameHpa, RAM + SHARED * 4096);
  assert.equal(g.entry(8)!.flags, 1 | 8 | 16, 'GTF_reading | GTF_writing while mapped');
  assert.equal(g.map(DomId.dom0, DomId.guest, 9, 2, 0n).status, GNTST.general_error, 'writable map of a read-only grant');
  assert.match(g.lastRefusal!, /read-only/);
  assert.equal(g.map(DomId.dom0, DomId.guest, 9, 2 | 4, 0n).status, GNTST.okay, 'read-only map is fine');
  assert.equal(g.map(DomId.dom0, DomId.guest, 10, 2, 0n).status, GNTST.general_error, 'granted to domain 5');
  assert.match(g.lastRefusal!, /domain 5, not domain 0/);
  assert.equal(g.map(DomId.dom0, DomId.guest, 11, 2, 0n).status, GNTST.general_error, 'not permit_access');
  assert.equal(g.map(DomId.dom0, DomId.guest, 5000, 2, 0n).status, GNTST.bad_gntref);
  assert.equal(g.map(DomId.dom0, 7, 8, 2, 0n).status, GNTST.bad_domain);
  assert.equal(g.map(DomId.dom0, DomId.guest, 8, 0, 0n).status, GNTST.bad_gntref, 'neither host_map nor device_map');
  assert.equal(g.unmap(DomId.dom0, 999, 0n), GNTST.bad_handle);
  assert.equal(g.unmap(DomId.dom0, ok.handle!, 0n), GNTST.okay);
  assert.equal(g.entry(8)!.flags, 1);
  assert.equal(g.unmap(DomId.dom0, ok.handle!, 0n), GNTST.bad_handle, 'already unmapped');
});

test('guest map_grant_ref with host_map puts the granted frame at host_addr in EPT; unmap restores RAM', () => {
  const h = xenMachine();
  grant(h, 12, 1 | 4, DomId.guest, SHARED);
  h.machine.mem.write32(RAM + SHARED * 4096, 0xc0ffee);
  const MAP_AT = 0x210000;
  h.put(ARG, [[8, MAP_AT], [4, 2 | 4], [4, 12], [2, 0x7ff0], [2, 0], [4, 0], [8, 0n]]);
  assert.equal(h.call(Hc.grant_table_op, 0, ARG, 1), 0n);
  assert.equal(h.i16(ARG + 18), GNTST.okay);
  const handle = h.u32(ARG + 20);
  assert.equal(h.xen.mem.readU32(MAP_AT), 0xc0ffee, 'the guest sees the granted frame at host_addr');
  assert.equal(h.xen.mem.writeU32(MAP_AT, 1), false, 'read-only mapping: EPT denies writes');
  h.put(ARG + 0x40, [[8, MAP_AT + 0x1000], [4, 2], [4, 12], [2, 0x7ff0]]);
  h.call(Hc.grant_table_op, 0, ARG + 0x40, 1);
  assert.equal(h.i16(ARG + 0x40 + 18), GNTST.general_error, 'writable map of the read-only grant');
  h.put(ARG + 0x80, [[8, MAP_AT + 1], [4, 2 | 4], [4, 12], [2, 0x7ff0]]);
  h.call(Hc.grant_table_op, 0, ARG + 0x80, 1);
  assert.equal(h.i16(ARG + 0x80 + 18), GNTST.bad_virt_addr);
  h.put(ARG + 0x100, [[8, MAP_AT + 0x1000], [8, 0n], [4, handle], [2, 0], [2, 0]]);
  h.call(Hc.grant_table_op, 1, ARG + 0x100, 1);
  assert.equal(h.i16(ARG + 0x100 + 20), GNTST.bad_virt_addr, 'unmap at the wrong address');
  h.put(ARG + 0x100, [[8, MAP_AT]]);
  assert.equal(h.call(Hc.grant_table_op, 1, ARG + 0x100, 1), 0n);
  assert.equal(h.i16(ARG + 0x100 + 20), GNTST.okay);
  assert.equal(h.xen.mem.writeU32(MAP_AT, 1), true, 'RAM again');
  assert.equal(h.call(Hc.grant_table_op, 0, 0x7fff_0000_0000n, 1), E(Errno.EFAULT));
});

test('gnttab_copy: gref ↔ own frame with status per op; read-only, wrong domid, bad gref, page overrun', () => {
  const h = xenMachine();
  grant(h, 8, 1, DomId.guest, SHARED);
  grant(h, 9, 1 | 4, DomId.guest, SHARED);
  grant(h, 10, 1, DomId.dom0, SHARED);
  h.machine.mem.load(RAM + 0x220000, new TextEncoder().encode('copied!'));
  // op: source {u64 ref/gmfn, u16 domid, u16 offset}, dest {…}, u16 len, u16 flags, i16 status
  const copy = (at: number, source: [bigint | number, number, number], dest: [bigint | number, number, number], len: number, flags: number) => {
    h.put(at, [[8, source[0]], [2, source[1]], [2, source[2]], [4, 0], [8, dest[0]], [2, dest[1]], [2, dest[2]], [4, 0], [2, len], [2, flags], [2, 0x7777]]);
  };
  copy(ARG, [0x220, 0x7ff0, 0], [8, 0x7ff0, 16], 7, 2); // frame → gref 8
  copy(ARG + 40, [8, 0x7ff0, 16], [0x221, 0x7ff0, 0], 7, 1); // gref 8 → frame
  copy(ARG + 80, [0x220, 0x7ff0, 0], [9, 0x7ff0, 0], 7, 2); // into a read-only grant
  copy(ARG + 120, [10, 0x7ff0, 0], [0x221, 0x7ff0, 0], 7, 1); // grant for domain 0
  copy(ARG + 160, [4000, 0x7ff0, 0], [0x221, 0x7ff0, 0], 7, 1); // bad gref
  copy(ARG + 200, [0x220, 0x7ff0, 4090], [0x221, 0x7ff0, 0], 7, 0); // crosses the page
  copy(ARG + 240, [0x220, 3, 0], [0x221, 0x7ff0, 0], 7, 0); // someone else's frame
  assert.equal(h.call(Hc.grant_table_op, 5, ARG, 7), 0n);
  const statuses = [0, 1, 2, 3, 4, 5, 6].map((i) => h.i16(ARG + i * 40 + 36));
  assert.deepEqual(statuses, [GNTST.okay, GNTST.okay, GNTST.general_error, GNTST.general_error, GNTST.bad_gntref, GNTST.bad_copy_arg, GNTST.permission_denied]);
  assert.equal(Buffer.from(h.machine.mem.peek(RAM + SHARED * 4096 + 16, 7)).toString('latin1'), 'copied!');
  assert.equal(Buffer.from(h.machine.mem.peek(RAM + 0x221000, 7)).toString('latin1'), 'copied!');
  const described = h.xen.describe().grantTable;
  assert.deepEqual(described.entries.map((e) => e.ref), [8, 9, 10]);
  assert.deepEqual(described.entries[1]!.flags, ['permit_access', 'readonly']);
});
