import { test } from 'node:test';
import { asm, DATA, needsNasm } from './helpers';

const opts = { skip: needsNasm };

test('mul r/m8 → AX; CF=OF when AH is nonzero', opts, () => {
  asm('mul cl').setState({ rax: 0xffff_0010n, rcx: 0x10n }).run(1).assertFlags({ cf: true, of: true }).assertState({ rax: 0xffff_0100n, flags: { cf: true, of: true, zf: true, pf: true } });
  asm('mul ch').setState({ rax: 0x3n, rcx: 0x500n }).run(1).assertFlags({ cf: false, of: false });
});

test('mul r/m32 → EDX:EAX zero-extended; mul r64 → RDX:RAX', opts, () => {
  asm('mul ecx').setState({ rax: 0xffff_ffff_ffff_ffffn, rcx: 0xffff_ffffn, rdx: 0x1234_0000_0000n }).run(1).assertFlags({ cf: true, of: true });
  asm('mul ecx').setState({ rax: 0xffff_ffff_ffff_ffffn, rcx: 0xffff_ffffn }).run(1).assertState({ rax: 1n, rdx: 0xffff_fffen, flags: { cf: true, of: true } });
  asm('mul rcx').setState({ rax: 0xffff_ffff_ffff_ffffn, rcx: 0xffff_ffff_ffff_ffffn }).run(1).assertState({ rax: 1n, rdx: 0xffff_ffff_ffff_fffen, flags: { cf: true, of: true } });
});

test('one-operand imul sign-extends; CF=OF when the high half is not the sign extension', opts, () => {
  asm('imul cl').setState({ rax: 0xfen, rcx: 0x3n }).run(1).assertFlags({ cf: false, of: false });
  asm('imul cl').setState({ rax: 0xfen, rcx: 0x3n }).run(1).assertState({ rax: 0xfffan, flags: { sf: true, pf: true } });
  asm('imul rcx').setState({ rax: 0x8000_0000_0000_0000n, rcx: 0xffff_ffff_ffff_ffffn }).run(1).assertFlags({ cf: true, of: true }).assertState({ rax: 0x8000_0000_0000_0000n, rdx: 0n, flags: { cf: true, of: true, sf: true, pf: true } });
  asm('imul rcx').setState({ rax: 0xffff_ffff_ffff_fffdn, rcx: 5n }).run(1).assertState({ rax: 0xffff_ffff_ffff_fff1n, rdx: 0xffff_ffff_ffff_ffffn, flags: { sf: true } });
});

test('two- and three-operand imul truncate to the destination and flag the overflow', opts, () => {
  asm('imul eax, ecx').setState({ rax: 0x1_0000n, rcx: 0x1_0000n }).run(1).assertFlags({ cf: true, of: true }).assertState({ rax: 0n, flags: { cf: true, of: true, zf: true, pf: true } });
  asm('imul rax, rcx').setState({ rax: 0xffff_ffff_ffff_ffffn, rcx: 0xffff_ffff_ffff_ffffn }).run(1).assertFlags({ cf: false, of: false }).assertState({ rax: 1n });
  asm('imul r9, r10, -3').setState({ r10: 0x4000_0000_0000_0000n }).run(1).assertFlags({ cf: true, of: true }).assertState({ r9: 0x4000_0000_0000_0000n, flags: { cf: true, of: true, pf: true } });
  asm('imul dx, cx, 300').setState({ rdx: 0xaaaa_0000n, rcx: 0x10n }).run(1).assertFlags({ cf: false }).assertState({ rdx: 0xaaaa_12c0n, flags: { pf: true } });
  asm(`imul ebx, dword [abs ${DATA}], 7`).poke(DATA, [0, 0, 0, 0x20]).setState({ rbx: 0xffff_ffff_ffff_ffffn }).run(1).assertFlags({ cf: true, of: true }).assertState({ rbx: 0xe000_0000n, flags: { cf: true, of: true, sf: true, pf: true } });
});

test('div and idiv: quotient and remainder in every size', opts, () => {
  asm('div cl').setState({ rax: 0x1234_0407n, rcx: 0x10n }).run(1).assertState({ rax: 0x1234_0740n });
  asm('div cx').setState({ rax: 0x0000n, rdx: 0x0001n, rcx: 0x3n }).run(1).assertState({ rax: 0x5555n, rdx: 1n });
  asm('div ecx').setState({ rax: 0xffff_ffff_0000_0000n, rdx: 0xffff_ffff_0000_0002n, rcx: 0x10n }).run(1).assertState({ rax: 0x2000_0000n, rdx: 0n });
  asm('div rcx').setState({ rax: 5n, rdx: 1n, rcx: 0x1_0000_0000n }).run(1).assertState({ rax: 0x1_0000_0000n, rdx: 5n });
  asm('idiv cl').setState({ rax: 0xfff9n, rcx: 2n }).run(1).assertState({ rax: 0xfffdn });
  asm('idiv rcx').setState({ rax: 0xffff_ffff_ffff_fff9n, rdx: 0xffff_ffff_ffff_ffffn, rcx: 2n }).run(1).assertState({ rax: 0xffff_ffff_ffff_fffdn, rdx: 0xffff_ffff_ffff_ffffn });
});

test('div by zero raises #DE and changes nothing', opts, () => {
  const t = asm('div rcx').setState({ rax: 5n, rdx: 0n, rcx: 0n }).runToStop().assertStop('triple-fault', /#DE/);
  t.assertState({});
  asm(`div byte [abs ${DATA}]`).setState({ rax: 5n }).runToStop().assertStop('triple-fault', /#DE/);
});

test('a quotient that does not fit raises #DE', opts, () => {
  asm('div cl').setState({ rax: 0x0200n, rcx: 2n }).runToStop().assertStop('triple-fault', /#DE/);
  asm('div ecx').setState({ rax: 0n, rdx: 5n, rcx: 5n }).runToStop().assertStop('triple-fault', /#DE/);
  asm('idiv rcx').setState({ rax: 0x8000_0000_0000_0000n, rdx: 0xffff_ffff_ffff_ffffn, rcx: 0xffff_ffff_ffff_ffffn }).runToStop().assertStop('triple-fault', /#DE/);
  asm('idiv cl').setState({ rax: 0x0080n, rcx: 1n }).runToStop().assertStop('triple-fault', /#DE/);
  asm('idiv cl').setState({ rax: 0xff80n, rcx: 0xffn }).runToStop().assertStop('triple-fault', /#DE/);
});
