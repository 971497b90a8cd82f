import { test } from 'node:test';
import assert from 'node:assert/strict';
import { asm, needsNasm } from './helpers';

const opts = { skip: needsNasm };

test('clc/stc/cmc/cld/std change only their flag', opts, () => {
  asm('stc').setState({ flags: { cf: false, zf: true } }).run(1).assertState({ flags: { cf: true } });
  asm('clc').setState({ flags: { cf: true } }).run(1).assertState({ flags: { cf: false } });
  asm('cmc').setState({ flags: { cf: true } }).run(1).assertState({ flags: { cf: false } });
  asm('cmc').setState({ flags: { cf: false } }).run(1).assertState({ flags: { cf: true } });
  asm('std').run(1).assertState({ flags: { df: true } });
  asm('cld').setState({ flags: { df: true } }).run(1).assertState({ flags: { df: false } });
});

test('cmc after a lazily evaluated add inverts the computed carry', opts, () => {
  asm('add eax, ecx\ncmc').setState({ rax: 0xffffffffn, rcx: 1n }).run(2).assertState({ rax: 0n, rcx: 1n, flags: { cf: false, zf: true, pf: true, af: true } });
});

test('lahf stores SF ZF AF PF CF and bit 1 into AH; sahf loads them back', opts, () => {
  asm('lahf').setState({ rax: 0x1234n, flags: { sf: true, zf: false, af: true, pf: true, cf: true, of: true } }).run(1).assertState({ rax: 0x9734n });
  asm('sahf').setState({ rax: 0xd500n, flags: { of: true } }).run(1).assertState({ flags: { sf: true, zf: true, af: true, pf: true, cf: true, of: true } });
  asm('sahf').setState({ rax: 0x0000n, flags: { sf: true, zf: true, cf: true } }).run(1).assertState({ flags: { sf: false, zf: false, cf: false } });
});

test('pushfq pushes RFLAGS with RF clear; popfq at CPL 0 loads all writable flags and clears RF', opts, () => {
  // rcx: ID AC VM RF NT IOPL=3 OF DF IF SF ZF AF PF CF (not TF: it would single-step)
  const t = asm('pushfq\npop rax\npush rcx\npopfq').setState({ rcx: 0x27_7ed7n, flags: { cf: true } }).run(4);
  const flags = t.cpu.rflags;
  assert.equal(t.cpu.getGpr(0) & 0xfffn, 0x003n);
  assert.equal(flags, 0x24_7ed7, `rflags 0x${flags.toString(16)}`);
  assert.equal(flags & 0x1_0000, 0, 'RF cleared');
  assert.equal(flags & 0x2_0000, 0, 'VM unchanged (0)');
  assert.equal(flags & 0x3000, 0x3000, 'IOPL loaded at CPL 0');
  assert.equal(flags & 0x200, 0x200, 'IF loaded at CPL 0');
});

test('popfq at CPL 3 leaves IOPL and (with CPL > IOPL) IF unchanged', opts, () => {
  const t = asm('push rcx\npopfq').setState({ rcx: 0x3ac5n, rsp: 0x200800n, flags: { if: true } });
  t.cpu.cpl = 3;
  t.run(2);
  const flags = t.cpu.rflags;
  assert.equal(flags & 0x3000, 0, 'IOPL unchanged');
  assert.equal(flags & 0x200, 0x200, 'IF unchanged');
  assert.equal(flags & 0xcd5, 0x8c5, 'arithmetic flags and DF loaded');
});

test('popfq at CPL 3 with IOPL 3 may change IF', opts, () => {
  const t = asm('push rcx\npopfq').setState({ rcx: 0x3002n, rsp: 0x200800n, rflags: 0x3202 });
  t.cpu.cpl = 3;
  t.run(2);
  assert.equal(t.cpu.rflags & 0x3200, 0x3000);
});

test('66h pushf/popf move 16 bits and leave the upper flags alone', opts, () => {
  const t = asm('pushfw\npop cx\npush dx\npopfw').setState({ rdx: 0x08d5n, flags: { cf: true, zf: true } });
  t.cpu.rflags = t.cpu.rflags | 0x4_0000; // AC stays: popfw does not touch bits 16+
  t.run(4);
  assert.equal(t.cpu.getGpr(1) & 0xffffn, 0x0043n);
  assert.equal(t.cpu.rflags & 0x4_0fff, 0x4_08d7);
  assert.equal(t.cpu.getGpr(4), 0xff000n, 'rsp restored');
});

test('popfq setting TF traps (#DB) after the instruction that follows it', opts, () => {
  const t = asm('push rcx\npopfq\nnop\nnop\nhlt').setState({ rcx: 0x102n }).runToStop().assertStop('triple-fault', /delivering vector 1;/);
  assert.equal(t.cpu.rip, 0x100003, 'trap after the first nop');
});
