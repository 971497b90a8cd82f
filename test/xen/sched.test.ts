import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Errno, Hc, SharedInfo } from '../../src/machine/xen/abi';
import { HYPERCALL_PAGE, runXenGuest, xenMachine, type XenHarness } from './harness';
import { APIC_ENABLE, apicTimer, eoiIretq, idtData, installIdt } from '../support/guestPreludes';

const E = (errno: number) => -BigInt(errno);
const ARG = 0x300000;

function bindTimer(h: XenHarness): number {
  h.put(ARG, [[4, 0], [4, 0], [4, 0]]);
  assert.equal(h.call(Hc.event_channel_op, 1, ARG), 0n);
  return h.u32(ARG + 8);
}

const pending = (h: XenHarness, port: number) => h.xen.evtchn.isPending(port);

test('SCHEDOP_shutdown stops the machine with reason exit, the shutdown reason named and as exit code', () => {
  for (const [reason, name] of [[0, 'poweroff'], [1, 'reboot'], [2, 'suspend'], [3, 'crash'], [4, 'watchdog']] as const) {
    const h = xenMachine();
    h.put(ARG, [[4, reason]]);
    assert.equal(h.call(Hc.sched_op, 2, ARG), 0n);
    assert.deepEqual(h.machine.cpu.stopRequest, { reason: 'exit', detail: `Xen guest shut down: SCHEDOP_shutdown(${name})`, exitCode: reason });
  }
  const h = xenMachine();
  h.put(ARG, [[4, 17]]);
  assert.equal(h.call(Hc.sched_op, 2, ARG), E(Errno.EINVAL));
  assert.equal(h.call(Hc.sched_op, 2, 0x7fff_0000_0000n), E(Errno.EFAULT));
  assert.equal(h.call(Hc.sched_op, 0, 0), 0n, 'yield');
  assert.equal(h.call(Hc.sched_op, 9, 0), E(Errno.ENOSYS));
  assert.equal(h.machine.cpu.stopRequest, undefined);
});

test('set_timer_op: VIRQ_TIMER fires at the deadline (guest ns = instructions); 0 cancels; the past fires at once', () => {
  const h = xenMachine();
  const port = bindTimer(h);
  const now = h.xen.now();
  assert.equal(h.call(Hc.set_timer_op, now + 1000), 0n);
  h.xen.afterExit();
  assert.equal(pending(h, port), false);
  h.machine.cpu.instret = now + 1000;
  h.xen.afterExit();
  assert.equal(pending(h, port), true);
  assert.equal(h.xen.state.singleShot, undefined, 'single-shot');
  h.machine.mem.write64(h.xen.sharedInfoHpa + SharedInfo.evtchnPending, 0n);
  h.call(Hc.set_timer_op, now + 5000);
  h.call(Hc.set_timer_op, 0);
  h.machine.cpu.instret = now + 6000;
  h.xen.afterExit();
  assert.equal(pending(h, port), false, 'cancelled');
  h.call(Hc.set_timer_op, 1);
  assert.equal(pending(h, port), true, 'a deadline in the past fires at once');
});

test('SCHEDOP_block skips time to the next timer; with nothing armed it stops the machine cleanly', () => {
  const h = xenMachine();
  const port = bindTimer(h);
  h.machine.mem.write8(h.xen.sharedInfoHpa + SharedInfo.upcallPending, 0);
  const start = h.xen.now();
  h.call(Hc.set_timer_op, start + 50_000);
  assert.equal(h.call(Hc.sched_op, 1, 0), 0n);
  assert.equal(h.xen.now(), start + 50_000, 'time skipped to the expiry');
  assert.equal(pending(h, port), true);
  h.machine.mem.write64(h.xen.sharedInfoHpa + SharedInfo.evtchnPending, 0n);
  h.machine.mem.write8(h.xen.sharedInfoHpa + SharedInfo.upcallPending, 0);
  assert.equal(h.call(Hc.sched_op, 1, 0), 0n);
  assert.equal(h.machine.cpu.stopRequest?.reason, 'halt');
  assert.match(h.machine.cpu.stopRequest!.detail, /SCHEDOP_block: .*nothing can wake the guest/);
});

test('SCHEDOP_poll: returns at once for a pending port, at the timeout otherwise; bad ports and lists refused', () => {
  const h = xenMachine();
  const port = bindTimer(h);
  h.put(0x300100, [[4, port]]);
  const poll = (count: number, timeout: bigint | number, list = 0x300100) => {
    h.put(ARG, [[8, list], [4, count], [4, 0], [8, timeout]]);
    return h.call(Hc.sched_op, 3, ARG);
  };
  const start = h.xen.now();
  assert.equal(poll(1, start + 10_000), 0n);
  assert.equal(h.xen.now(), start + 10_000, 'timed out');
  h.call(Hc.set_timer_op, start + 20_000);
  assert.equal(poll(1, start + 90_000), 0n);
  assert.equal(h.xen.now(), start + 20_000, 'woken by the timer on the polled port');
  assert.equal(poll(1, 0), 0n, 'already pending');
  h.put(0x300100, [[4, 77]]);
  assert.equal(poll(1, 0), E(Errno.EINVAL));
  assert.equal(poll(1000, 0), E(Errno.EINVAL));
  assert.equal(poll(1, 0, 0x7fff_0000_0000), E(Errno.EFAULT));
  assert.equal(h.call(Hc.sched_op, 3, 0x7fff_0000_0000n), E(Errno.EFAULT));
});

test('vcpu_op timers: single-shot with the future flag, periodic (1 ms minimum), bad vCPU', () => {
  const h = xenMachine();
  const port = bindTimer(h);
  const now = h.xen.now();
  assert.equal(h.call(Hc.vcpu_op, 3, 0, 0), 1n, 'VCPUOP_is_up');
  assert.equal(h.call(Hc.vcpu_op, 8, 1, ARG), E(Errno.ENOENT));
  h.put(0x300200, [[8, now + 100], [4, 0]]);
  assert.equal(h.call(Hc.vcpu_op, 8, 0, 0x300200), 0n);
  assert.equal(h.xen.state.singleShot, now + 100);
  assert.equal(h.call(Hc.vcpu_op, 9, 0, 0), 0n);
  assert.equal(h.xen.state.singleShot, undefined);
  h.machine.cpu.instret = now + 10;
  h.put(0x300200, [[8, now + 5], [4, 1]]);
  assert.equal(h.call(Hc.vcpu_op, 8, 0, 0x300200), E(Errno.ETIME), 'VCPU_SSHOTTMR_future with a past deadline');
  h.put(0x300200, [[8, 999_999]]);
  assert.equal(h.call(Hc.vcpu_op, 6, 0, 0x300200), E(Errno.EINVAL));
  h.put(0x300200, [[8, 1_000_000]]);
  assert.equal(h.call(Hc.vcpu_op, 6, 0, 0x300200), 0n);
  h.machine.cpu.instret = now + 10 + 2_500_000;
  h.xen.afterExit();
  assert.equal(pending(h, port), true);
  assert.equal(h.xen.state.periodic!.next, now + 10 + 3_000_000, 'next period, missed ones coalesced');
  assert.equal(h.call(Hc.vcpu_op, 7, 0, 0), 0n);
  assert.equal(h.xen.state.periodic, undefined);
  assert.equal(h.call(Hc.vcpu_op, 6, 0, 0x7fff_0000_0000n), E(Errno.EFAULT));
  assert.equal(h.call(Hc.vcpu_op, 99, 0, 0), E(Errno.ENOSYS));
  assert.deepEqual(h.xen.describe().timers, { now: h.xen.now(), singleShot: null, periodic: null });
});

/** TIMER_GUEST's default handler body: the guest TSC at the upcall into [0x300000], [fired] counts. */
const STAMP = `    rdtsc
    mov [0x300000], eax
    inc byte [fired]`;

/**
 * Guest: hypercall page, IDT gate 0xf0 → handler (`handler`, then EOI), callback vector 0xf0,
 * VIRQ_TIMER bound, interrupts on, set_timer_op(now + `ns` of guest time); then `body`.
 */
const TIMER_GUEST = (body: string, { ns = 200000, handler = STAMP } = {}) => `
${HYPERCALL_PAGE}
${installIdt({ 0xf0: 'handler' })}
    xor edi, edi
    mov rsi, param
    call 0x200000 + 34 * 32          ; callback vector 0xf0
    mov edi, 1
    mov rsi, virq
    call 0x200000 + 32 * 32          ; bind VIRQ_TIMER
    sti
    rdtsc
    shl rdx, 32
    or rax, rdx
    add rax, ${ns}
    mov rdi, rax
    call 0x200000 + 15 * 32          ; set_timer_op(now + ns)
    ${body}
  handler:
${eoiIretq(handler)}
  align 8
  param: dw 0x7ff0, 0
         dd 0
         dq (2 << 56) | 0xf0
  virq:  dd 0, 0, 0
  fired: db 0
${idtData({}, { entries: 256 })}`;

test('a guest blocked on a timer wakes with the upcall (set_timer_op + SCHEDOP_block), then shuts down', () => {
  const { stop, machine } = runXenGuest(TIMER_GUEST(`
  .sleep:
    cmp byte [fired], 0
    jne .done
    mov edi, 1
    call 0x200000 + 29 * 32          ; SCHEDOP_block
    jmp .sleep
  .done:
    rdtsc
    mov [0x300000], eax
    mov edi, 2
    mov rsi, reason
    call 0x200000 + 29 * 32
    hlt
  reason: dd 0`, { ns: 1000000, handler: '    mov byte [fired], 1' }));
  assert.equal(stop.reason, 'exit', stop.detail);
  assert.ok(machine.mem.read32(0x1000000 + 0x300000) >= 1_000_000, 'woke after the deadline');
  assert.ok(machine.cpu.instret < 1_100_000);
});

test('a guest spinning without exits gets VIRQ_TIMER on time: the preemption timer brings the hypervisor back', () => {
  const { stop, machine } = runXenGuest(TIMER_GUEST(`
  .spin:
    cmp byte [fired], 0
    je .spin
    hlt`));
  assert.equal(stop.reason, 'halt', stop.detail);
  const at = machine.mem.read32(0x1000000 + 0x300000);
  assert.ok(at >= 200_000 && at < 200_200, `upcall at ${at}`);
});

test('HLT with a Xen timer armed: time skips to the expiry and the upcall wakes the guest', () => {
  const { stop, machine } = runXenGuest(TIMER_GUEST(`
    hlt
    cmp byte [fired], 1
    jne .bad
    mov byte [0x300010], 1
  .bad:
    cli
    hlt`));
  assert.equal(stop.reason, 'halt', stop.detail);
  assert.equal(machine.mem.read8(0x1000000 + 0x300010), 1);
  assert.ok(machine.cpu.instret < 201_000, 'no instruction-by-instruction wait');
});

test('HLT with both a Xen timer and a later virtual-APIC timer armed wakes at the Xen timer first', () => {
  const { stop, machine } = runXenGuest(TIMER_GUEST(`
    ; the virtual x2APIC's one-shot timer, vector 0x41 (no handler needed: never reached), ÷1,
    ; expires long after the Xen timer
${APIC_ENABLE}
${apicTimer(0x41, 5000000)}
    hlt
    rdtsc
    mov [0x300020], eax
    cli
    hlt`));
  assert.equal(stop.reason, 'halt', stop.detail);
  const woke = machine.mem.read32(0x1000000 + 0x300020);
  assert.ok(woke >= 200_000 && woke < 201_000, `woke at ${woke}: the Xen timer's expiry, not the APIC timer's 5 M`);
});

test('guest time is clamped to 2^50 ns: huge timeouts and deadlines never make the instruction count inexact', () => {
  const h = xenMachine();
  const port = bindTimer(h);
  h.put(0x300100, [[4, port]]);
  h.put(ARG, [[8, 0x300100], [4, 1], [4, 0], [8, 0xffff_ffff_ffff_fff0n]]);
  assert.equal(h.call(Hc.sched_op, 3, ARG), 0n);
  assert.equal(h.xen.now(), 2 ** 50);
  assert.equal(h.call(Hc.set_timer_op, 0x7fff_ffff_ffff_ffffn), 0n);
  assert.equal(pending(h, port), true, 'the clamped deadline is now');
  assert.equal(h.call(Hc.sched_op, 1, 0), 0n);
  h.machine.mem.write64(h.xen.sharedInfoHpa + SharedInfo.evtchnPending, 0n);
  h.machine.mem.write8(h.xen.sharedInfoHpa + SharedInfo.upcallPending, 0);
  h.call(Hc.set_timer_op, 0x7fff_ffff_ffff_ffffn);
  h.machine.mem.write64(h.xen.sharedInfoHpa + SharedInfo.evtchnPending, 0n);
  h.machine.mem.write8(h.xen.sharedInfoHpa + SharedInfo.upcallPending, 0);
  h.put(ARG, [[8, 0x300100], [4, 1], [4, 0], [8, 0n]]);
  assert.equal(h.call(Hc.sched_op, 3, ARG), 0n);
  assert.equal(h.machine.cpu.stopRequest?.reason, 'halt', 'nothing left to wait for: a clean stop, no endless loop');
});

test('without HLT exiting, a guest halted in VMX non-root is woken by its Xen timer (preemption-timer exit, then the upcall)', () => {
  const { stop, machine } = runXenGuest(
    TIMER_GUEST(`
    hlt
    cmp byte [fired], 1
    jne .bad
    mov byte [0x300010], 1
  .bad:
    mov al, 7
    out 0xf4, al`),
    { hltExiting: false },
  );
  assert.equal(stop.reason, 'exit', stop.detail);
  assert.equal(machine.mem.read8(0x1000000 + 0x300010), 1);
  assert.ok(machine.mem.read32(0x1000000 + 0x300000) >= 200_000);
});
