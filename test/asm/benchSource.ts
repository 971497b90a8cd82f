// A 10 k-line source shaped like a hand-written hypervisor: functions with local labels,
// loops and forward jumps, memory operands, constants, VMCS accesses, calls, comments and
// data. Registers, displacements and immediates vary per function so that no cache sees
// the same line twice in a row. Used for the throughput figure (≥ 200 k lines/s).

const REGS = ['rax', 'rbx', 'rcx', 'rdx', 'rsi', 'rdi', 'r8', 'r9', 'r10', 'r11', 'r12', 'r13', 'r14', 'r15'];
const REGS32 = ['eax', 'ebx', 'ecx', 'edx', 'esi', 'edi', 'r8d', 'r9d', 'r10d', 'r11d', 'r12d', 'r13d', 'r14d', 'r15d'];

function body(f: number): string[] {
  const r = (i: number): string => REGS[(f + i) % REGS.length] ?? 'rax';
  const e = (i: number): string => REGS32[(f * 3 + i) % REGS32.length] ?? 'eax';
  const disp = (f * 8) % 0x200;
  const imm = (f * 37) % 0x3000;
  return [
    `  mov ${r(0)}, [${r(1)}+${r(2)}*8+0x${disp.toString(16)}]      ; load entry ${f}`,
    `  add ${r(0)}, STRIDE + ${f % 7}`,
    `  cmp ${r(0)}, 0x${imm.toString(16)}`,
    '  jae .skip',
    `  mov qword [${r(3)}+${disp}], ${r(0)}`,
    `  lea ${r(4)}, [rsp+0x${(disp + 0x20).toString(16)}]`,
    `  xor ${e(0)}, ${e(0)}`,
    `  test ${e(1)}, ${1 << f % 31 >>> 0}`,
    '  jnz .loop',
    `  mov ecx, VMCS_FIELD + ${(f % 16) * 2}`,
    `  vmread ${r(5)}, rcx`,
    `  shl ${r(5)}, ${f % 63}`,
    `  or ${r(5)}, FLAGS | 0x${(f % 256).toString(16)}`,
    `  push ${r(6)}`,
    `  call func${Math.max(0, f - 1)}`,
    `  pop ${r(6)}`,
    '',
    `  ; step ${f}: a comment line between instructions`,
    `  sub rsp, 0x${(0x28 + (f % 8) * 8).toString(16)}`,
    `  mov [rsp+${8 * (f % 16)}], ${r(7)}`,
    `  imul ${r(8)}, ${r(9)}, ${f % 1000}`,
    `  movzx ${e(2)}, byte [rsi+${r(10)}]`,
    `  and ${e(3)}, 0x${(f * 13 % 0xffff).toString(16)}`,
    `  inc dword [counter + ${(f % 4) * 4}]`,
    `  mov ${r(11)}, [rel table + ${(f % 3) * 8}]`,
    `  dec ${r(12)}`,
    '  jnz .loop',
    '.skip:',
    `  add rsp, 0x${(0x28 + (f % 8) * 8).toString(16)}`,
  ];
}

/** About `lines` lines of assembly (the last function is completed). */
export function benchSource(lines = 10_000): string {
  const out = ['bits 64', 'org 0x100000', 'STRIDE equ 16', 'FLAGS equ 0x80', 'VMCS_FIELD equ 0x681e', ''];
  for (let f = 0; out.length < lines - 40; f++) {
    out.push(`func${f}:`, '  push rbp', '  mov rbp, rsp', '.loop:');
    out.push(...body(f));
    out.push(`  jmp func${f}.done`, `  times ${f % 5} nop`, '.done:', '  pop rbp', '  ret', '');
  }
  out.push('section .data', 'counter: dd 0, 0, 0, 0', 'table: dq func0, func1, 0x1234', '  db "hyperscope", 0', 'align 8');
  for (let i = 0; out.length < lines; i++) out.push(`  dq 0x${(0x0123456789abcdefn + BigInt(i)).toString(16)}, ${i}`);
  return out.join('\n') + '\n';
}
