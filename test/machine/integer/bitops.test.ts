import { test } from 'node:test';
import { asm, DATA, needsNasm } from './helpers';

const opts = { skip: needsNasm };

test('bt/bts/btr/btc on registers: CF = old bit; offset masked to the operand width', opts, () => {
  asm('bt eax, 33').setState({ rax: 0x2n }).run(1).assertState({ flags: { cf: true } });
  asm('bts rax, rcx').setState({ rax: 0n, rcx: 63n + 64n }).run(1).assertState({ rax: 0x8000_0000_0000_0000n });
  asm('btr cx, 15').setState({ rcx: 0xffff_ffffn }).run(1).assertState({ rcx: 0xffff_7fffn, flags: { cf: true } });
  asm('btc r10, 40').setState({ r10: 0x100_0000_0000n, flags: { zf: true } }).run(1).assertState({ r10: 0n, flags: { cf: true } });
});

test('bt with a register offset addresses memory beyond the operand, also backwards', opts, () => {
  asm(`bts dword [abs ${DATA + 0x100}], ecx`).setState({ rcx: 35n }).run(1).assertMemory(DATA + 0x104, [0x08, 0, 0, 0]).assertState({});
  asm(`btr qword [abs ${DATA + 0x100}], rcx`).poke(DATA + 0xf8, [0, 0, 0, 0, 0, 0, 0, 0x80]).setState({ rcx: 0xffff_ffff_ffff_ffffn }).run(1).assertMemory(DATA + 0xf8, [0, 0, 0, 0, 0, 0, 0, 0]).assertState({ flags: { cf: true } });
  asm(`lock btc word [abs ${DATA + 0x100}], dx`).setState({ rdx: 0xfff0n }).run(1).assertMemory(DATA + 0xfe, [0x01, 0x00]).assertState({});
  asm(`bt word [abs ${DATA}], 9`).poke(DATA, [0x00, 0x02]).run(1).assertState({ flags: { cf: true } });
});

test('lock bt and lock bts on a register are #UD', opts, () => {
  asm('db 0xf0, 0x0f, 0xa3, 0x08').runToStop().assertStop('triple-fault', /#UD/); // lock bt [rax], ecx
  asm('db 0xf0, 0x0f, 0xab, 0xc8').runToStop().assertStop('triple-fault', /#UD/); // lock bts eax, ecx
});

test('bsf/bsr find the lowest/highest set bit and clear ZF', opts, () => {
  asm('bsf rax, rcx').setState({ rcx: 0x8000_0000_0000_0000n }).run(1).assertFlags({ zf: false }).assertState({ rax: 63n, flags: { sf: true, pf: true } }); // SF/PF undefined: QEMU's logic flags of the source
  asm('bsr ax, cx').setState({ rax: 0xffff_ffffn, rcx: 0x0100n }).run(1).assertFlags({ zf: false }).assertState({ rax: 0xffff_0008n, flags: { pf: true } });
  asm(`bsf edx, dword [abs ${DATA}]`).poke(DATA, [0, 0x10, 0, 0]).setState({ rdx: 0xffff_ffff_ffff_ffffn }).run(1).assertState({ rdx: 12n, flags: { pf: true } });
});

test('bsf/bsr with a zero source set ZF and leave the destination unmodified (32-bit: no zero-extension)', opts, () => {
  asm('bsf rax, rcx').setState({ rax: 0x1234n, rcx: 0n }).run(1).assertFlags({ zf: true }).assertState({ flags: { zf: true, pf: true } });
  asm('bsr eax, ecx').setState({ rax: 0xffff_0000_1234n, rcx: 0n }).run(1).assertFlags({ zf: true }).assertState({ flags: { zf: true, pf: true } });
});

test('popcnt, lzcnt and tzcnt count bits; CF/ZF as the SDM defines', opts, () => {
  asm('popcnt rax, rcx').setState({ rcx: 0xf0f0_0000_0000_0001n, flags: { cf: true } }).run(1).assertState({ rax: 9n, flags: { cf: false } });
  asm('popcnt eax, ecx').setState({ rax: 5n, rcx: 0n }).run(1).assertState({ rax: 0n, flags: { zf: true } });
  asm('lzcnt eax, ecx').setState({ rcx: 0x0000_8000n }).run(1).assertState({ rax: 16n });
  asm('lzcnt ax, cx').setState({ rax: 0xffff_ffffn, rcx: 0n }).run(1).assertState({ rax: 0xffff_0010n, flags: { cf: true } });
  asm('tzcnt rax, rcx').setState({ rcx: 1n }).run(1).assertState({ rax: 0n, flags: { zf: true } });
  asm('tzcnt rax, rcx').setState({ rcx: 0n }).run(1).assertState({ rax: 64n, flags: { cf: true } });
});
