import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DomId, Errno, Hc } from '../../src/machine/xen/abi';
import { RAM, runXenGuest, xenMachine } from './harness';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const E = (errno: number) => -BigInt(errno);

test('multicall: each entry runs in order with its result written back; nested multicall refused; bad list -EFAULT', () => {
  const h = xenMachine();
  const LIST = 0x300000;
  const entry = (op: number, ...args: number[]) => [[8, op], [8, 0x5555], ...[0, 1, 2, 3, 4, 5].map((i) => [8, args[i] ?? 0])] as [8, number][];
  h.machine.mem.load(RAM + 0x300400, new TextEncoder().encode('mc'));
  h.put(LIST, [...entry(Hc.xen_version, 0), ...entry(Hc.console_io, 0, 2, 0x300400), ...entry(Hc.multicall, LIST, 1), ...entry(123), ...entry(Hc.xen_version, 7)]);
  assert.equal(h.call(Hc.multicall, LIST, 5), 0n);
  const results = [0, 1, 2, 3, 4].map((i) => BigInt.asIntN(64, h.u64(LIST + i * 64 + 8)));
  assert.deepEqual(results, [BigInt((4 << 16) | 17), 0n, E(Errno.EINVAL), E(Errno.ENOSYS), 4096n]);
  assert.equal(h.machine.consoleText, 'mc');
  const log = h.xen.monitor.log;
  assert.deepEqual(
    log.map((r) => [r.name, r.nested ?? false]),
    [['xen_version', true], ['console_io', true], ['multicall', true], ['hypercall_123', true], ['xen_version', true]],
    'entries are logged as nested calls (the VMCALL itself is logged by the exit handler)',
  );
  assert.equal(h.xen.monitor.counts.get('xen_version'), 2);
  assert.equal(h.call(Hc.multicall, 0x7fff_0000_0000n, 1), E(Errno.EFAULT));
  assert.equal(h.call(Hc.multicall, LIST, 5000), E(Errno.EINVAL));
  assert.equal(h.call(Hc.multicall, LIST, 0), 0n);
});

test('console back end: connect validates the grant and the port; out ring consumed, in ring fed from debug-console input', () => {
  const h = xenMachine();
  const RING = 0x204;
  h.put(0x300000, [[2, 0x7ff0], [2, 0], [4, 1], [8, 0n], [8, 0x202]]);
  assert.equal(h.call(Hc.memory_op, 7, 0x300000), 0n);
  const setParam = (index: number, value: number) => {
    h.put(0x300100, [[2, 0x7ff0], [2, 0], [4, index], [8, value]]);
    return h.call(Hc.hvm_op, 0, 0x300100);
  };
  h.put(0x300200, [[2, 0x7ff0], [2, 0], [4, 0]]);
  h.call(Hc.event_channel_op, 6, 0x300200);
  const port = h.u32(0x300204);
  // Ring not granted yet: connect fails.
  assert.equal(setParam(0x100, 8), 0n);
  assert.equal(setParam(0x101, port), E(Errno.EINVAL));
  assert.match(h.xen.describe().console.error!, /cannot map the console ring: grant 8 is not GTF_permit_access/);
  h.put(0x202000 + 8 * 8, [[2, 1], [2, DomId.dom0], [4, RING]]);
  assert.equal(setParam(0x101, 99), E(Errno.EINVAL), 'not an unbound port for domain 0');
  assert.equal(h.xen.state.grantMaps.size, 0, 'the failed connect unmapped the ring');
  h.xen.consoleInput(new TextEncoder().encode('typed'));
  assert.equal(setParam(0x101, port), 0n);
  assert.equal(setParam(0x101, port), E(Errno.EBUSY));
  const console = h.xen.describe().console;
  assert.equal(console.connected, true);
  assert.equal(console.dom0Port, 1);
  assert.equal(Buffer.from(h.machine.mem.peek(RAM + RING * 4096, 5)).toString('latin1'), 'typed', 'input produced into "in"');
  assert.equal(h.u32(RING * 4096 + 3076), 5, 'in_prod');
  assert.equal(h.xen.evtchn.isPending(port), true, 'and notified');
  // The guest produces into "out" (wrapping) and notifies.
  h.put(RING * 4096 + 3080, [[4, 2046], [4, 2046]]);
  h.machine.mem.load(RAM + RING * 4096 + 1024 + 2046, new TextEncoder().encode('ab'));
  h.machine.mem.load(RAM + RING * 4096 + 1024, new TextEncoder().encode('c\n'));
  h.put(RING * 4096 + 3084, [[4, 2050]]);
  h.put(0x300300, [[4, port]]);
  assert.equal(h.call(Hc.event_channel_op, 4, 0x300300), 0n);
  assert.equal(h.machine.consoleText, 'abc\n');
  assert.equal(h.u32(RING * 4096 + 3080), 2050, 'out_cons');
  // Corrupt indices are reported, never thrown.
  h.put(RING * 4096 + 3084, [[4, 9000]]);
  h.call(Hc.event_channel_op, 4, 0x300300);
  assert.match(h.xen.describe().console.error!, /out ring indices are corrupt/);
  // Closing the guest's end disconnects the back end and drops the mapping.
  h.put(0x300300, [[4, port]]);
  assert.equal(h.call(Hc.event_channel_op, 3, 0x300300), 0n);
  assert.equal(h.xen.describe().console.connected, false);
  assert.equal(h.xen.state.grantMaps.size, 0);
});

test('the xen-console sample prints through the split driver and powers off', () => {
  const source = readFileSync(join(__dirname, '../../samples/xen-console.hvasm'), 'utf8').replace(/^(bits 64|org 0x100000)$/gm, '');
  const { machine, stop, xen } = runXenGuest(source);
  assert.equal(stop.reason, 'exit', stop.detail);
  assert.equal(stop.exitCode, 0);
  assert.match(stop.detail, /SCHEDOP_shutdown\(poweroff\)/);
  assert.equal(machine.consoleText, 'hello from a Xen PV console\n');
  const d = xen.describe();
  assert.equal(d.console.bytesOut, 28);
  assert.equal(d.console.notifications, 1);
  assert.ok(d.upcalls >= 1);
  assert.deepEqual(d.grantTable.mappings.map((m) => [m.mapper, m.ref]), [[0, 8]]);
  assert.equal(JSON.parse(JSON.stringify(d)).eventChannels[0].state, 'interdomain', 'JSON-able');
});

test('after the console connects, HVM_PARAM_CONSOLE_PFN / CONSOLE_EVTCHN read back the ring frame and the port', () => {
  const source = readFileSync(join(__dirname, '../../samples/xen-console.hvasm'), 'utf8').replace(/^(bits 64|org 0x100000)$/gm, '');
  const { xen } = runXenGuest(source);
  const param = (index: number) => {
    xen.cpu.mem.poke(0x1000000 + 0x300000, Uint8Array.of(0xf0, 0x7f, 0, 0, index, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0));
    assert.equal(xen.hypercall(Hc.hvm_op, [1n, 0x300000n, 0n, 0n, 0n]), 0n);
    return xen.cpu.mem.read64(0x1000000 + 0x300008);
  };
  assert.equal(param(17), 0x203n);
  assert.equal(param(18), BigInt(xen.describe().console.guestPort!));
});

test('input typed for COM1 (the debug console `input` command) reaches CONSOLEIO_read and a connected PV console ring', () => {
  const h = xenMachine();
  h.machine.serial.receive(new TextEncoder().encode('ls\n'));
  assert.equal(h.call(Hc.console_io, 1, 16, 0x300000), 3n);
  assert.equal(Buffer.from(h.machine.mem.peek(RAM + 0x300000, 3)).toString('latin1'), 'ls\n');
  const source = readFileSync(join(__dirname, '../../samples/xen-console.hvasm'), 'utf8').replace(/^(bits 64|org 0x100000)$/gm, '');
  const { machine, xen } = runXenGuest(source); // still connected after the shutdown
  assert.equal(xen.describe().console.bytesIn, 0);
  machine.serial.receive(new TextEncoder().encode('typed'));
  xen.afterExit();
  assert.equal(xen.describe().console.bytesIn, 5);
  assert.equal(Buffer.from(machine.mem.peek(RAM + 0x203000, 5)).toString('latin1'), 'typed');
});
