import { test } from 'node:test';
import { asm, DATA, needsNasm } from './helpers';

const opts = { skip: needsNasm };

test('setcc writes 0/1 to a byte register or memory, high bytes included', opts, () => {
  asm('setz ah').setState({ rax: 0xffffn, flags: { zf: true } }).run(1).assertState({ rax: 0x01ffn });
  asm('setl r9b').setState({ r9: 0xffn, flags: { sf: true, of: true } }).run(1).assertState({ r9: 0n });
  asm('cmp eax, ecx\nsetb cl').setState({ rax: 1n, rcx: 2n }).run(2).assertState({ rcx: 1n, flags: { cf: true, sf: true, pf: true, af: true } });
  asm(`setg byte [abs ${DATA}]`).poke(DATA, [0xee]).run(1).assertMemory(DATA, [1]);
});

test('cmovcc moves when the condition holds', opts, () => {
  asm('cmovnz rax, rcx').setState({ rax: 1n, rcx: 2n }).run(1).assertState({ rax: 2n });
  asm('cmova ax, cx').setState({ rax: 0x1111_0001n, rcx: 2n, flags: { cf: true } }).run(1).assertState({});
});

test('32-bit cmovcc zero-extends the destination even when not taken', opts, () => {
  asm('cmovz eax, ecx').setState({ rax: 0xffff_ffff_0000_0001n, rcx: 2n }).run(1).assertState({ rax: 1n });
  asm(`cmovz eax, dword [abs ${DATA}]`).setState({ rax: 0xffff_ffff_0000_0001n }).run(1).assertState({ rax: 1n });
});

test('cmovcc reads its memory source even when not taken (a non-canonical address faults)', opts, () => {
  asm('cmovz rax, [rcx]').setState({ rcx: 0x8000_0000_0000_0000n }).runToStop().assertStop('triple-fault', /#GP/);
});
