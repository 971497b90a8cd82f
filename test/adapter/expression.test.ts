import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluateExpression, ExpressionError, type EvalContext } from '../../src/adapter/expression';
import { parseHitCondition, parseLogMessage } from '../../src/adapter/breakpoints';
import { parseMemoryReference } from '../../src/adapter/memory';
import { measureStepBack, measureStepRoundTrip } from '../../src/adapter/bench';

const ctx: EvalContext = {
  register: (name) => ({ rax: 2n, rcx: 0x11n, rsp: 0x1000n })[name],
  symbol: (name) => (name === 'main.loop' ? 0x100010n : undefined),
  readMemory: (address, size) => {
    if (address !== 0x1000n) throw new ExpressionError('not mapped');
    return size === 8 ? 0x8877665544332211n : 0x11n;
  },
};
const ev = (text: string): bigint => evaluateExpression(text, ctx);

test('expressions: precedence, unsigned 64-bit wrap, comparisons and logic', () => {
  assert.equal(ev('1 + 2 * 3'), 7n);
  assert.equal(ev('(1 + 2) * 3'), 9n);
  assert.equal(ev('rax == 2 && rcx > 0x10'), 1n);
  assert.equal(ev('rax == 2 && rcx > 0x11'), 0n);
  assert.equal(ev('rax != 2 || !0'), 1n);
  assert.equal(ev('-1'), 0xffffffffffffffffn);
  assert.equal(ev('0 - 1 > 5'), 1n, 'comparisons are unsigned');
  assert.equal(ev('1 << 63 >> 62'), 2n);
  assert.equal(ev('0x10 | 0b11 ^ 1 & 0o7'), 0x12n);
  assert.equal(ev('~0 & 0xff'), 0xffn);
  assert.equal(ev('10h + 1_000'), 0x10n + 1000n);
  assert.equal(ev('main.loop + 4'), 0x100014n);
});

test('expressions: memory operands with sizes', () => {
  assert.equal(ev('[rsp]'), 0x8877665544332211n);
  assert.equal(ev('qword [rsp]'), 0x8877665544332211n);
  assert.equal(ev('byte ptr [rsp]'), 0x11n);
  assert.throws(() => ev('[rsp + 8]'), /not mapped/);
});

test('expressions: errors say what is wrong', () => {
  assert.throws(() => ev(''), /empty expression/);
  assert.throws(() => ev('rax +'), /ends too early/);
  assert.throws(() => ev('rax rax'), /unexpected 'rax'/);
  assert.throws(() => ev('nope'), /unknown register or symbol 'nope'/);
  assert.throws(() => ev('1 % 0'), /division by zero/);
  assert.throws(() => ev('[rsp'), /ends too early/);
});

test('hit conditions and log messages parse', () => {
  assert.deepEqual(parseHitCondition('5'), { op: '>=', count: 5 });
  assert.deepEqual(parseHitCondition(' == 3 '), { op: '==', count: 3 });
  assert.deepEqual(parseHitCondition('%2'), { op: '%', count: 2 });
  assert.throws(() => parseHitCondition('% 0'), /never matches/);
  assert.throws(() => parseHitCondition('lots'), /not understood/);
  assert.equal(parseLogMessage('a {rax} b').length, 3);
  assert.throws(() => parseLogMessage('a {rax'), /without a closing/);
});

test('memory references name their address space', () => {
  assert.deepEqual(parseMemoryReference('gva:0x1000', 8), { space: 'gva', address: 0x1008 });
  assert.deepEqual(parseMemoryReference('0xffff800000000000'), { space: 'gva', address: -(2 ** 47) });
  assert.deepEqual(parseMemoryReference('HPA:4096'), { space: 'hpa', address: 4096 });
  assert.throws(() => parseMemoryReference('gva:0x0000800000000000'), /not canonical/);
  assert.throws(() => parseMemoryReference('gpa:-1'), /outside the 52-bit/);
  assert.throws(() => parseMemoryReference('xyz'), /not a memory reference/);
});

test('bench hook: step round trip percentiles', async () => {
  const result = await measureStepRoundTrip(20);
  assert.ok(result.p50 > 0 && result.p50 <= result.p95, JSON.stringify(result));
});

test('bench hook: stepBack latency after a forward run', async () => {
  const result = await measureStepBack(300_000, 3);
  assert.ok(result.p50 > 0 && result.p50 <= result.p95 && result.forwardMs > 0, JSON.stringify(result));
});
