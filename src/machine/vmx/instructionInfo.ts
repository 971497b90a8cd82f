/**
 * Exit information for VMX instructions executed in non-root operation (SDM 27.2.5,
 * Table "Format of the VM-Exit Instruction-Information Field as Used for VMCLEAR,
 * VMPTRLD, VMPTRST, VMXON, XRSTORS, XSAVES" and the VMREAD/VMWRITE and INVEPT/INVVPID
 * variants — from the SDM, not covered by the fact sheet):
 *
 *   1:0 scaling | 6:3 reg1 (VMREAD/VMWRITE register operand) | 9:7 address size (0 16, 1 32, 2 64)
 *   10 register operand | 17:15 segment | 21:18 index | 22 index invalid | 26:23 base | 27 base invalid | 31:28 reg2
 *
 * The exit qualification is the memory operand's displacement (fact sheet §4.6).
 */
import { OperandKind, type Decoded, type MemoryRef } from '../cpu/decoded';
import type { ExitInfo } from './vmExit';

const SCALE_BITS: Readonly<Record<number, number>> = { 1: 0, 2: 1, 4: 2, 8: 3 };

/** Bits 1:0, 9:7, 17:15, 22:18, 27:23 for a memory operand (shared by every instruction-information format). */
function memoryInfo(memory: MemoryRef): number {
  let info = SCALE_BITS[memory.scale] ?? 0;
  info |= (memory.addressSize === 8 ? 2 : memory.addressSize === 4 ? 1 : 0) << 7;
  info |= (memory.segment & 7) << 15;
  info |= memory.index ? memory.index.index << 18 : 1 << 22;
  info |= memory.base ? memory.base.index << 23 : 1 << 27;
  return info;
}

/** The displacement of a memory operand as the exit qualification (fact sheet §4.6). */
function displacement(memory: MemoryRef): bigint {
  return BigInt.asUintN(64, (BigInt(memory.dispHi) << 32n) | BigInt(memory.dispLo >>> 0));
}

/**
 * LGDT/LIDT/SGDT/SIDT (SDM Table 27-10) and LLDT/LTR/SLDT/STR (Table 27-11): identity in
 * 29:28; a memory operand as above with its displacement as qualification; a register
 * operand (LDTR/TR forms) sets bit 10 and its GPR in 6:3. Bit 11 (operand size) is
 * reported as 0 (undefined from 64-bit mode; 16-bit otherwise is not tracked).
 */
export function descriptorTableExit(d: Decoded | undefined, reason: number, identity: number, length: number): ExitInfo {
  let info = identity << 28;
  let qualification = 0n;
  const operand = d?.operands[0];
  if (operand?.kind === OperandKind.Memory && operand.mem) {
    info |= memoryInfo(operand.mem);
    qualification = displacement(operand.mem);
  } else if (operand?.kind === OperandKind.Register && operand.reg) {
    info |= (1 << 10) | (operand.reg.index << 3);
  }
  return { reason, qualification, instructionLength: length, instructionInfo: info >>> 0 };
}

export function vmxInstructionExit(d: Decoded, reason: number): ExitInfo {
  let info = 0;
  let qualification = 0n;
  const memory = d.operands.find((op) => op.kind === OperandKind.Memory)?.mem;
  const registers = d.operands.filter((op) => op.kind === OperandKind.Register);
  if (memory) {
    info |= memoryInfo(memory);
    qualification = displacement(memory);
  } else if (registers.length === 2) {
    info |= 1 << 10;
  }
  // reg1: the r/m register operand of VMREAD/VMWRITE; reg2: the other register operand.
  const [first, second] = d.operands;
  if (registers.length === 2 && first?.reg && second?.reg) {
    const rm = d.text.startsWith('vmread') ? first : second;
    const other = rm === first ? second : first;
    info |= (rm.reg!.index << 3) | (other.reg!.index << 28);
  } else if (registers.length === 1) info |= registers[0]!.reg!.index << 28;
  return { reason, qualification, instructionLength: d.length, instructionInfo: info >>> 0 };
}
