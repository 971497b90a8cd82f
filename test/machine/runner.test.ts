import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpuTest } from './cpuRunner';

test('add rax, rcx sets the sum and flags; other registers unchanged', () => {
  cpuTest([0x48, 0x01, 0xc8]).setState({ rax: 1n, rcx: 2n }).run(1).assertState({ rax: 3n, flags: { pf: true } });
});

test('the runner notices a register the test did not name', () => {
  const t = cpuTest([0x48, 0x01, 0xc8]).setState({ rax: 1n, rcx: 2n }).run(1);
  assert.throws(() => t.assertState({ flags: { pf: true } }), /rax/);
});

test('64-bit add carries between halves and sets CF/ZF', () => {
  cpuTest([0x48, 0x01, 0xc8]).setState({ rax: 0xffffffffffffffffn, rcx: 1n }).run(1).assertState({ rax: 0n, flags: { cf: true, zf: true, pf: true, af: true } });
});

test('dec/jnz loop counts down', () => {
  // mov ecx,5 ; l: dec rcx ; jnz l ; hlt
  cpuTest([0xb9, 5, 0, 0, 0, 0x48, 0xff, 0xc9, 0x75, 0xfb, 0xf4]).runToStop().assertStop('halt').assertState({ rcx: 0n, flags: { zf: true, pf: true } });
});
