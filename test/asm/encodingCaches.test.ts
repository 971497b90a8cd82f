// The assembler's caches must never show through: an instruction re-encoded only when its
// operand values change between passes, form and template tries shared by every assembly,
// short identifiers interned by a hash of their text. Each case compares against a source
// that spells the same values out literally.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assembleSource } from '../../src/asm/index';

function hex(source: string, files: Record<string, string> = {}): string {
  const result = assembleSource(source, 'c.asm', {}, files);
  assert.deepEqual(result.diagnostics, []);
  return Buffer.from(result.bytes).toString('hex');
}

test('the same source assembled twice with different defines gives each its own bytes', () => {
  const source = '%include "cfg.inc"\nmov eax, SIZE\nadd rbx, [rcx + SIZE]\nimul edx, esi, SIZE\n';
  const small = hex(source, { 'cfg.inc': '%define SIZE 8\n' });
  const large = hex(source, { 'cfg.inc': '%define SIZE 0x12345\n' });
  assert.equal(small, hex('mov eax, 8\nadd rbx, [rcx + 8]\nimul edx, esi, 8\n'));
  assert.equal(large, hex('mov eax, 0x12345\nadd rbx, [rcx + 0x12345]\nimul edx, esi, 0x12345\n'));
  assert.equal(hex(source, { 'cfg.inc': '%define SIZE 8\n' }), small);
});

test('operands whose values change between passes are encoded with their final values', () => {
  // `gap` grows once the jump no longer reaches with a short form: every use of it must follow.
  const body = 'times 120 nop\n';
  const source = `start:\n  mov eax, gap\n  add rbx, [rcx + gap]\n  cmp esi, gap\n  jmp far_away\n${body.repeat(2)}far_away:\ngap equ far_away - start\n`;
  const result = assembleSource(source, 'c.asm');
  assert.deepEqual(result.diagnostics, []);
  const gap = result.symbols.find((s) => s.name === 'far_away')?.value;
  assert.ok(gap !== undefined && gap > 127n);
  const literal = `start:\n  mov eax, ${gap}\n  add rbx, [rcx + ${gap}]\n  cmp esi, ${gap}\n  jmp near far_away\n${body.repeat(2)}far_away:\n`;
  assert.equal(Buffer.from(result.bytes).toString('hex'), hex(literal));
});

test('a forward difference is encoded with its final value and form (imm32, not imm8)', () => {
  const source = 'start:\n  add eax, fwd - start\n  times 100 nop\n  jmp fwd\n  times 60 nop\nfwd:\n';
  const result = assembleSource(source, 'c.asm');
  assert.deepEqual(result.diagnostics, []);
  const fwd = Number(result.symbols.find((s) => s.name === 'fwd')?.value ?? 0n);
  assert.ok(fwd > 127);
  assert.equal(Buffer.from(result.bytes).toString('hex'), hex(`start:\n  add eax, ${fwd}\n  times 100 nop\n  jmp fwd\n  times 60 nop\nfwd:\n`));
});

test('thousands of short labels keep their own values (interned identifiers)', () => {
  const names = Array.from({ length: 3000 }, (_, i) => `l${i.toString(36)}`);
  const source = names.map((n) => `${n}: dq ${n}`).join('\n') + '\n';
  const result = assembleSource(source, 'c.asm');
  assert.deepEqual(result.diagnostics, []);
  const view = new DataView(result.bytes.buffer, result.bytes.byteOffset, result.bytes.byteLength);
  names.forEach((name, i) => {
    assert.equal(result.symbols.find((s) => s.name === name)?.value, BigInt(i * 8));
    assert.equal(view.getBigUint64(i * 8, true), BigInt(i * 8));
  });
});

test('an instruction iced cannot encode leaves nothing behind for the next encodings', () => {
  // iced writes the first bytes of `invlpg [rax]` in 16-bit mode before it fails; the branch
  // template made next used to start with them (and the second assembly overflowed its section).
  const source = 'bits 16\njne .go\n.go:\nnop\ninvlpg [rax]\n';
  for (let i = 0; i < 3; i++) {
    const result = assembleSource(source, 'c.asm');
    assert.equal(Buffer.from(result.bytes).toString('hex'), '750090');
    assert.deepEqual(result.diagnostics.map((d) => d.message), ['Operand 0: 64-bit addressing can only be used in 64-bit mode']);
  }
  assert.equal(hex('bits 16\nl: jne l\nje l\n'), '75fe74fc');
});
