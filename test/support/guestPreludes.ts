/**
 * NASM snippet builders for the preludes test programs share: x2APIC setup, timer and
 * self-IPIs, the EOI-and-IRETQ handler tail, and IDTs (gates as data, or written at run
 * time into a zeroed table, then LIDT). Every program is assembled with ORG 0x100000 (nasm
 * through test/machine/cpuRunner, our assembler through test/xen/harness), so labels are
 * absolute; `label - $$ + 0x100000` is the same address as a scalar NASM can mask and shift.
 * Each snippet is whole lines, indented, without a trailing newline.
 */

const hex = (n: number): string => `0x${n.toString(16)}`;

/** The x2APIC MSRs the snippets use (SDM Vol. 3A 11.12.1.2: 0x800 + MMIO offset / 16). */
export const X2apicMsr = { apicBase: 0x1b, eoi: 0x80b, svr: 0x80f, icr: 0x830, lvtTimer: 0x832, initialCount: 0x838, divide: 0x83e, selfIpi: 0x83f } as const;

/** WRMSR of a 32-bit value: ECX = msr, EAX = value, EDX = 0 (clobbers all three). */
export function wrmsr(msr: number, value: number | string): string {
  return `  mov ecx, ${hex(msr)}\n  mov eax, ${typeof value === 'number' ? hex(value) : value}\n  xor edx, edx\n  wrmsr`;
}

/** Software-enables the local APIC: SVR = 0x1ff (bit 8 APIC enable, spurious vector 0xff). Leaves EDX = 0. */
export const APIC_ENABLE = wrmsr(X2apicMsr.svr, 0x1ff);

/** x2APIC mode (IA32_APIC_BASE bits 11 EN and 10 EXTD), then APIC_ENABLE. */
export const X2APIC_ON = `  mov ecx, ${hex(X2apicMsr.apicBase)}\n  rdmsr\n  or eax, 0xc00\n  wrmsr\n${APIC_ENABLE}`;

/**
 * Arms the x2APIC timer: divide configuration (0xb = ÷1), the LVT timer entry `lvt` (mode,
 * mask and vector bits) and the initial count. Expects EDX = 0, as APIC_ENABLE leaves it.
 */
export function apicTimer(lvt: number, count: number, divide = 0xb): string {
  const write = (msr: number, value: string): string => `  mov ecx, ${hex(msr)}\n  mov eax, ${value}\n  wrmsr`;
  return [write(X2apicMsr.divide, String(divide)), write(X2apicMsr.lvtTimer, hex(lvt)), write(X2apicMsr.initialCount, String(count))].join('\n');
}

/** A fixed interrupt to this CPU through the x2APIC SELF IPI MSR. */
export const selfIpi = (vector: number): string => wrmsr(X2apicMsr.selfIpi, vector);

/** An NMI to this CPU: ICR with destination shorthand self (bits 19:18 = 01) and delivery mode NMI (10:8 = 100). */
export const SELF_NMI = wrmsr(X2apicMsr.icr, 0x40400);

/** Interrupt-handler tail: saves RAX/RCX/RDX, runs `body`, EOIs the x2APIC (EOI MSR ← 0), restores them, IRETQ. */
export function eoiIretq(body = ''): string {
  const eoi = `  mov ecx, ${hex(X2apicMsr.eoi)}\n  xor eax, eax\n  xor edx, edx\n  wrmsr`;
  return ['  push rax\n  push rcx\n  push rdx', ...(body ? [body] : []), eoi, '  pop rdx\n  pop rcx\n  pop rax\n  iretq'].join('\n');
}

export interface Gate {
  /** The handler: a label or an absolute address below 4 GiB. */
  handler: string;
  dpl?: number;
  present?: boolean;
  /** 'trap' keeps IF; 'interrupt' (default) clears it. */
  type?: 'interrupt' | 'trap';
  ist?: number;
}

/** A 16-byte 64-bit IDT gate as data, code selector 0x08 (default: present interrupt gate, DPL 0, IST 0). */
export function gateData(gate: Gate | string): string {
  const g = typeof gate === 'string' ? { handler: gate } : gate;
  const attr = ((g.present ?? true) ? 0x80 : 0) | ((g.dpl ?? 0) << 5) | (g.type === 'trap' ? 0xf : 0xe);
  const address = `(${g.handler} - $$ + 0x100000)`;
  return `  dw ${address} & 0xffff, 0x08\n  db ${g.ist ?? 0}, ${hex(attr)}\n  dw (${address} >> 16) & 0xffff\n  dd 0, 0`;
}

export interface IdtOptions {
  /** The table's label (default `idt`); `<label>_end:` follows the table. */
  label?: string;
  /** Entries at least (default: up to the highest gate); the rest are zero (not present). */
  entries?: number;
  /** Emit the IDTR image `idtr` (limit, base) after the table for LIDT (default true). */
  idtr?: boolean;
}

/** An IDT as data, 16-byte aligned: `gates` (vector → handler label or Gate), zero elsewhere. */
export function idtData(gates: Record<number, Gate | string>, options: IdtOptions = {}): string {
  const label = options.label ?? 'idt';
  const vectors = Object.keys(gates).map(Number).sort((a, b) => a - b);
  const entries = Math.max(options.entries ?? 0, (vectors.at(-1) ?? -1) + 1);
  const lines = ['align 16', `${label}:`];
  let next = 0;
  const zeros = (upTo: number): void => {
    if (upTo > next) lines.push(`  times ${hex(upTo - next)} dq 0, 0`);
  };
  for (const vector of vectors) {
    zeros(vector);
    lines.push(gateData(gates[vector]!));
    next = vector + 1;
  }
  zeros(entries);
  lines.push(`${label}_end:`);
  if (options.idtr ?? true) lines.push('idtr:', `  dw ${label}_end - ${label} - 1`, `  dq ${label}`);
  return lines.join('\n');
}

/**
 * Writes IDT gate `vector` at run time: a present 64-bit interrupt gate, selector 0x08, →
 * `handler` (label or address), into the table at `idt` (label or address). Clobbers RAX, RDI.
 */
export function setGate(vector: number, handler: string, idt = 'idt'): string {
  return `  mov rdi, ${idt} + ${hex(vector)} * 16
  mov rax, ${handler}
  mov [rdi], ax
  mov word [rdi + 2], 0x08
  mov word [rdi + 4], 0x8e00
  shr rax, 16
  mov [rdi + 6], ax
  shr rax, 16
  mov [rdi + 8], eax
  mov dword [rdi + 12], 0`;
}

/** setGate for each vector → handler, then LIDT from `idtr` (as idtData emits it). Clobbers RAX, RDI. */
export function installIdt(gates: Record<number, string>): string {
  return [...Object.entries(gates).map(([vector, handler]) => setGate(Number(vector), handler)), '  lidt [idtr]'].join('\n');
}
