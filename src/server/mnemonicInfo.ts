// What each mnemonic does, as hover text and completion data: a table, not code.
// VMX non-root behaviour and exit reasons follow x86-virtualization-facts.md §2 (control
// bits) and §3.1 (exit reasons); §4.1/§4.3/§4.4 for CR, I/O and MSR exits.

/** Who may execute the instruction. */
export type Privilege = 'any' | 'ring0' | 'iopl' | 'vmx-root';

/** What the instruction does when executed in VMX non-root operation (by a guest). */
export interface NonRootBehaviour {
  exits: 'always' | 'conditional' | 'never';
  /** Basic exit reason (§3.1), when it can exit. */
  reason?: number;
  /** The control that decides, e.g. `primary processor-based bit 7 "HLT exiting"`. */
  control?: string;
}

export interface MnemonicInfo {
  summary: string;
  /** Operand forms in Intel order; the first one becomes the completion snippet. */
  forms: string[];
  flags: string;
  privilege: Privilege;
  nonRoot: NonRootBehaviour;
  class: 'ordinary' | 'privileged' | 'vmx';
}

const NEVER: NonRootBehaviour = { exits: 'never' };
const ARITH = 'OF SF ZF AF CF PF set by the result';
const LOGIC = 'OF and CF cleared; SF ZF PF set by the result; AF undefined';
const NONE = 'none';
const VMX_FLAGS = 'VMsucceed clears CF PF AF ZF SF OF; VMfailInvalid sets CF; VMfailValid sets ZF (error number in VM_INSTRUCTION_ERROR 0x4400)';
const primary = (bit: number, name: string): string => `primary processor-based control bit ${bit} "${name}" (0x4002)`;
const secondary = (bit: number, name: string): string => `secondary processor-based control bit ${bit} "${name}" (0x401E)`;

function ordinary(summary: string, forms: string[], flags: string, nonRoot: NonRootBehaviour = NEVER): MnemonicInfo {
  return { summary, forms, flags, privilege: 'any', nonRoot, class: 'ordinary' };
}
function privileged(summary: string, forms: string[], flags: string, nonRoot: NonRootBehaviour, privilege: Privilege = 'ring0'): MnemonicInfo {
  return { summary, forms, flags, privilege, nonRoot, class: 'privileged' };
}
function vmx(summary: string, forms: string[], reason: number, nonRoot?: NonRootBehaviour): MnemonicInfo {
  return { summary, forms, flags: VMX_FLAGS, privilege: 'vmx-root', nonRoot: nonRoot ?? { exits: 'always', reason }, class: 'vmx' };
}

const crAccess: NonRootBehaviour = {
  exits: 'conditional',
  reason: 28,
  control: `CR0/CR4: the guest/host masks (0x6000/0x6002) against the read shadows; CR3: ${primary(15, 'CR3-load exiting')} / bit 16 "CR3-store exiting"; CR8: bits 19/20`,
};
const ioExit: NonRootBehaviour = { exits: 'conditional', reason: 30, control: `${primary(24, 'unconditional I/O exiting')}, or bit 25 "use I/O bitmaps" with the port's bit set in I/O bitmap A/B` };
const descriptorTable = (reason: number): NonRootBehaviour => ({ exits: 'conditional', reason, control: secondary(2, 'descriptor-table exiting') });

/** Mnemonic (lower case) → description. */
export const mnemonicInfo: Readonly<Record<string, MnemonicInfo>> = {
  // ---- data movement and arithmetic
  mov: ordinary('Copies the source operand to the destination. With a control or debug register it is privileged: see "mov cr".', ['r/m64, r64', 'r64, r/m64', 'r/m64, imm32', 'r64, imm64', 'cr0-cr8, r64', 'r64, cr0-cr8', 'dr0-dr7, r64', 'sreg, r/m16'], NONE),
  movzx: ordinary('Moves with zero extension.', ['r64, r/m8', 'r32, r/m16'], NONE),
  movsx: ordinary('Moves with sign extension.', ['r64, r/m8', 'r32, r/m16'], NONE),
  movsxd: ordinary('Moves a dword with sign extension to 64 bits.', ['r64, r/m32'], NONE),
  lea: ordinary('Loads the effective address of the memory operand (no memory access).', ['r64, m'], NONE),
  push: ordinary('Decrements RSP and stores the operand on the stack.', ['r/m64', 'imm32'], NONE),
  pop: ordinary('Loads the top of the stack into the operand and increments RSP.', ['r/m64'], NONE),
  pushfq: ordinary('Pushes RFLAGS.', [], NONE),
  popfq: ordinary('Pops into RFLAGS (IF and IOPL change only with enough privilege).', [], 'all writable flags loaded'),
  xchg: ordinary('Exchanges the operands (locked when one is memory).', ['r/m64, r64'], NONE),
  add: ordinary('Adds the source to the destination.', ['r/m64, r64', 'r64, r/m64', 'r/m64, imm32'], ARITH),
  adc: ordinary('Adds the source and CF to the destination.', ['r/m64, r64', 'r/m64, imm32'], ARITH),
  sub: ordinary('Subtracts the source from the destination.', ['r/m64, r64', 'r64, r/m64', 'r/m64, imm32'], ARITH),
  sbb: ordinary('Subtracts the source and CF from the destination.', ['r/m64, r64', 'r/m64, imm32'], ARITH),
  cmp: ordinary('Compares: subtracts without storing the result.', ['r/m64, r64', 'r/m64, imm32'], ARITH),
  inc: ordinary('Adds 1.', ['r/m64'], 'OF SF ZF AF PF set by the result; CF unchanged'),
  dec: ordinary('Subtracts 1.', ['r/m64'], 'OF SF ZF AF PF set by the result; CF unchanged'),
  neg: ordinary("Two's-complement negation.", ['r/m64'], 'CF = (operand != 0); OF SF ZF AF PF set by the result'),
  mul: ordinary('Unsigned multiply of RAX by the operand into RDX:RAX.', ['r/m64'], 'OF and CF set when the high half is non-zero; others undefined'),
  imul: ordinary('Signed multiply.', ['r/m64', 'r64, r/m64', 'r64, r/m64, imm32'], 'OF and CF set when the result was truncated; others undefined'),
  div: ordinary('Unsigned divide of RDX:RAX by the operand; #DE on zero or overflow.', ['r/m64'], 'undefined'),
  idiv: ordinary('Signed divide of RDX:RAX by the operand; #DE on zero or overflow.', ['r/m64'], 'undefined'),
  and: ordinary('Bitwise AND.', ['r/m64, r64', 'r/m64, imm32'], LOGIC),
  or: ordinary('Bitwise OR.', ['r/m64, r64', 'r/m64, imm32'], LOGIC),
  xor: ordinary('Bitwise exclusive OR.', ['r/m64, r64', 'r/m64, imm32'], LOGIC),
  not: ordinary("One's complement.", ['r/m64'], NONE),
  test: ordinary('Bitwise AND without storing the result.', ['r/m64, r64', 'r/m64, imm32'], LOGIC),
  shl: ordinary('Shifts left.', ['r/m64, imm8', 'r/m64, cl'], 'CF = last bit shifted out; OF for 1-bit shifts; SF ZF PF set'),
  shr: ordinary('Shifts right, filling with zeros.', ['r/m64, imm8', 'r/m64, cl'], 'CF = last bit shifted out; OF for 1-bit shifts; SF ZF PF set'),
  sar: ordinary('Shifts right, keeping the sign.', ['r/m64, imm8', 'r/m64, cl'], 'CF = last bit shifted out; OF cleared for 1-bit shifts; SF ZF PF set'),
  rol: ordinary('Rotates left.', ['r/m64, imm8', 'r/m64, cl'], 'CF = bit rotated in; OF for 1-bit rotates'),
  ror: ordinary('Rotates right.', ['r/m64, imm8', 'r/m64, cl'], 'CF = bit rotated in; OF for 1-bit rotates'),
  bt: ordinary('Copies the selected bit into CF.', ['r/m64, r64', 'r/m64, imm8'], 'CF = the bit'),
  bts: ordinary('Copies the selected bit into CF and sets it.', ['r/m64, r64', 'r/m64, imm8'], 'CF = the old bit'),
  btr: ordinary('Copies the selected bit into CF and clears it.', ['r/m64, r64', 'r/m64, imm8'], 'CF = the old bit'),
  bsf: ordinary('Index of the lowest set bit.', ['r64, r/m64'], 'ZF = (source == 0)'),
  bsr: ordinary('Index of the highest set bit.', ['r64, r/m64'], 'ZF = (source == 0)'),
  cpuid: ordinary('Returns processor identification for leaf EAX (sub-leaf ECX) in EAX, EBX, ECX, EDX.', [], NONE, { exits: 'always', reason: 10 }),
  rdtsc: ordinary('Reads the time-stamp counter into EDX:EAX (#GP in ring 3 when CR4.TSD = 1).', [], NONE, { exits: 'conditional', reason: 16, control: primary(12, 'RDTSC exiting') }),
  rdtscp: ordinary('Reads the time-stamp counter into EDX:EAX and IA32_TSC_AUX into ECX.', [], NONE, { exits: 'conditional', reason: 51, control: `${primary(12, 'RDTSC exiting')} with ${secondary(3, 'enable RDTSCP')}` }),
  rdrand: ordinary('Reads a hardware random number.', ['r64'], 'CF = 1 when valid; OF SF ZF AF PF cleared', { exits: 'conditional', reason: 57, control: secondary(11, 'RDRAND exiting') }),
  rdseed: ordinary('Reads a hardware random seed.', ['r64'], 'CF = 1 when valid; OF SF ZF AF PF cleared', { exits: 'conditional', reason: 61, control: secondary(16, 'RDSEED exiting') }),
  pause: ordinary('Spin-loop hint.', [], NONE, { exits: 'conditional', reason: 40, control: `${primary(30, 'PAUSE exiting')} or ${secondary(10, 'PAUSE-loop exiting')}` }),
  nop: ordinary('No operation.', [], NONE),
  movsb: ordinary('Copies a byte from [RSI] to [RDI] and advances both (REP: RCX times).', [], NONE),
  movsq: ordinary('Copies a qword from [RSI] to [RDI] and advances both (REP: RCX times).', [], NONE),
  stosb: ordinary('Stores AL at [RDI] and advances RDI (REP: RCX times).', [], NONE),
  stosq: ordinary('Stores RAX at [RDI] and advances RDI (REP: RCX times).', [], NONE),
  cld: ordinary('Clears the direction flag (string instructions count upward).', [], 'DF = 0'),
  std: ordinary('Sets the direction flag.', [], 'DF = 1'),
  clc: ordinary('Clears the carry flag.', [], 'CF = 0'),
  stc: ordinary('Sets the carry flag.', [], 'CF = 1'),
  // ---- control flow
  jmp: ordinary('Jumps to the target (short or near relative, or indirect).', ['label', 'r/m64'], NONE),
  call: ordinary('Pushes the return address and jumps to the target.', ['label', 'r/m64'], NONE),
  ret: ordinary('Pops the return address and jumps to it.', ['', 'imm16'], NONE),
  jz: ordinary('Jumps if ZF = 1 (equal).', ['label'], NONE),
  jnz: ordinary('Jumps if ZF = 0 (not equal).', ['label'], NONE),
  je: ordinary('Jumps if equal (ZF = 1).', ['label'], NONE),
  jne: ordinary('Jumps if not equal (ZF = 0).', ['label'], NONE),
  jc: ordinary('Jumps if CF = 1 (after a VMX instruction: VMfailInvalid).', ['label'], NONE),
  jnc: ordinary('Jumps if CF = 0.', ['label'], NONE),
  ja: ordinary('Jumps if above (unsigned, CF = 0 and ZF = 0).', ['label'], NONE),
  jb: ordinary('Jumps if below (unsigned, CF = 1).', ['label'], NONE),
  jbe: ordinary('Jumps if below or equal (unsigned, CF = 1 or ZF = 1). After a VMX instruction: any failure.', ['label'], NONE),
  jg: ordinary('Jumps if greater (signed).', ['label'], NONE),
  jl: ordinary('Jumps if less (signed).', ['label'], NONE),
  loop: ordinary('Decrements RCX and jumps if it is not zero.', ['label'], NONE),
  int: ordinary('Raises software interrupt n through the IDT.', ['imm8'], 'IF and TF cleared for interrupt gates', { exits: 'never', control: 'a software interrupt is not an exception: the exception bitmap does not apply; only INT3/INTO are checked against it' }),
  int3: ordinary('Breakpoint trap (#BP, vector 3).', [], NONE, { exits: 'conditional', reason: 0, control: 'exception bitmap (0x4004) bit 3' }),
  syscall: ordinary('Fast system call: RIP from IA32_LSTAR, CS/SS from IA32_STAR, RFLAGS masked by IA32_FMASK.', [], 'RFLAGS saved in R11 and masked', NEVER),
  ud2: ordinary('Raises #UD.', [], NONE, { exits: 'conditional', reason: 0, control: 'exception bitmap (0x4004) bit 6' }),
  // ---- privileged (CPL 0)
  hlt: privileged('Stops the processor until an interrupt, NMI or reset arrives.', [], NONE, { exits: 'conditional', reason: 12, control: primary(7, 'HLT exiting') }),
  cli: privileged('Clears the interrupt flag: maskable interrupts are blocked (needs CPL <= IOPL).', [], 'IF = 0', NEVER, 'iopl'),
  sti: privileged('Sets the interrupt flag; interrupts are recognised after the next instruction (needs CPL <= IOPL).', [], 'IF = 1', { exits: 'never', control: 'never exits itself; afterwards primary bit 2 "interrupt-window exiting" may cause exit 7' }, 'iopl'),
  lgdt: privileged('Loads GDTR from a 10-byte (limit, base) pseudo-descriptor.', ['m'], NONE, descriptorTable(46)),
  lidt: privileged('Loads IDTR from a 10-byte (limit, base) pseudo-descriptor.', ['m'], NONE, descriptorTable(46)),
  sgdt: ordinary('Stores GDTR (#GP in ring 3 with CR4.UMIP).', ['m'], NONE, descriptorTable(46)),
  sidt: ordinary('Stores IDTR (#GP in ring 3 with CR4.UMIP).', ['m'], NONE, descriptorTable(46)),
  lldt: privileged('Loads LDTR from a GDT selector.', ['r/m16'], NONE, descriptorTable(47)),
  ltr: privileged('Loads the task register from a GDT selector and marks the TSS busy.', ['r/m16'], NONE, descriptorTable(47)),
  sldt: ordinary('Stores the LDTR selector.', ['r/m16'], NONE, descriptorTable(47)),
  str: ordinary('Stores the task-register selector.', ['r/m16'], NONE, descriptorTable(47)),
  'mov cr': privileged('Reads or writes a control register (CR0, CR2, CR3, CR4, CR8).', ['cr0-cr8, r64', 'r64, cr0-cr8'], 'undefined', crAccess),
  'mov dr': privileged('Reads or writes a debug register (DR0-DR7).', ['dr0-dr7, r64', 'r64, dr0-dr7'], 'undefined', { exits: 'conditional', reason: 29, control: primary(23, 'MOV-DR exiting') }),
  clts: privileged('Clears CR0.TS.', [], NONE, { exits: 'conditional', reason: 28, control: 'CR0 guest/host mask (0x6000) bit TS set and read shadow TS = 1 (qualification access type 2)' }),
  lmsw: privileged('Loads the low 4 bits of CR0 (PE MP EM TS; cannot clear PE).', ['r/m16'], NONE, { exits: 'conditional', reason: 28, control: 'CR0 guest/host mask (0x6000) against the read shadow (qualification access type 3)' }),
  invlpg: privileged('Invalidates the TLB entries for the page containing the address.', ['m'], NONE, { exits: 'conditional', reason: 14, control: primary(9, 'INVLPG exiting') }),
  invpcid: privileged('Invalidates TLB entries by PCID (type in the register, descriptor in memory).', ['r64, m128'], NONE, { exits: 'conditional', reason: 58, control: `${primary(9, 'INVLPG exiting')} with ${secondary(12, 'enable INVPCID')}` }),
  rdmsr: privileged('Reads MSR ECX into EDX:EAX.', [], NONE, { exits: 'conditional', reason: 31, control: `${primary(28, 'use MSR bitmaps')}: every RDMSR exits when it is 0, else the MSR's read bit decides` }),
  wrmsr: privileged('Writes EDX:EAX to MSR ECX.', [], NONE, { exits: 'conditional', reason: 32, control: `${primary(28, 'use MSR bitmaps')}: every WRMSR exits when it is 0, else the MSR's write bit decides` }),
  in: privileged('Reads from an I/O port (port imm8 or DX) into AL/AX/EAX (needs CPL <= IOPL or the TSS I/O bitmap).', ['al, imm8', 'al, dx', 'eax, dx'], NONE, ioExit, 'iopl'),
  out: privileged('Writes AL/AX/EAX to an I/O port (port imm8 or DX) (needs CPL <= IOPL or the TSS I/O bitmap).', ['imm8, al', 'dx, al', 'dx, eax'], NONE, ioExit, 'iopl'),
  insb: privileged('Reads a byte from port DX into [RDI] (string I/O).', [], NONE, ioExit, 'iopl'),
  outsb: privileged('Writes the byte at [RSI] to port DX (string I/O).', [], NONE, ioExit, 'iopl'),
  iretq: privileged('Returns from an interrupt: pops RIP, CS, RFLAGS, RSP, SS.', [], 'all flags loaded from the stack', { exits: 'never', control: 'never exits itself; with virtual NMIs it unblocks NMIs' }, 'any'),
  sysret: privileged('Returns from SYSCALL: RIP from RCX, RFLAGS from R11, CS/SS from IA32_STAR.', [], 'RFLAGS loaded from R11', NEVER),
  swapgs: privileged('Exchanges GS.base with IA32_KERNEL_GS_BASE.', [], NONE, NEVER),
  wbinvd: privileged('Writes back and invalidates all caches.', [], NONE, { exits: 'conditional', reason: 54, control: secondary(6, 'WBINVD exiting') }),
  invd: privileged('Invalidates caches without writing back.', [], NONE, { exits: 'always', reason: 13 }),
  xsetbv: privileged('Writes EDX:EAX to extended control register XCR[ECX].', [], NONE, { exits: 'always', reason: 55 }),
  rdpmc: privileged('Reads performance counter ECX into EDX:EAX (ring 3 only with CR4.PCE).', [], NONE, { exits: 'conditional', reason: 15, control: primary(11, 'RDPMC exiting') }),
  monitor: privileged('Arms address monitoring for MWAIT.', [], NONE, { exits: 'conditional', reason: 39, control: primary(29, 'MONITOR exiting') }),
  mwait: privileged('Waits for a write to the monitored range or an interrupt.', [], NONE, { exits: 'conditional', reason: 36, control: primary(10, 'MWAIT exiting') }),
  getsec: privileged('Safer-mode extensions leaf function (EAX).', [], NONE, { exits: 'always', reason: 11 }, 'any'),
  // ---- VMX
  vmxon: vmx('Enters VMX root operation using the 4 KiB VMXON region at the physical address in memory (CR4.VMXE must be 1, IA32_FEATURE_CONTROL locked with VMX enabled).', ['m64'], 27),
  vmxoff: vmx('Leaves VMX operation.', [], 26),
  vmclear: vmx('Flushes the VMCS at the physical address in memory, sets its launch state to "clear" and makes it not current.', ['m64'], 19),
  vmptrld: vmx('Makes the VMCS at the physical address in memory current and active.', ['m64'], 21),
  vmptrst: vmx('Stores the current-VMCS pointer to memory.', ['m64'], 22),
  vmread: vmx('Reads the current-VMCS field whose encoding is in the source register into the destination.', ['r/m64, r64'], 23, { exits: 'always', reason: 23, control: `except with ${secondary(14, 'VMCS shadowing')} when the field's bit is clear in the VMREAD bitmap (0x2026): then it reads the shadow VMCS` }),
  vmwrite: vmx('Writes the source operand to the current-VMCS field whose encoding is in the destination register.', ['r64, r/m64'], 25, { exits: 'always', reason: 25, control: `except with ${secondary(14, 'VMCS shadowing')} when the field's bit is clear in the VMWRITE bitmap (0x2028): then it writes the shadow VMCS` }),
  vmlaunch: vmx('Launches the guest of the current VMCS (launch state must be "clear"); on success the next instruction runs in the guest.', [], 20),
  vmresume: vmx('Resumes the guest of the current VMCS (launch state must be "launched").', [], 24),
  vmcall: vmx('Calls the VM monitor: in a guest it is the hypercall instruction.', [], 18),
  invept: vmx('Invalidates EPT-derived TLB entries: type in the register (1 single-context, 2 all-context), 128-bit descriptor {EPTP, 0} in memory.', ['r64, m128'], 50),
  invvpid: vmx('Invalidates TLB entries by VPID: type in the register (0 address, 1 single-context, 2 all-context, 3 single-context keeping globals), descriptor {VPID, address} in memory.', ['r64, m128'], 53),
  vmfunc: vmx('Invokes VM function EAX from a guest (0 = EPTP switching to entry ECX of the EPTP list).', [], 59, { exits: 'conditional', reason: 59, control: `EAX names a function not enabled in VM_FUNCTION_CONTROL (0x2018), or EPTP switching finds an invalid EPTP-list entry (needs ${secondary(13, 'enable VM functions')}; without it VMFUNC raises #UD)` }),
};

/** The table entry for `mnemonic`, with `mov` to/from a control or debug register as its own entry. */
export function lookupMnemonic(mnemonic: string, operandText = ''): MnemonicInfo | undefined {
  const name = mnemonic.toLowerCase();
  if (name === 'mov') {
    if (/\bcr\d+\b/i.test(operandText)) return mnemonicInfo['mov cr'];
    if (/\bdr\d\b/i.test(operandText)) return mnemonicInfo['mov dr'];
  }
  return Object.hasOwn(mnemonicInfo, name) ? mnemonicInfo[name] : undefined;
}

// Mnemonics without a table entry that still belong to a class, for highlighting.
const morePrivileged = new Set(['iret', 'iretd', 'sysretq', 'sysexit', 'sysexitq', 'invlpga', 'ins', 'insw', 'insd', 'outs', 'outsw', 'outsd', 'wbnoinvd', 'xsaves', 'xsaves64', 'xrstors', 'xrstors64', 'clac', 'stac', 'rsm']);

/** Highlighting class of a mnemonic; `mov` with a control or debug register operand is privileged. */
export function mnemonicClass(mnemonic: string, operandText = ''): MnemonicInfo['class'] {
  const info = lookupMnemonic(mnemonic, operandText);
  if (info !== undefined) return info.class;
  return morePrivileged.has(mnemonic.toLowerCase()) ? 'privileged' : 'ordinary';
}
