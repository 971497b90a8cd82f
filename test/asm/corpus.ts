// Generated assembly corpora for the differential test against nasm: every instruction
// family with register, memory and immediate combinations, data, expressions, jumps.

const R64 = ['rax', 'rcx', 'rdx', 'rbx', 'rsp', 'rbp', 'rsi', 'rdi', 'r8', 'r9', 'r12', 'r13', 'r15'];
const R32 = ['eax', 'ecx', 'edx', 'ebx', 'esp', 'ebp', 'esi', 'edi', 'r8d', 'r13d'];
const R16 = ['ax', 'cx', 'dx', 'bx', 'sp', 'bp', 'si', 'di', 'r9w'];
const R8 = ['al', 'cl', 'dl', 'bl', 'ah', 'bh', 'spl', 'sil', 'r10b'];
const BASES = ['rax', 'rbx', 'rsp', 'rbp', 'r12', 'r13', 'r15'];
const INDEXES = ['rax', 'rcx', 'rbp', 'r13', 'r9'];
const DISPS = ['', '+8', '-8', '+0x7f', '+0x80', '-0x81', '+0x12345'];
const IMMS = ['0', '1', '-1', '5', '0x7f', '0x80', '-0x80', '-0x81', '0xff', '0x1234', '0x7fffffff', '-0x80000000'];

export function memoryOperands(): string[] {
  const out: string[] = [];
  for (const b of BASES) for (const d of DISPS) out.push(`[${b}${d}]`);
  for (const b of BASES) for (const i of INDEXES) for (const s of ['', '*2', '*4', '*8']) out.push(`[${b}+${i}${s}+0x10]`);
  for (const i of INDEXES) for (const s of ['*2', '*3', '*4', '*5', '*8', '*9']) out.push(`[${i}${s}]`, `[${i}${s}+4]`);
  out.push('[0x1000]', '[eax]', '[ebx+ecx*4+8]', '[r8d+4]', '[rax*1+rbx]', '[rbx+rax*1]', '[rsp+rax]', '[rax+rsp]', '[rel $+0x40]', '[fs:rax]', '[gs:0x28]');
  return out;
}

const ALU = ['add', 'adc', 'sub', 'sbb', 'and', 'or', 'xor', 'cmp'];

export function integerCorpus(): string {
  const lines: string[] = ['bits 64', 'top:'];
  const regs: [string[], string][] = [[R64, 'qword'], [R32, 'dword'], [R16, 'word'], [R8.filter((r) => !r.endsWith('h')), 'byte']];
  for (const op of [...ALU, 'mov', 'test', 'xchg']) {
    for (const [set, size] of regs) {
      for (const a of set) for (const b of set.slice(0, 4)) lines.push(`${op} ${a}, ${b}`);
      for (const m of memoryOperands().slice(0, 40)) lines.push(`${op} ${m}, ${set[1]}`, `${op} ${set[2]}, ${m}`);
      if (op !== 'xchg') for (const imm of IMMS) lines.push(`${op} ${set[0]}, ${imm}`, `${op} ${set[3]}, ${imm}`, `${op} ${size} [rbx+8], ${imm}`);
    }
  }
  for (const imm of ['0', '1', '0xffffffff', '0x100000000', '-1', '0x7fffffff', '0x80000000', '-0x80000000', '0x123456789abcdef0']) for (const r of ['rax', 'r9', 'rsp']) lines.push(`mov ${r}, ${imm}`);
  lines.push('mov rax, strict qword 5', 'mov rax, top', 'mov eax, top', 'add eax, top', 'push top', 'mov rax, end - top');
  for (const op of ['inc', 'dec', 'neg', 'not', 'mul', 'div', 'idiv', 'imul']) {
    for (const r of [...R64.slice(0, 5), ...R32.slice(0, 3), ...R16.slice(0, 2), ...R8.slice(0, 6)]) lines.push(`${op} ${r}`);
    for (const s of ['byte', 'word', 'dword', 'qword']) lines.push(`${op} ${s} [rax+rbx*2]`);
  }
  for (const r of ['eax', 'rbx', 'cx', 'r12']) lines.push(`imul ${r}, ${r === 'cx' ? 'dx' : r}`, `imul ${r}, 5`, `imul ${r}, 300`, `imul ${r}, ${r}, -2`);
  lines.push('imul rax, [rbx], 0x1000', 'imul eax, [rcx+8]');
  for (const op of ['shl', 'shr', 'sar', 'sal', 'rol', 'ror', 'rcl', 'rcr']) {
    for (const r of ['rax', 'ecx', 'dx', 'bl', 'r11']) lines.push(`${op} ${r}, 1`, `${op} ${r}, 4`, `${op} ${r}, cl`);
    lines.push(`${op} qword [rax], 1`, `${op} dword [rax], 3`, `${op} byte [rax], cl`);
  }
  for (const op of ['shld', 'shrd']) lines.push(`${op} rax, rbx, 4`, `${op} eax, ecx, cl`, `${op} [rax], bx, 2`, `${op} [rax], rdx, cl`);
  for (const op of ['bt', 'bts', 'btr', 'btc']) lines.push(`${op} rax, rbx`, `${op} eax, 5`, `${op} dword [rax], 31`, `${op} [rax], cx`);
  for (const op of ['bsf', 'bsr']) lines.push(`${op} rax, rbx`, `${op} ecx, [rdx]`, `${op} ax, bx`);
  for (const op of ['movzx', 'movsx']) lines.push(`${op} eax, bl`, `${op} rax, bx`, `${op} ecx, byte [rsi]`, `${op} rdx, word [rsi+4]`, `${op} ax, cl`);
  lines.push('movsxd rax, ebx', 'movsx rax, ecx', 'movsxd r8, dword [rax]');
  lines.push('lea rax, [rbx+rcx*8+0x40]', 'lea eax, [rax+1]', 'lea r12, [rel top]', 'lea rsi, [rsp+8]');
  lines.push('xadd [rax], ebx', 'xadd rcx, rdx', 'lock xadd qword [rbx], rax', 'cmpxchg [rax], ecx', 'lock cmpxchg [rdi], rsi', 'lock add dword [rax], 1', 'lock inc qword [rbx]');
  for (const r of ['eax', 'rbx', 'r9', 'r14d']) lines.push(`bswap ${r}`);
  for (const r of ['rax', 'r15', 'qword [rax]', 'word [rbx]', 'ax', '5', '0x1000', 'word 5', '-1']) lines.push(`push ${r}`);
  for (const r of ['rax', 'r15', 'qword [rax]', 'ax']) lines.push(`pop ${r}`);
  lines.push('pushfq', 'popfq', 'pushf', 'popf');
  const cc = ['o', 'no', 'b', 'c', 'nae', 'ae', 'nb', 'nc', 'e', 'z', 'ne', 'nz', 'be', 'na', 'a', 'nbe', 's', 'ns', 'p', 'pe', 'np', 'po', 'l', 'nge', 'ge', 'nl', 'le', 'ng', 'g', 'nle'];
  for (const c of cc) lines.push(`set${c} al`, `set${c} byte [rax]`, `cmov${c} rax, rbx`, `cmov${c} ecx, [rdx]`, `j${c} top`, `j${c} end`);
  lines.push('jmp top', 'jmp end', 'jmp rax', 'jmp qword [rax]', 'call top', 'call end', 'call rax', 'call [rbx+8]', 'jmp near top');
  lines.push('ret', 'ret 8', 'ret 0x1000');
  lines.push('cbw', 'cwde', 'cdqe', 'cwd', 'cdq', 'cqo', 'clc', 'stc', 'cmc', 'cld', 'std', 'nop', 'nop eax', 'nop dword [rax]', 'pause', 'ud2', 'int3', 'int 3', 'int 0x80');
  for (const s of ['movs', 'stos', 'lods', 'cmps', 'scas']) for (const w of ['b', 'w', 'd', 'q']) lines.push(`${s}${w}`, `rep ${s}${w}`);
  lines.push('repe cmpsb', 'repne scasb', 'repz cmpsq', 'repnz scasd');
  lines.push('end:', 'nop');
  return lines.join('\n') + '\n';
}

export function systemCorpus(): string {
  const lines = ['bits 64', 'hlt', 'cli', 'sti', 'in al, 0x60', 'in ax, 0x60', 'in eax, 0x60', 'in al, dx', 'in ax, dx', 'in eax, dx', 'out 0x80, al', 'out 0x80, ax', 'out 0x80, eax', 'out dx, al', 'out dx, ax', 'out dx, eax'];
  lines.push('insb', 'insw', 'insd', 'outsb', 'outsw', 'outsd', 'rep insb', 'rep outsw', 'int 0x21', 'iretq', 'iret', 'syscall', 'sysret', 'cpuid', 'rdmsr', 'wrmsr', 'rdtsc', 'rdtscp');
  for (const n of [0, 2, 3, 4, 8]) lines.push(`mov cr${n}, rax`, `mov rbx, cr${n}`, `mov cr${n}, r9`);
  for (let n = 0; n < 8; n++) lines.push(`mov dr${n}, rcx`, `mov rdx, dr${n}`);
  lines.push('lgdt [rax]', 'lidt [rbx+8]', 'sgdt [rcx]', 'sidt [rel $]', 'lldt ax', 'lldt [rax]', 'ltr cx', 'ltr word [rbx]', 'sldt ax', 'sldt [rax]', 'str ax', 'str [rbx]', 'smsw ax', 'smsw rax', 'smsw [rax]', 'lmsw ax', 'lmsw [rbx]');
  lines.push('invlpg [rax]', 'invlpg [rbx+rcx*8]', 'swapgs', 'wbinvd', 'invd');
  lines.push('vmxon [rax]', 'vmxoff', 'vmclear [rcx]', 'vmptrld [rdx]', 'vmptrst [rsi]', 'vmread rax, rbx', 'vmread [rax], rcx', 'vmread r9, r10', 'vmwrite rax, rbx', 'vmwrite rcx, [rdx]', 'vmwrite r8, r15', 'vmlaunch', 'vmresume', 'vmcall', 'invept rax, [rbx]', 'invvpid rcx, [rdx+8]', 'vmfunc');
  lines.push('mov ax, ds', 'mov ds, ax', 'mov es, [rax]', 'mov [rbx], fs', 'push fs', 'pop gs');
  return lines.join('\n') + '\n';
}

export function dataCorpus(): string {
  return `bits 64
org 0x7c00
start:
  db 1, 2, 0xff, -1, 'a', "bc", \`d\\n\\x41\\0\`, 0
  dw 0x1234, -2, 'ab', 'abc'
  dd 0x12345678, start, end - start, 'abcd'
  dq 0x123456789abcdef0, -1, start
  db 1_000 % 256, 0b1010, 1010b, 0o17, 17q, 17o, 0x1f, 1fh, 0h, 0d99, 99d, 0y11, 11y
  dq 7 / 2, -7 // 2, 7 % 3, -7 %% 3, 1 << 4, 0x80 >> 3, -16 >>> 2, 5 & 3, 5 | 3, 5 ^ 3, ~0, !0, !5
  dq 1 + 2 * 3, (1 + 2) * 3, 2 == 2, 2 != 3, 3 < 2, 3 >= 3, 1 && 0, 1 || 0, 1 ^^ 1, 1 ? 7 : 8, -(3), +4
  dq $ - $$, $$
.local:
  dq .local, start.local
value equ 0x40 * 4
  dd value, value + 1
%define TWICE(x) ((x) * 2)
%define BASE 0x100
  dd TWICE(BASE), TWICE(3 + 1)
  times 5 db 0xaa
  times 3 dw $ - start
  align 16
  db 0x55
  align 8, db 0
  resb 0
section .data
d1: dd 0xdeadbeef
  align 32
d2: dq d1, d2, b1
section .bss
b1: resb 3
b2: resq 2
section .text
end:
  mov rax, [rel d1]
  mov rbx, b2
  times 510-($-$$) db 0
  dw 0xaa55
`;
}

/** Jumps at distances around the short/near boundary, forwards and backwards. */
export function jumpCorpus(): string {
  const lines = ['bits 64', 'top:'];
  for (const n of [0, 1, 100, 120, 123, 124, 125, 126, 127, 128, 130, 200]) {
    lines.push(`jmp f${n}`, `jz f${n}`, `times ${n} nop`, `f${n}:`, `jmp top`, `jnz top`);
  }
  lines.push('b1:', 'times 100 nop', 'jmp b1', 'jc b1', 'loop b1', 'loope b1', 'loopne b1', 'loopz b1', 'loopnz b1', 'jrcxz b1', 'jecxz b1', 'jmp short b1', 'jmp near b1');
  // A chain where growing one jump pushes another out of range.
  for (let i = 0; i < 20; i++) lines.push(`jmp c${i}`);
  lines.push('times 60 nop');
  for (let i = 0; i < 20; i++) lines.push(`c${i}: nop`);
  return lines.join('\n') + '\n';
}

export function modesCorpus(): string {
  return `bits 16
mov ax, 5
mov [bx+si+4], ax
add word [bp], 1
jmp near l16
l16: int 0x10
push ax
bits 32
mov eax, [ebx+ecx*4]
mov eax, [0x1000]
push 5
push eax
inc eax
mov cr0, eax
jmp l32
l32: ret
bits 64
default rel
mov rax, [l64]
mov rax, [abs l64]
lea rdx, [l64]
mov rax, [fs:0x10]
default abs
mov rax, [l64]
l64: dq 0
`;
}

/**
 * Instructions whose values depend on symbols (labels, label differences, equ constants,
 * forward references), in every operand shape: these are re-encoded by patching values
 * into an earlier encoding, so each shape must still match nasm byte for byte.
 */
export function symbolCorpus(): string {
  const lines = ['bits 64', 'org 0x401000', 'SMALL equ 5', 'BIG equ 0x12345', 'MINUS_TWO equ -2', 'start:'];
  const addresses = ['start', 'later', 'start + 8', 'data - 0x100'];
  const scalars = ['later - start', 'end - start', 'SMALL', 'BIG', 'MINUS_TWO', 'FWD_SMALL', 'FWD_BIG', '(end - start) * 2', '$ - start', 'later + 0x7fffffff - later'];
  for (const v of [...addresses, ...scalars]) {
    lines.push(`mov eax, ${v}`, `mov rax, ${v}`, `add rbx, ${v}`, `push ${v}`, `imul ecx, edx, ${v}`, `test dword [rdi+8], ${v}`);
    lines.push(`mov [rbx + ${v}], eax`, `lea rdx, [rcx + ${v}]`, `sub dword [rsp + ${v}], 3`);
  }
  for (const v of scalars) lines.push(`cmp cl, (${v}) & 0x7f`, `and word [rsi], (${v}) & 0xfff`, `mov qword [rel data + 8], (${v}) & 0xffff`, `add ax, (${v}) & 0x7fff`);
  for (const target of ['data', 'data + 16', 'later', '$', '$ + 0x40', 'start - 8']) {
    lines.push(`mov rax, [rel ${target}]`, `lea rsi, [rel ${target}]`, `inc dword [rel ${target}]`, `mov byte [rel ${target}], 0x7f`, `cmp qword [rel ${target}], -1`, `mov [rel ${target}], r9w`, `call [rel ${target}]`);
    lines.push(`mov al, [abs ${target}]`, `mov rax, [abs ${target}]`, `mov ecx, [abs ${target}]`, `mov [${target}], ebx`);
  }
  lines.push('rep stosb', 'lock add [rel data], eax', 'lock inc qword [rel data]', 'mov fs:[rel data], eax', 'mov rax, [gs:data]', 'out SMALL, al', 'in al, FWD_SMALL', 'int SMALL', 'ret FWD_SMALL', 'shl eax, SMALL - 4', 'shl eax, FWD_SMALL', 'enter FWD_SMALL, 0');
  lines.push('later:', '  times 40 nop', 'data: dq 0, 1, 2, 3', 'FWD_SMALL equ 3', 'FWD_BIG equ 0x40000', 'end:');
  lines.push('bits 32', 'mov eax, [data]', 'mov eax, [ebx + data]', 'mov dword [ecx + end - start], FWD_SMALL', 'push later', 'add eax, FWD_BIG', 'cmp byte [data], SMALL');
  lines.push('bits 16', 'mov ax, [bx + si + SMALL]', 'mov word [bx + FWD_SMALL], later - start', 'add ax, FWD_SMALL');
  // Displacement size classes that share encodings: none, 8-bit and full, 32- and 64-bit addressing, both signs.
  lines.push('bits 64', 'mov eax, [ebx-8]', 'mov eax, [ebx+8]', 'mov eax, [ebx+0x7f]', 'mov eax, [ebx-0x80]', 'mov eax, [ebx-0x81]', 'mov eax, [ebx+0xfffffff0]', 'mov eax, [rbx-8]', 'lea eax, [ecx*4-4]', 'lea eax, [ecx*4+4]');
  lines.push('mov eax, [r13]', 'mov eax, [r13+1]', 'mov eax, [rbp-1]', 'mov eax, [rsp]', 'mov eax, [r12-1]', 'bits 32', 'mov eax, [ebx-8]', 'mov eax, [ebx+0xfffffff8]', 'mov eax, [ebp]', 'mov eax, [ebp-4]', 'mov eax, [esp-4]');
  return lines.join('\n') + '\n';
}

/** Multi-line macros (parameters, %0, %%labels, greedy parameters, nesting) and %rep. */
export function macroCorpus(): string {
  return `bits 64
%macro save 2
  push %1
  push %2
%endmacro
%macro restore 2
  pop %2
  pop %1
%endmacro
%macro zero 1
  xor %1, %1
%endmacro
%macro spin 1
%%top:
  dec %1
  jnz %%top
  db %0
%endmacro
%macro bytes 1+
  db %1
%endmacro
%macro nothing 0
  nop
%endmacro
%macro frame 2
  save rbp, %1
  mov rbp, rsp
  sub rsp, %2
%%body:
  zero eax
  jmp %%body
%endmacro
%macro tag 1
  db "%1", '%0', %1 ; it's %1, not substituted in strings or comments
%endmacro
%macro vmwrite_imm 2
  mov eax, %1
  mov rdx, %{2}
  vmwrite rax, rdx
%endmacro
start: save rax, rbx
  zero ecx
  spin rcx
.local:
  spin rdx
  jmp .local
  bytes 1, 2, 3, "ab"
  bytes {4, 5}
  nothing
  frame rbx, 0x40
  frame r12, 8
  restore rax, rbx
  vmwrite_imm 0x681e, [rsp + 8]
  tag 7
%assign i 0
%rep 4
  mov eax, i
%assign i i+1
%endrep
%rep 3
%rep 2
  add eax, i
%endrep
%assign i i*2
%endrep
%rep 10
  nop
%if i >= 32
%exitrep
%endif
%assign i i+1
%endrep
%rep 0
  ud2
%endrep
  ret
`;
}
