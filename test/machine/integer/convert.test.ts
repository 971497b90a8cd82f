import { test } from 'node:test';
import { asm, DATA, needsNasm } from './helpers';

const opts = { skip: needsNasm };

test('cbw/cwde/cdqe sign-extend the accumulator in place', opts, () => {
  asm('cbw').setState({ rax: 0x1111_2222_3333_4480n }).run(1).assertState({ rax: 0x1111_2222_3333_ff80n });
  asm('cwde').setState({ rax: 0x1111_2222_3333_8000n }).run(1).assertState({ rax: 0xffff_8000n });
  asm('cdqe').setState({ rax: 0x1111_2222_8000_0000n }).run(1).assertState({ rax: 0xffff_ffff_8000_0000n });
  asm('cdqe').setState({ rax: 0x1111_2222_7000_0000n }).run(1).assertState({ rax: 0x7000_0000n });
});

test('cwd/cdq/cqo fill rDX with the sign (cdq zero-extends RDX)', opts, () => {
  asm('cwd').setState({ rax: 0x8000n, rdx: 0x1234_5678_9abc_def0n }).run(1).assertState({ rdx: 0x1234_5678_9abc_ffffn });
  asm('cdq').setState({ rax: 0x8000_0000n, rdx: 0x1234_5678_9abc_def0n }).run(1).assertState({ rdx: 0xffff_ffffn });
  asm('cdq').setState({ rax: 0x7000_0000n, rdx: 0x1234_5678_9abc_def0n }).run(1).assertState({ rdx: 0n });
  asm('cqo').setState({ rax: 0x8000_0000_0000_0000n, rdx: 5n }).run(1).assertState({ rdx: 0xffff_ffff_ffff_ffffn });
});

test('bswap reverses 4 or 8 bytes; the 32-bit form zero-extends', opts, () => {
  asm('bswap ecx').setState({ rcx: 0xaaaa_bbbb_1122_3344n }).run(1).assertState({ rcx: 0x4433_2211n });
  asm('bswap r9').setState({ r9: 0x0102_0304_0506_0708n }).run(1).assertState({ r9: 0x0807_0605_0403_0201n });
});

test('xlat loads AL from [rBX + AL] with AL zero-extended', opts, () => {
  asm('xlatb').poke(DATA + 0xf0, [0x5a]).setState({ rbx: DATA, rax: 0xffff_fff0n }).run(1).assertState({ rax: 0xffff_ff5an });
});
