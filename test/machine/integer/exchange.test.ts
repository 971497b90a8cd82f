import { test } from 'node:test';
import { asm, DATA, needsNasm } from './helpers';

const opts = { skip: needsNasm };

test('xchg swaps registers of every size (32-bit zero-extends both, high bytes stay in place)', opts, () => {
  asm('xchg rax, r9').setState({ rax: 1n, r9: 2n }).run(1).assertState({ rax: 2n, r9: 1n });
  asm('xchg eax, r9d').setState({ rax: 0xffff_ffff_0000_0001n, r9: 0xeeee_eeee_0000_0002n }).run(1).assertState({ rax: 2n, r9: 1n });
  asm('xchg ah, cl').setState({ rax: 0x1234n, rcx: 0xabn }).run(1).assertState({ rax: 0xab34n, rcx: 0x12n });
  asm('xchg ax, dx').setState({ rax: 0x5555_1111n, rdx: 0x6666_2222n }).run(1).assertState({ rax: 0x5555_2222n, rdx: 0x6666_1111n });
  // 87 c0: xchg eax, eax is not the 90 nop; it clears the upper half
  asm('db 0x87, 0xc0').setState({ rax: 0xffff_ffff_0000_0001n }).run(1).assertState({ rax: 1n });
});

test('xchg with memory swaps both ways', opts, () => {
  asm(`xchg [abs ${DATA}], rbx`).poke(DATA, [1, 2, 3, 4, 5, 6, 7, 8]).setState({ rbx: 0x1122_3344_5566_7788n }).run(1).assertState({ rbx: 0x0807_0605_0403_0201n }).assertMemory(DATA, [0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11]);
});

test('xadd stores the sum and returns the old destination; flags as add', opts, () => {
  asm('xadd eax, ecx').setState({ rax: 0xffff_ffffn, rcx: 1n }).run(1).assertState({ rax: 0n, rcx: 0xffff_ffffn, flags: { cf: true, zf: true, pf: true, af: true } });
  asm('xadd rax, rax').setState({ rax: 3n }).run(1).assertState({ rax: 6n, flags: { pf: true } });
  asm(`lock xadd word [abs ${DATA}], dx`).poke(DATA, [0xff, 0x7f]).setState({ rdx: 1n }).run(1).assertState({ rdx: 0x7fffn, flags: { of: true, sf: true, pf: true, af: true } }).assertMemory(DATA, [0, 0x80]);
});

test('cmpxchg success: destination := source, ZF=1, accumulator untouched (no 32-bit zero-extension)', opts, () => {
  asm('cmpxchg ecx, edx').setState({ rax: 0xaaaa_aaaa_0000_0005n, rcx: 0xbbbb_bbbb_0000_0005n, rdx: 9n }).run(1).assertState({ rcx: 9n, flags: { zf: true, pf: true } });
});

test('cmpxchg failure: accumulator := destination, register destination untouched', opts, () => {
  asm('cmpxchg ecx, edx').setState({ rax: 0xaaaa_aaaa_0000_0004n, rcx: 0xbbbb_bbbb_0000_0005n, rdx: 9n }).run(1).assertState({ rax: 5n, flags: { cf: true, sf: true, pf: true, af: true } });
  asm('cmpxchg bh, dl').setState({ rax: 0x11n, rbx: 0x2200n, rdx: 0x33n }).run(1).assertState({ rax: 0x22n, flags: { cf: true, sf: true, af: true } });
});

test('cmpxchg with memory: write-back on failure, new value on success', opts, () => {
  asm(`lock cmpxchg qword [abs ${DATA}], rbx`).poke(DATA, [7, 0, 0, 0, 0, 0, 0, 0]).setState({ rax: 7n, rbx: 0x1234n }).run(1).assertState({ flags: { zf: true, pf: true } }).assertMemory(DATA, [0x34, 0x12, 0, 0, 0, 0, 0, 0]);
  asm(`cmpxchg dword [abs ${DATA}], ebx`).poke(DATA, [8, 0, 0, 0]).setState({ rax: 0xffff_0000_0000_0007n, rbx: 0x1234n }).run(1).assertState({ rax: 8n, flags: { cf: true, sf: true, pf: true, af: true } }).assertMemory(DATA, [8, 0, 0, 0]);
});

test('lock with a register destination is #UD', opts, () => {
  // f0 0f c1 c8: lock xadd eax, ecx
  asm('db 0xf0, 0x0f, 0xc1, 0xc8').runToStop().assertStop('triple-fault', /#UD/);
});
