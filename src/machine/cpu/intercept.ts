/**
 * The seam between instruction handlers and VMX non-root operation. While a guest runs
 * under VMX, `cpu.nonRoot` is set; handlers of instructions that can cause VM exits
 * (SDM Vol. 3 26.1) call `intercept` before doing anything else, and the VMX unit throws
 * a VM exit when its controls say so (or `exitsNow`, which performs it without a throw:
 * a JavaScript throw costs microseconds). Outside non-root operation `cpu.nonRoot` is
 * undefined and handlers skip the call.
 */

import type { Decoded } from './decoded';

export const enum Intercept {
  // unconditional exits (SDM 26.1.2)
  Cpuid,
  Getsec,
  Invd,
  Xsetbv,
  /** Any VMX instruction (VMCALL, VMCLEAR, VMLAUNCH, VMPTRLD, VMPTRST, VMREAD, VMRESUME, VMWRITE, VMXOFF, VMXON, INVEPT, INVVPID, VMFUNC). */
  VmxInstruction,
  // conditional exits (SDM 26.1.3)
  Hlt,
  Invlpg,
  Invpcid,
  Mwait,
  Monitor,
  Pause,
  Rdpmc,
  Rdtsc,
  Rdtscp,
  Rdrand,
  Rdseed,
  Wbinvd,
  /** MOV to CR0/CR3/CR4/CR8. */
  MovToCr,
  /** MOV from CR3/CR8 (CR0/CR4 reads never exit; they see the read shadow). */
  MovFromCr,
  Clts,
  Lmsw,
  MovDr,
  /** IN, OUT, INS, OUTS. */
  Io,
  Rdmsr,
  Wrmsr,
  /** LGDT, LIDT, SGDT, SIDT, LLDT, LTR, SLDT, STR (descriptor-table exiting). */
  DescriptorTable,
}

export interface InterceptInfo {
  /** Instruction length in bytes (VM-exit instruction length). */
  readonly length: number;
  /** The instruction's mnemonic (iced `Mnemonic`) for VMX-instruction and descriptor-table exits. */
  readonly mnemonic?: number;
  /** Control/debug register number for MOV CR/DR. */
  readonly register?: number;
  /** General-purpose register index (0-15) for MOV CR/DR. */
  readonly gpr?: number;
  /** Value to be written (MOV to CR, LMSW source, WRMSR). */
  readonly value?: bigint;
  /** True for MOV DR to the debug register (write) or IN (I/O read direction). */
  readonly toRegister?: boolean;
  /** I/O port, access size in bytes, string and REP flags. */
  readonly port?: number;
  readonly size?: number;
  readonly string?: boolean;
  readonly rep?: boolean;
  /** IN/OUT with an immediate port operand (I/O qualification bit 6); false or absent: DX. */
  readonly immediate?: boolean;
  /** INS/OUTS: address size in bytes (2, 4, 8) and the memory operand's segment (Seg) for the instruction information. */
  readonly addressSize?: number;
  readonly segment?: number;
  /** MSR number (ECX) for RDMSR/WRMSR. */
  readonly msr?: number;
  /** Linear address (INVLPG operand, LMSW memory operand, string I/O address). */
  readonly linearAddress?: number;
  /** INVLPG of a non-canonical address: the address as formed (the exit qualification, SDM 27.2.1). */
  readonly nonCanonicalAddress?: bigint;
  /** LMSW source operand was memory. */
  readonly memoryOperand?: boolean;
  /** The decoded instruction, for exits that report its operands (descriptor-table instruction information). */
  readonly decoded?: Decoded;
}

export interface NonRootHooks {
  /** Throws a VM exit when the VM-execution controls make this instruction exit. */
  intercept(kind: Intercept, info: InterceptInfo): void;
  /**
   * The same decision without a throw (hot exits, e.g. CPUID): when the instruction
   * exits, the VM exit is performed at once — the instruction does not retire, the CPU
   * continues at the host's RIP — and the result is true: the handler must return at once,
   * having changed nothing. False: the instruction executes normally. Call it first thing.
   */
  exitsNow(kind: Intercept, info: InterceptInfo): boolean;
  /** The value a guest sees for MOV from CR0/CR4: host-owned bits come from the read shadow. */
  readControlRegister(register: 0 | 4, actual: number): number;
  /**
   * True when a REP string instruction must stop after one iteration (the "monitor trap
   * flag" control: each iteration ends on an instruction boundary with an MTF VM exit,
   * RIP still at the instruction until rCX runs out; SDM 25.5.2).
   */
  singleStringIteration?(): boolean;
  /** How NMIs and IRET interact under the pin-based controls (see cpu/nmiBlocking.ts). */
  nmiMode?(): NmiMode;
  /** IRET has just removed virtual-NMI blocking: an NMI-window exit happens now if enabled. */
  nmiWindowOpened?(): void;
}

/**
 * 'physical': "NMI exiting" 0 — NMI delivery blocks NMIs, IRET unblocks them.
 * 'exiting': "NMI exiting" 1, "virtual NMIs" 0 — IRET does not touch NMI blocking.
 * 'virtual': "virtual NMIs" 1 — injected NMIs set virtual-NMI blocking, IRET clears it.
 */
export type NmiMode = 'physical' | 'exiting' | 'virtual';
