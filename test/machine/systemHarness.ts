/**
 * NASM program scaffolding for ring, exception and paging tests: a 256-entry 64-bit IDT
 * built as data at assembly time, default exception stubs that record the frame at
 * `REC` and halt, and macros to enter ring 3. Boot layout: see src/machine/boot/layout.ts.
 *
 * Recorded by a default stub (qwords at REC): +0 vector, +8 error code (or -1), +16 RIP,
 * +24 CS, +32 RFLAGS, +40 RSP, +48 SS, +56 CR2, +64 count of exceptions taken.
 */
import { test, type TestContext } from 'node:test';
import { CpuTest, hasNasm, nasm } from './cpuRunner';
import { gateData, type Gate as IdtGate } from '../support/guestPreludes';

export const REC = 0x20000;
export const USER_STACK = 0x90000;

/** An IDT gate of the program (see gateData); the handler defaults to the recording stub `exc_<vector>`. */
export interface Gate extends Omit<IdtGate, 'handler'> {
  handler?: string;
}

export interface ProgramOptions {
  gates?: Record<number, Gate>;
  /** Set up IA32_STAR/LSTAR/FMASK for SYSCALL with this kernel entry label. */
  syscallEntry?: string;
}

const ERROR_CODE_VECTORS = new Set([8, 10, 11, 12, 13, 14, 17, 21]);

function gateSource(vector: number, gate: Gate): string {
  return gateData({ ...gate, handler: gate.handler ?? (vector < 32 ? `exc_${vector}` : 'exc_other') });
}

function stubsSource(): string {
  const lines: string[] = [];
  for (let v = 0; v < 32; v++) {
    lines.push(`exc_${v}:`, `  mov qword [REC], ${v}`, ERROR_CODE_VECTORS.has(v) ? '  jmp record_error' : '  jmp record_frame');
  }
  lines.push('exc_other:', '  mov qword [REC], 0xff', '  jmp record_frame');
  return lines.join('\n');
}

/** Full NASM source: IDT, stubs, `start:` running `body`. */
export function systemSource(body: string, options: ProgramOptions = {}): string {
  const gates: string[] = [];
  for (let v = 0; v < 256; v++) gates.push(gateSource(v, options.gates?.[v] ?? {}));
  const syscallSetup = options.syscallEntry
    ? `  mov ecx, 0xc0000081\n  xor eax, eax\n  mov edx, 0x00180008\n  wrmsr\n  mov ecx, 0xc0000082\n  mov rax, ${options.syscallEntry}\n  mov rdx, rax\n  shr rdx, 32\n  wrmsr\n`
    : '';
  return `%define ABS(x) ((x) - $$ + 0x100000)
%define REC ${REC}
%define USER_STACK ${USER_STACK}
; TO_RING3 label [, rflags]: iretq to 64-bit user code with SS=0x23, RSP=USER_STACK
; SLOT i, value: store a label address or value for the test to read with slot(t, i)
%macro SLOT 2
  push rax
  mov rax, %2
  mov [REC + 0x80 + 8 * %1], rax
  pop rax
%endmacro
%macro TO_RING3 1-2 0x2
  push 0x23
  push USER_STACK
  push %2
  push 0x2b
  mov rax, %1
  push rax
  iretq
%endmacro
  jmp start
align 16
idt:
${gates.join('\n')}
idt_end:
idtr:
  dw idt_end - idt - 1
  dq idt
${stubsSource()}
record_error:
  pop qword [REC + 8]
  jmp record_rest
record_frame:
  mov qword [REC + 8], -1
record_rest:
  pop qword [REC + 16]
  pop qword [REC + 24]
  pop qword [REC + 32]
  pop qword [REC + 40]
  pop qword [REC + 48]
  push rax
  mov rax, cr2
  mov [REC + 56], rax
  pop rax
  inc qword [REC + 64]
  hlt
start:
  lidt [idtr]
${syscallSetup}${body}
`;
}

/** Builds the program and returns a test machine ready to run. */
export function systemTest(body: string, options: ProgramOptions = {}, memoryMB = 16): CpuTest {
  return CpuTest.create(nasm(systemSource(body, options)), memoryMB);
}

/** A node:test that is skipped, visibly, when nasm is missing. */
export function nasmTest(name: string, fn: (t: TestContext) => void): void {
  test(name, { skip: hasNasm() ? false : 'nasm is not installed' }, fn);
}

export interface Recorded {
  vector: bigint;
  errorCode: bigint;
  rip: bigint;
  cs: bigint;
  rflags: bigint;
  rsp: bigint;
  ss: bigint;
  cr2: bigint;
  count: bigint;
}

/** The frame the default stub recorded. */
export function recorded(t: CpuTest): Recorded {
  const q = (i: number): bigint => {
    const bytes = t.machine.mem.peek(REC + 8 * i, 8);
    return new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
  };
  return { vector: q(0), errorCode: q(1), rip: q(2), cs: q(3), rflags: q(4), rsp: q(5), ss: q(6), cr2: q(7), count: q(8) };
}

/** A qword of guest physical memory. */
export function qword(t: CpuTest, address: number): bigint {
  const bytes = t.machine.mem.peek(address, 8);
  return new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
}

/** Slot `i` of the program's own notes at REC + 0x80 (programs store label addresses there with SLOT). */
export function slot(t: CpuTest, i: number): bigint {
  return qword(t, REC + 0x80 + 8 * i);
}
