import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Errno, Hc, SharedInfo } from '../../src/machine/xen/abi';
import { HYPERCALL_PAGE, runXenGuest, xenMachine, type XenHarness } from './harness';
import { eoiIretq, idtData, installIdt } from '../support/guestPreludes';

const E = (errno: number) => -BigInt(errno);
const ARG = 0x300000;

function allocUnbound(h: XenHarness, remote: number, dom = 0x7ff0): { result: bigint; port: number } {
  h.put(ARG, [[2, dom], [2, remote], [4, 0]]);
  const result = h.call(Hc.event_channel_op, 6, ARG);
  return { result, port: h.u32(ARG + 4) };
}

function op(h: XenHarness, cmd: number, port: number): bigint {
  h.put(ARG + 0x100, [[4, port]]);
  return h.call(Hc.event_channel_op, cmd, ARG + 0x100);
}

function status(h: XenHarness, port: number, dom = 0x7ff0): { result: bigint; status: number; word16: number; word20: number } {
  h.put(ARG, [[2, dom], [2, 0], [4, port], [8, 0n], [8, 0n], [8, 0n]]);
  const result = h.call(Hc.event_channel_op, 5, ARG);
  return { result, status: h.u32(ARG + 8), word16: h.u32(ARG + 16), word20: h.u32(ARG + 20) };
}

const si = (h: XenHarness) => h.xen.sharedInfoHpa;
const pendingWord = (h: XenHarness) => h.machine.mem.read64(si(h) + SharedInfo.evtchnPending);

test('alloc_unbound, status, close: ports from 1, remote domain checked', () => {
  const h = xenMachine();
  const a = allocUnbound(h, 0);
  assert.deepEqual([a.result, a.port], [0n, 1]);
  assert.equal(allocUnbound(h, 0x7ff0).port, 2);
  assert.equal(allocUnbound(h, 7).result, E(Errno.ESRCH));
  assert.equal(allocUnbound(h, 0, 0).result, E(Errno.EPERM), 'allocating for another domain');
  assert.equal(h.call(Hc.event_channel_op, 6, 0x7fff_0000_0000n), E(Errno.EFAULT));
  assert.deepEqual(status(h, 1), { result: 0n, status: 1, word16: 0, word20: 0 });
  assert.equal(status(h, 2).word16, 1, 'unbound for remote domain 1 (itself)');
  assert.equal(status(h, 9).status, 0, 'closed');
  assert.equal(status(h, 5000).result, E(Errno.EINVAL));
  assert.equal(status(h, 1, 0).result, E(Errno.EPERM));
  assert.equal(status(h, 1, 9).result, E(Errno.ESRCH));
  assert.equal(op(h, 3, 1), 0n);
  assert.equal(op(h, 3, 1), E(Errno.EINVAL), 'closing a closed port');
  assert.equal(op(h, 3, 0), E(Errno.EINVAL));
  assert.equal(h.call(Hc.event_channel_op, 42, ARG), E(Errno.ENOSYS));
  assert.equal(h.call(Hc.event_channel_op, 2, ARG), E(Errno.ENOSYS), 'bind_pirq');
});

test('bind_virq: VIRQ_TIMER once per domain, bad vCPU and VIRQ refused; send on a VIRQ port is -EINVAL', () => {
  const h = xenMachine();
  const bind = (virq: number, vcpu = 0) => {
    h.put(ARG, [[4, virq], [4, vcpu], [4, 0]]);
    return [h.call(Hc.event_channel_op, 1, ARG), h.u32(ARG + 8)] as const;
  };
  assert.deepEqual(bind(0), [0n, 1]);
  assert.equal(bind(0)[0], E(Errno.EEXIST));
  assert.equal(bind(24)[0], E(Errno.EINVAL));
  assert.equal(bind(1, 3)[0], E(Errno.ENOENT));
  assert.equal(status(h, 1).status, 4);
  assert.equal(op(h, 4, 1), E(Errno.EINVAL));
});

test('loopback interdomain channel: send sets pending, selector and upcall flag, and raises the callback vector', () => {
  const h = xenMachine();
  h.put(ARG + 0x200, [[2, 0x7ff0], [2, 0], [4, 0], [8, (2n << 56n) | 0xf3n]]);
  assert.equal(h.call(Hc.hvm_op, 0, ARG + 0x200), 0n);
  const unbound = allocUnbound(h, 0x7ff0).port;
  h.put(ARG, [[2, 0x7ff0], [2, 0], [4, unbound], [4, 0]]);
  assert.equal(h.call(Hc.event_channel_op, 0, ARG), 0n);
  const local = h.u32(ARG + 8);
  assert.equal(local, 2);
  const s = status(h, local);
  assert.deepEqual([s.status, s.word16, s.word20], [2, 1, unbound]);
  // A new binding starts pending (as Xen does); clear everything, then send from the other end.
  h.machine.mem.write64(si(h) + SharedInfo.evtchnPending, 0n);
  h.machine.mem.write64(si(h) + SharedInfo.pendingSel, 0n);
  h.machine.mem.write8(si(h) + SharedInfo.upcallPending, 0);
  const raised = h.xen.state.upcalls;
  assert.equal(op(h, 4, unbound), 0n);
  assert.equal(pendingWord(h), 1n << BigInt(local));
  assert.equal(h.machine.mem.read64(si(h) + SharedInfo.pendingSel), 1n);
  assert.equal(h.machine.mem.read8(si(h) + SharedInfo.upcallPending), 1);
  assert.equal(h.xen.state.upcalls, raised + 1);
  assert.equal(op(h, 4, 99), E(Errno.EINVAL));
  // Closing one end leaves the other unbound.
  assert.equal(op(h, 3, local), 0n);
  assert.equal(status(h, unbound).status, 1);
  assert.equal(op(h, 4, unbound), 0n, 'send on an unbound port is dropped');
  h.put(ARG, [[2, 0x7ff0], [2, 0], [4, 77], [4, 0]]);
  assert.equal(h.call(Hc.event_channel_op, 0, ARG), E(Errno.EINVAL), 'bind to a port that is not unbound');
  h.put(ARG, [[2, 9], [2, 0], [4, 1], [4, 0]]);
  assert.equal(h.call(Hc.event_channel_op, 0, ARG), E(Errno.ESRCH));
});

test('bind_interdomain to a port domain 0 offered; dom0 sends reach the guest', () => {
  const h = xenMachine();
  const dom0Port = h.xen.evtchn.allocDom0Unbound();
  h.put(ARG, [[2, 0], [2, 0], [4, dom0Port], [4, 0]]);
  assert.equal(h.call(Hc.event_channel_op, 0, ARG), 0n);
  const local = h.u32(ARG + 8);
  assert.equal(status(h, local).word20, dom0Port);
  h.machine.mem.write64(si(h) + SharedInfo.evtchnPending, 0n);
  assert.ok(h.xen.evtchn.sendFromDom0(dom0Port));
  assert.equal(pendingWord(h), 1n << BigInt(local));
  h.put(ARG, [[2, 0], [2, 0], [4, dom0Port], [4, 0]]);
  assert.equal(h.call(Hc.event_channel_op, 0, ARG), E(Errno.EINVAL), 'already bound');
});

test('masked port: pending without upcall; unmask delivers it; unmask of a bad port is -EINVAL', () => {
  const h = xenMachine();
  const port = allocUnbound(h, 0x7ff0).port;
  h.put(ARG, [[2, 0x7ff0], [2, 0], [4, port], [4, 0]]);
  h.call(Hc.event_channel_op, 0, ARG);
  const peer = h.u32(ARG + 8);
  h.machine.mem.write64(si(h) + SharedInfo.evtchnPending, 0n);
  h.machine.mem.write64(si(h) + SharedInfo.pendingSel, 0n);
  h.machine.mem.write8(si(h) + SharedInfo.upcallPending, 0);
  h.machine.mem.write64(si(h) + SharedInfo.evtchnMask, 1n << BigInt(peer));
  op(h, 4, port);
  assert.equal(pendingWord(h), 1n << BigInt(peer));
  assert.equal(h.machine.mem.read8(si(h) + SharedInfo.upcallPending), 0, 'masked: no upcall');
  assert.equal(op(h, 9, peer), 0n);
  assert.equal(h.machine.mem.read64(si(h) + SharedInfo.evtchnMask), 0n);
  assert.equal(h.machine.mem.read8(si(h) + SharedInfo.upcallPending), 1, 'unmask delivered the pending event');
  assert.equal(op(h, 9, 500), E(Errno.EINVAL));
  const described = h.xen.describe().eventChannels;
  assert.deepEqual(described.map((c) => [c.port, c.state, c.pending, c.masked]), [[port, 'interdomain', false, false], [peer, 'interdomain', true, false]]);
});

const PROLOGUE = `    ; hypercall page, shared info at 0x201000, IDT, callback vector 0xf3
${HYPERCALL_PAGE}
    mov edi, 7
    mov rsi, xatp
    call 0x200000 + 12 * 32
${installIdt({ 0xf3: 'handler' })}
    xor edi, edi
    mov rsi, param
    call 0x200000 + 34 * 32
    sti
`;

const DATA = `  align 8
  xatp:  dw 0x7ff0, 0
         dd 0
         dq 0
         dq 0x201
  param: dw 0x7ff0, 0
         dd 0
         dq (2 << 56) | 0xf3
  alloc: dw 0x7ff0, 0x7ff0
         dd 0
  bind:  dw 0x7ff0, 0
         dd 0, 0
  send_a: dd 0
  send_b: dd 0
  count: dq 0
${idtData({}, { entries: 256 })}`;

/** Guest code: a loopback channel, alloc_unbound(self, self) → port a in [send_a], then bind_interdomain(self, a) (port b at [bind + 8]). */
const LOOPBACK = `
    mov edi, 6
    mov rsi, alloc
    call 0x200000 + 32 * 32
    mov eax, [alloc + 4]
    mov [bind + 4], eax
    mov [send_a], eax
    mov edi, 0
    mov rsi, bind
    call 0x200000 + 32 * 32`;

/**
 * A guest with the hypercall page, shared info at GFN 0x201, IDT gate 0xf3 → `handler`
 * and the HVM callback vector 0xf3, interrupts on; then `body`, the `handler` code (ending
 * in IRETQ) and the data both upcall tests use (alloc, bind, send_a/b, count).
 */
const CALLBACK_GUEST = (body: string, handler: string): string => `
${PROLOGUE}${body}
  handler:
${handler}
${DATA}`;

test('upcall delivery in a running guest: the callback vector is injected; masked → none; EVTCHNOP_unmask → delivered', () => {
  const { machine, stop, xen } = runXenGuest(
    CALLBACK_GUEST(`${LOOPBACK}
    mov eax, [bind + 8]
    mov [send_b], eax
    ; the binding itself made port b pending: that was upcall 1
    mov rax, [count]
    mov [0x300000], rax
    ; mask port b, send a→b: no upcall
    mov ecx, [send_b]
    lock bts [0x201000 + 2560], rcx
    mov edi, 4
    mov rsi, send_a
    call 0x200000 + 32 * 32
    mov rax, [count]
    mov [0x300008], rax
    ; EVTCHNOP_unmask(b): the pending event is delivered
    mov edi, 9
    mov rsi, send_b
    call 0x200000 + 32 * 32
    mov rax, [count]
    mov [0x300010], rax
    hlt
`, eoiIretq(`
    mov byte [0x201000], 0
    mov qword [0x201008], 0
    mov qword [0x201000 + 2048], 0
    inc qword [count]`)),
  );
  assert.equal(stop.reason, 'halt', stop.detail);
  const at = (o: number) => machine.mem.read64(0x1000000 + 0x300000 + o);
  assert.deepEqual([at(0), at(8), at(0x10)], [1n, 1n, 2n]);
  assert.equal(xen.describe().callbackVector, 0xf3);
  assert.equal(xen.describe().sharedInfoGfn, 0x201);
});

test('bind_ipi: a port the vCPU signals itself; HVMOP_set_evtchn_upcall_vector sets the upcall vector', () => {
  const h = xenMachine();
  h.put(ARG, [[4, 0], [4, 0]]);
  assert.equal(h.call(Hc.event_channel_op, 7, ARG), 0n);
  const port = h.u32(ARG + 4);
  assert.equal(status(h, port).status, 5);
  h.put(ARG + 0x40, [[4, 0], [1, 0xe0]]);
  assert.equal(h.call(Hc.hvm_op, 23, ARG + 0x40), 0n);
  assert.equal(h.xen.describe().upcallVector, 0xe0);
  const upcalls = h.xen.state.upcalls;
  assert.equal(op(h, 4, port), 0n);
  assert.equal(h.xen.evtchn.isPending(port), true);
  assert.equal(h.xen.state.upcalls, upcalls + 1);
  // The per-vCPU upcall vector goes through the virtual APIC (the guest EOIs it), unlike HVM_PARAM_CALLBACK_IRQ.
  const apic = h.machine.hypervisor!.interrupts.apic;
  assert.ok((apic.irr[7]! | apic.isr[7]!) & 1, 'vector 0xe0 requested at the virtual APIC');
  h.put(ARG, [[4, 2], [4, 0]]);
  assert.equal(h.call(Hc.event_channel_op, 7, ARG), E(Errno.ENOENT));
  h.put(ARG + 0x40, [[4, 1], [1, 0xe0]]);
  assert.equal(h.call(Hc.hvm_op, 23, ARG + 0x40), E(Errno.ENOENT));
  h.put(ARG + 0x40, [[4, 0], [1, 0x05]]);
  assert.equal(h.call(Hc.hvm_op, 23, ARG + 0x40), E(Errno.EINVAL));
  assert.equal(h.call(Hc.hvm_op, 23, 0x7fff_0000_0000n), E(Errno.EFAULT));
});

test('the HVM callback vector bypasses the virtual APIC: a handler without EOI gets every upcall, and no ISR bit stays set', () => {
  const { machine, stop, hypervisor } = runXenGuest(
    CALLBACK_GUEST(`${LOOPBACK}
    mov edi, 4
    mov rsi, send_a
    call 0x200000 + 32 * 32
    mov edi, 4
    mov rsi, send_a
    call 0x200000 + 32 * 32
    mov rax, [count]
    mov [0x300000], rax
    hlt
`, `
    mov byte [0x201000], 0
    mov qword [0x201008], 0
    mov qword [0x201000 + 2048], 0
    inc qword [count]
    iretq
`),
  );
  assert.equal(stop.reason, 'halt', stop.detail);
  assert.equal(machine.mem.read64(0x1000000 + 0x300000), 3n, 'bind + two sends: three upcalls without any EOI');
  assert.deepEqual([...hypervisor.interrupts.apic.isr], [0, 0, 0, 0, 0, 0, 0, 0], 'no in-service bit left by the upcalls');
  assert.deepEqual(hypervisor.interrupts.saveState().direct, [], 'nothing left pending');
});
