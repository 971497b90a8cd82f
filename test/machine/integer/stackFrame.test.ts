import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Intercept, type InterceptInfo, type NonRootHooks } from '../../../src/machine/cpu/intercept';
import { asm, needsNasm } from './helpers';

const opts = { skip: needsNasm };
const SP = 0xff000n;

test('enter N, 0 pushes RBP, points RBP at it and reserves N bytes; leave undoes it', opts, () => {
  asm('enter 32, 0').setState({ rbp: 0x1234n }).run(1).assertState({ rbp: SP - 8n, rsp: SP - 8n - 32n }).assertMemory(Number(SP - 8n), [0x34, 0x12, 0, 0, 0, 0, 0, 0]);
  asm('enter 32, 0\nleave').setState({ rbp: 0x1234n }).run(2).assertState({});
});

test('enter with a nesting level copies the outer frame pointers', opts, () => {
  const t = asm('enter 16, 3').setState({ rbp: 0x80000n });
  t.poke(0x80000 - 8, [0x11, 0, 0, 0, 0, 0, 0, 0]).poke(0x80000 - 16, [0x22, 0, 0, 0, 0, 0, 0, 0]);
  t.run(1);
  const frame = SP - 8n;
  t.assertState({ rbp: frame, rsp: frame - 24n - 16n });
  t.assertMemory(Number(frame - 8n), [0x11]).assertMemory(Number(frame - 16n), [0x22]).assertMemory(Number(frame - 24n), [Number(frame & 0xffn), Number((frame >> 8n) & 0xffn), Number(frame >> 16n)]);
});

test('multi-byte nops and pause do nothing outside VMX', opts, () => {
  asm('db 0x0f, 0x1f, 0x00\ndb 0x66, 0x0f, 0x1f, 0x84, 0, 0, 0, 0, 0\nnop\npause\nxchg ax, ax').run(5).assertState({});
});

test('pause in VMX non-root asks the intercept hook (PAUSE exiting)', opts, () => {
  const t = asm('pause');
  const seen: [Intercept, InterceptInfo][] = [];
  const hooks: NonRootHooks = { intercept: (kind, info) => void seen.push([kind, info]), exitsNow: (kind, info) => (seen.push([kind, info]), false), readControlRegister: (_r, value) => value };
  t.cpu.nonRoot = hooks;
  t.run(1);
  t.cpu.nonRoot = undefined;
  assert.deepEqual(seen, [[Intercept.Pause, { length: 2 }]]);
});

test('the 16-bit leave/enter forms report themselves as not implemented', opts, () => {
  asm('db 0x66, 0xc9').runToStop().assertStop('unimplemented', /leave/);
});
