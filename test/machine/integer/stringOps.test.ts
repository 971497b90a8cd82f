import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ITERATIONS_PER_EXEC } from '../../../src/machine/cpu/execute/stringOps';
import { IMAGE_BASE } from '../cpuRunner';
import { asm, DATA, needsNasm } from './helpers';

const opts = { skip: needsNasm };
const SRC = DATA;
const DST = DATA + 0x800;

test('movsb/movsq copy one element and step rSI/rDI by the size', opts, () => {
  asm('movsq').poke(SRC, [1, 2, 3, 4, 5, 6, 7, 8]).setState({ rsi: SRC, rdi: DST }).run(1).assertState({ rsi: SRC + 8, rdi: DST + 8 }).assertMemory(DST, [1, 2, 3, 4, 5, 6, 7, 8]);
  asm('movsb').poke(SRC, [9]).setState({ rsi: SRC, rdi: DST, flags: { df: true } }).run(1).assertState({ rsi: SRC - 1, rdi: DST - 1 }).assertMemory(DST, [9]);
});

test('rep movsd copies rCX elements; rep with rCX = 0 does nothing', opts, () => {
  asm('rep movsd').poke(SRC, [1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0]).setState({ rsi: SRC, rdi: DST, rcx: 3n }).run(1).assertState({ rsi: SRC + 12, rdi: DST + 12, rcx: 0n }).assertMemory(DST, [1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0]);
  asm('rep movsb').setState({ rsi: SRC, rdi: DST, rcx: 0n }).run(1).assertState({ rip: IMAGE_BASE + 2 });
  asm('repe cmpsb').setState({ rsi: SRC, rdi: DST, rcx: 0n, flags: { cf: true } }).run(1).assertState({});
});

test('rep stosw with DF = 1 fills downwards', opts, () => {
  asm('rep stosw').setState({ rax: 0xabcdn, rdi: DST + 4, rcx: 3n, flags: { df: true } }).run(1).assertState({ rdi: DST - 2, rcx: 0n }).assertMemory(DST, [0xcd, 0xab, 0xcd, 0xab, 0xcd, 0xab]);
});

test('lodsd loads EAX (zero-extending RAX)', opts, () => {
  asm('lodsd').poke(SRC, [1, 2, 3, 4]).setState({ rax: 0xffff_ffff_ffff_ffffn, rsi: SRC }).run(1).assertState({ rax: 0x0403_0201n, rsi: SRC + 4 });
});

test('repe cmpsb stops at the first difference; repne scasb at the first match', opts, () => {
  asm('repe cmpsb').poke(SRC, [1, 2, 3, 4]).poke(DST, [1, 2, 9, 4]).setState({ rsi: SRC, rdi: DST, rcx: 4n }).run(1).assertState({ rsi: SRC + 3, rdi: DST + 3, rcx: 1n, flags: { cf: true, sf: true, af: true, pf: true } });
  asm('repne scasb').poke(DST, [5, 6, 7, 8]).setState({ rax: 7n, rdi: DST, rcx: 10n }).run(1).assertState({ rdi: DST + 3, rcx: 7n, flags: { zf: true, pf: true } });
  asm('repne scasq').setState({ rax: 1n, rdi: DST, rcx: 2n }).run(1).assertState({ rdi: DST + 16, rcx: 0n });
});

test('a32 string instructions use ESI/EDI/ECX and zero-extend them', opts, () => {
  asm('a32 rep movsb').poke(SRC, [7, 7]).setState({ rsi: 0xffff_0000_0000_0000n + BigInt(SRC), rdi: 0x1_0000_0000n + BigInt(DST), rcx: 0xffff_0000_0000_0002n }).run(1).assertState({ rsi: SRC + 2, rdi: DST + 2, rcx: 0n }).assertMemory(DST, [7, 7]);
});

test('string accesses cross page boundaries', opts, () => {
  asm('movsq').poke(SRC + 0xffc, [1, 2, 3, 4, 5, 6, 7, 8]).setState({ rsi: SRC + 0xffc, rdi: DST + 0x1ffd }).run(1).assertMemory(DST + 0x1ffd, [1, 2, 3, 4, 5, 6, 7, 8]);
});

test('long rep loops re-execute themselves in bounded slices', opts, () => {
  const count = ITERATIONS_PER_EXEC * 2 + 10;
  // DF = 1 takes the element-by-element path
  const t = asm('rep stosb\nhlt').setState({ rax: 0x5an, rdi: DST + count, rcx: count, flags: { df: true } });
  t.run(1);
  assert.equal(t.cpu.rip, IMAGE_BASE, 'RIP back at the rep instruction');
  assert.equal(t.cpu.getGpr(1), BigInt(count - ITERATIONS_PER_EXEC));
  t.runToStop().assertStop('halt').assertState({ rdi: DST, rcx: 0n });
  t.assertMemory(DST, [0, 0x5a]).assertMemory(DST + count, [0x5a]);
});

test('forward rep movsb/stosq over several pages (bulk path) match element-by-element results', opts, () => {
  const count = 3 * 4096 + 123;
  const source = Uint8Array.from({ length: count }, (_, i) => (i * 7 + 3) & 0xff);
  const t = asm('rep movsb\nhlt').poke(SRC + 5, source).setState({ rsi: SRC + 5, rdi: DATA + 0x10000 + 9, rcx: count });
  t.runToStop().assertStop('halt').assertState({ rsi: SRC + 5 + count, rdi: DATA + 0x10000 + 9 + count, rcx: 0n });
  assert.deepEqual(t.machine.mem.peek(DATA + 0x10000 + 9, count), source);
  asm('rep stosq\nhlt').setState({ rax: 0x1122_3344_5566_7788n, rdi: DST + 4, rcx: 1000n }).runToStop().assertState({ rdi: DST + 4 + 8000, rcx: 0n }).assertMemory(DST + 4 + 7992, [0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11, 0]);
});

test('rep movsb onto the bytes just ahead of the source replicates the first byte (element order)', opts, () => {
  const t = asm('rep movsb').poke(SRC, [0xaa, 1, 2, 3, 4, 5]).setState({ rsi: SRC, rdi: SRC + 1, rcx: 5n }).run(1);
  t.assertMemory(SRC, [0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa]);
});

test('a fault in the middle of rep leaves rCX/rDI at the faulting element', opts, () => {
  const t = asm('rep stosb').setState({ rdi: 0x3f_fff8n, rcx: 16n });
  t.machine.mem.poke(0x7000 + 2 * 8, Uint8Array.of(0)); // PDE for 4-6 MiB: not present
  t.runToStop().assertStop('triple-fault', /#PF/).assertState({ rdi: 0x40_0000n, rcx: 8n });
});

test('a non-canonical rSI raises #GP', opts, () => {
  asm('lodsb').setState({ rsi: 0x0000_8000_0000_0000n }).runToStop().assertStop('triple-fault', /#GP/);
});
