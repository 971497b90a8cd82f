// What each register is for: hover text and completion items.

export type RegisterClass = 'general' | 'segment' | 'control' | 'debug' | 'instruction-pointer';

export interface RegisterInfo {
  name: string;
  class: RegisterClass;
  bits: number;
  role: string;
}

const generalRoles: Record<string, string> = {
  rax: 'accumulator; return value; VMREAD/VMWRITE operand in examples; Xen/KVM hypercall number',
  rbx: 'callee-saved general register',
  rcx: 'counter (REP, LOOP, shifts by CL); MSR index for RDMSR/WRMSR; return RIP after SYSCALL',
  rdx: 'data; high half for MUL/DIV and RDMSR/WRMSR; I/O port for IN/OUT',
  rsi: 'source index for string instructions',
  rdi: 'destination index for string instructions; first argument (System V)',
  rbp: 'frame pointer',
  rsp: 'stack pointer (HOST_RSP 0x6C14 / GUEST_RSP 0x681C in the VMCS)',
  r8: 'general register', r9: 'general register', r10: 'general register', r11: 'RFLAGS saved by SYSCALL',
  r12: 'general register', r13: 'general register', r14: 'general register', r15: 'general register',
};

const numbered = ['r8', 'r9', 'r10', 'r11', 'r12', 'r13', 'r14', 'r15'];
const legacy: [string, string, string, string, string?][] = [
  ['rax', 'eax', 'ax', 'al', 'ah'], ['rbx', 'ebx', 'bx', 'bl', 'bh'], ['rcx', 'ecx', 'cx', 'cl', 'ch'], ['rdx', 'edx', 'dx', 'dl', 'dh'],
  ['rsi', 'esi', 'si', 'sil'], ['rdi', 'edi', 'di', 'dil'], ['rbp', 'ebp', 'bp', 'bpl'], ['rsp', 'esp', 'sp', 'spl'],
];

function build(): Map<string, RegisterInfo> {
  const map = new Map<string, RegisterInfo>();
  const add = (name: string, cls: RegisterClass, bits: number, role: string): void => void map.set(name, { name, class: cls, bits, role });
  for (const [r64, r32, r16, r8, r8high] of legacy) {
    const role = generalRoles[r64] ?? 'general register';
    add(r64, 'general', 64, role);
    add(r32, 'general', 32, `low 32 bits of ${r64.toUpperCase()} (writing it zeroes the upper half); ${role}`);
    add(r16, 'general', 16, `low 16 bits of ${r64.toUpperCase()}; ${role}`);
    add(r8, 'general', 8, `low 8 bits of ${r64.toUpperCase()}; ${role}`);
    if (r8high) add(r8high, 'general', 8, `bits 15:8 of ${r64.toUpperCase()} (not encodable with a REX prefix)`);
  }
  for (const r of numbered) {
    const role = generalRoles[r] ?? 'general register';
    add(r, 'general', 64, role);
    add(`${r}d`, 'general', 32, `low 32 bits of ${r.toUpperCase()}`);
    add(`${r}w`, 'general', 16, `low 16 bits of ${r.toUpperCase()}`);
    add(`${r}b`, 'general', 8, `low 8 bits of ${r.toUpperCase()}`);
  }
  const segments: Record<string, string> = {
    cs: 'code segment: CPL in its low 2 bits, L/D bits select the mode', ds: 'data segment', es: 'extra segment (destination of string instructions)',
    ss: 'stack segment', fs: 'FS segment; base in IA32_FS_BASE (thread-local storage)', gs: 'GS segment; base in IA32_GS_BASE, exchanged by SWAPGS (per-CPU data)',
  };
  for (const [name, role] of Object.entries(segments)) add(name, 'segment', 16, role);
  const controls: Record<string, string> = {
    cr0: 'CR0: PE (0) protection, MP (1), EM (2), TS (3), NE (5), WP (16), AM (18), NW (29), CD (30), PG (31) paging. VMX needs PE, NE, PG = 1 (IA32_VMX_CR0_FIXED0)',
    cr2: 'CR2: linear address of the last page fault',
    cr3: 'CR3: physical address of the top-level page table (PML4), PCID in bits 11:0 with CR4.PCIDE',
    cr4: 'CR4: VME (0), PVI (1), TSD (2), DE (3), PSE (4), PAE (5), MCE (6), PGE (7), PCE (8), OSFXSR (9), OSXMMEXCPT (10), UMIP (11), LA57 (12), VMXE (13) VMX enable, SMXE (14), FSGSBASE (16), PCIDE (17), OSXSAVE (18), SMEP (20), SMAP (21), PKE (22)',
    cr8: 'CR8: task-priority register (TPR), bits 3:0',
  };
  for (let n = 0; n <= 8; n++) add(`cr${n}`, 'control', 64, controls[`cr${n}`] ?? `CR${n}: reserved (#UD)`);
  const debugs: Record<string, string> = { dr6: 'DR6: debug status (which breakpoint hit, BS single-step)', dr7: 'DR7: debug control (enable bits, R/W and length per breakpoint); GUEST_DR7 0x681A in the VMCS' };
  for (let n = 0; n <= 7; n++) add(`dr${n}`, 'debug', 64, debugs[`dr${n}`] ?? (n < 4 ? `DR${n}: breakpoint linear address ${n}` : `DR${n}: alias of DR${n + 2} when CR4.DE = 0`));
  add('rip', 'instruction-pointer', 64, 'instruction pointer; `[rel label]` addresses relative to the next instruction');
  return map;
}

export const registers: ReadonlyMap<string, RegisterInfo> = build();

export function lookupRegister(name: string): RegisterInfo | undefined {
  return registers.get(name.toLowerCase());
}
