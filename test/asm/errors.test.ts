// Error messages with exact positions, error recovery, and a garbage fuzz that must never throw.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assembleSource, parse } from '../../src/asm/index';
import { runAsmCommand } from '../../src/cli/asmCommand';

function messages(source: string): string[] {
  return assembleSource(source, 'e.asm').diagnostics.map((d) => `${d.range.start.line + 1}:${d.range.start.column + 1}: ${d.severity}: ${d.message}`);
}

test('every error in a file is reported, with line and column', () => {
  const out = messages('bits 64\nmov qword [rax], bl\nfoo eax\nmain:\n  jmp .done\nmov al, 300\n');
  assert.deepEqual(out, [
    '3:1: error: unknown instruction \'foo\'',
    '2:18: error: operand size mismatch: mov qword [rax], bl',
    "5:7: error: undefined symbol '.done'",
    '6:9: warning: value 300 does not fit in 8 bits',
  ]);
});

test('operation size not specified', () => {
  assert.deepEqual(messages('inc [rax]\n'), ['1:5: error: operation size not specified: inc [rax]']);
});

test('parse gives the AST with ranges, definitions and references', () => {
  const parsed = parse('start: mov rax, [rbx+8] ; go\n.loop: jmp .loop\n%include "x.inc"\n', 'p.asm');
  const first = parsed.lines[0];
  assert.equal(first?.label?.fullName, 'start');
  assert.equal(first?.statement?.kind, 'instruction');
  if (first?.statement?.kind === 'instruction') {
    assert.equal(first.statement.mnemonic, 'mov');
    assert.deepEqual(first.statement.operands.map((o) => [o.kind, o.text, o.range.start.column]), [['register', 'rax', 11], ['memory', '[rbx+8]', 16]]);
  }
  assert.equal(first?.comment?.text, '; go');
  assert.deepEqual(parsed.definitions.map((d) => d.fullName), ['start', 'start.loop']);
  assert.deepEqual(parsed.references.map((r) => [r.fullName, r.range.start.line, r.range.start.column]), [['start.loop', 1, 11]]);
  assert.equal(parsed.includes[0]?.path, 'x.inc');
});

test('line map and symbols', () => {
  const r = assembleSource('org 0x1000\nstart: nop\nmov eax, 1\ndata: db 1, 2\n', 'm.asm');
  assert.deepEqual(r.lineMap.map((e) => [e.address, e.length, e.line]), [[0x1000, 1, 1], [0x1001, 5, 2], [0x1006, 2, 3]]);
  assert.equal(r.symbols.find((s) => s.name === 'data')?.value, 0x1006n);
});

test('garbage input never throws', () => {
  let seed = 12345;
  const random = (): number => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  const alphabet = 'mov add jmp [ ] + * , : ; " \' ` $ $$ % %define %include 0x 1 h b rax eax al byte qword times db equ . .x ( ) - ~ ! ? \n\t';
  const pieces = alphabet.split(' ');
  for (let i = 0; i < 300; i++) {
    let text = '';
    for (let j = 0; j < 60; j++) text += (pieces[Math.floor(random() * pieces.length)] ?? '') + (random() < 0.5 ? ' ' : '');
    assert.doesNotThrow(() => assembleSource(text, 'fuzz.asm'));
    assert.doesNotThrow(() => parse(text, 'fuzz.asm'));
  }
});

test('cli: errors exit 1 with file:line:col, usage exits 2, success writes the image', () => {
  const files: Record<string, string> = { 'a.asm': 'nop\nbad eax\n', 'b.asm': 'mov eax, 1\n' };
  const written: Record<string, Uint8Array | string> = {};
  const errors: string[] = [];
  const io = { readFile: (p: string) => files[p], writeFile: (p: string, d: Uint8Array | string) => void (written[p] = d), stderr: (l: string) => void errors.push(l), stdout: () => undefined };
  assert.equal(runAsmCommand(['a.asm', '-o', 'a.bin'], io), 1);
  assert.deepEqual(errors, ["a.asm:2:1: error: unknown instruction 'bad'"]);
  assert.equal(runAsmCommand(['b.asm'], io), 2);
  assert.equal(runAsmCommand(['b.asm', '-o', 'b.bin', '--listing', 'b.lst'], io), 0);
  assert.deepEqual([...(written['b.bin'] as Uint8Array)], [0xb8, 1, 0, 0, 0]);
  assert.match(String(written['b.lst']), /00000000 B801000000/);
});

test('macro problems point at the invocation and name the macro', () => {
  const source = ['%macro two 2', '  mov %1, %2', '%endmacro', '  two eax', '  two al, 300', '  two eax, missing_x', '  two ebx, [rax', '%endrep', '%macro open 0', '  nop'].join('\n');
  assert.deepEqual(messages(source), [
    "4:3: error: macro 'two' takes 2 parameters, got 1",
    "7:3: error: missing ']' (in macro 'two')",
    '8:1: error: %endrep without %rep',
    '10:1: error: missing %endmacro for the %macro on line 9',
    "5:3: warning: value 300 does not fit in 8 bits (in macro 'two')",
    "6:3: error: undefined symbol 'missing_x' (in macro 'two')",
  ]);
});

test('%rep repeats its lines and %exitrep leaves early', () => {
  const result = assembleSource('%assign n 0\n%rep 100\n  db n\n%assign n n+1\n%if n == 3\n%exitrep\n%endif\n%endrep\n', 'r.asm');
  assert.deepEqual(result.diagnostics, []);
  assert.deepEqual([...result.bytes], [0, 1, 2]);
  assert.deepEqual(result.lineMap.map((e) => e.line), [2, 2, 2]);
});

test('semantic errors point at the operand or mnemonic they are about', () => {
  const ranges = (source: string): string[] => assembleSource(source, 'c.asm').diagnostics.map((d) => `${d.range.start.line + 1}:${d.range.start.column + 1}-${d.range.end.column + 1} ${d.message}`);
  assert.deepEqual(ranges(['lbl: mov qword [rax], bl ; note', '  add eax, bx', 'frob eax', '  mov al, 300', 'mov al, 300', '  mov eax, 1/0', 'jmp short distant', 'times 200 nop', 'distant: db 1, 2/0', 'x equ 2/0', 'dd x, x', 'bits 16', 'movsq'].join('\n')), [
    "3:1-5 unknown instruction 'frob'",
    '1:23-25 operand size mismatch: mov qword [rax], bl',
    '2:12-14 operand size mismatch: add eax, bx',
    '4:11-14 value 300 does not fit in 8 bits',
    '5:9-12 value 300 does not fit in 8 bits',
    '6:12-15 division by zero',
    '7:5-18 short jump is out of range (200 bytes)',
    '9:16-19 division by zero',
    '10:1-10 division by zero',
    '13:1-6 movsq is not available in 16-bit mode',
  ]);
});

test('parse keeps one node per line, with instructions inside %macro and %rep bodies', () => {
  const parsed = parse('%macro twice 1\n  add %1, %1\n%endmacro\n%rep 2\n  nop ; pad\n%endrep\n  twice eax\n', 'm.asm');
  assert.deepEqual(parsed.lines.map((n) => n.line), [0, 1, 2, 3, 4, 5, 6, 7]);
  const mnemonic = (line: number): string | undefined => {
    const statement = parsed.lines[line]?.statement;
    return statement?.kind === 'instruction' ? statement.mnemonic : statement?.kind;
  };
  assert.deepEqual([0, 1, 2, 3, 4, 5].map(mnemonic), ['directive', 'add', 'directive', 'directive', 'nop', 'directive']);
  assert.equal(parsed.lines[4]?.comment?.text, '; pad');
  assert.deepEqual(parsed.diagnostics, []);
});
