import { test } from 'node:test';
import { asm, needsNasm } from './helpers';

const opts = { skip: needsNasm };
const SP = 0xff000;

test('66h push imm16/imm8 stores a word; push imm32 a sign-extended qword', opts, () => {
  asm('push word 0x1234').run(1).assertState({ rsp: SP - 2 }).assertMemory(SP - 2, [0x34, 0x12]);
  asm('push word -2').run(1).assertState({ rsp: SP - 2 }).assertMemory(SP - 2, [0xfe, 0xff]);
  asm('push -2').run(1).assertState({ rsp: SP - 8 }).assertMemory(SP - 8, [0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
  asm('push word 0x1234\npop cx').setState({ rcx: 0xaaaa_0000n }).run(2).assertState({ rcx: 0xaaaa_1234n });
});
