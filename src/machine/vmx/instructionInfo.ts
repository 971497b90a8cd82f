/**
 * Exit information for VMX instructions executed in non-root operation (SDM 27.2.5,
 * Table "Format of the VM-Exit Instruction-Information Field as Used for VMCLEAR,
 * VMPTRLD, VMPTRST, VMXON, XRSTORS, XSAVES" and the VMREAD/VMWRITE and INVEPT/INVVPID
 * variants — from the SDM, not covered by the fact sheet):
 *
 *   1:0 scaling | 6:3 reg1 (VMREAD/VMWRITE register operand) | 9:7 address size (0 16, 1 32, 2 64)
 *   10 register operand | 17:15 segment | 21:18 index | 22 index invalid | 26:23 base | 27 base invalid | 31:28 reg2
 *
 * The exit qualification is the memory operand's displacement sign-extended to 64 bits, or
 * for RIP-relative addressing the displacement plus the next instruction's RIP (SDM 27.2.1).
 */
import { OperandKind, type Decoded, type MemoryRef } from '../cpu/decoded';
import { Seg } from '../cpu/registers';
import type { ExitInfo } from './vmExit';

const RSP = 4;
const RBP = 5;

const SCALE_BITS: Readonly<Record<number, number>> = { 1: 0, 2: 1, 4: 2, 8: 3 };

/**
 * The segment an access uses: in 64-bit mode ES/CS/SS/DS override prefixes are ignored
 * (SDM Vol. 1 3.3.7.1), leaving the default — SS for an RSP/RBP base, DS otherwise.
 */
function effectiveSegment(memory: MemoryRef, bitness: number): number {
  if (bitness !== 64 || memory.segment >= Seg.FS) return memory.segment;
  const base = memory.base?.index;
  return base === RSP || base === RBP ? Seg.SS : Seg.DS;
}

/** Bits 1:0, 9:7, 17:15, 22:18, 27:23 for a memory operand (shared by every instruction-information format). */
function memoryInfo(memory: MemoryRef, bitness: number): number {
  let info = SCALE_BITS[memory.scale] ?? 0;
  info |= (memory.addressSize === 8 ? 2 : memory.addressSize === 4 ? 1 : 0) << 7;
  info |= (effectiveSegment(memory, bitness) & 7) << 15;
  info |= memory.index ? memory.index.index << 18 : 1 << 22;
  info |= memory.base ? memory.base.index << 23 : 1 << 27;
  return info;
}

/**
 * The exit qualification of a memory operand (SDM 27.2.1): its displacement sign-extended
 * to 64 bits (also with a 32- or 16-bit address size, whose displacement the decoder keeps
 * zero-extended), or for RIP-relative addressing the displacement plus `nextRip`.
 */
function displacement(memory: MemoryRef, nextRip: number): bigint {
  const raw = (BigInt(memory.dispHi) << 32n) | BigInt(memory.dispLo >>> 0);
  if (memory.ripRelative) {
    const address = BigInt.asIntN(64, raw) + BigInt(nextRip);
    return memory.addressSize === 4 ? BigInt.asUintN(32, address) : BigInt.asUintN(64, address);
  }
  const bits = memory.addressSize === 2 ? 16 : memory.addressSize === 4 ? 32 : 64;
  return BigInt.asUintN(64, BigInt.asIntN(bits, raw));
}

/**
 * LGDT/LIDT/SGDT/SIDT (SDM Table 27-10) and LLDT/LTR/SLDT/STR (Table 27-11): identity in
 * 29:28; a memory operand as above with its displacement as qualification; a register
 * operand (LDTR/TR forms) sets bit 10 and its GPR in 6:3. Bit 11 (operand size) is
 * reported as 0 (undefined from 64-bit mode; 16-bit otherwise is not tracked).
 */
export function descriptorTableExit(d: Decoded | undefined, reason: number, identity: number, length: number, nextRip: number): ExitInfo {
  let info = identity << 28;
  let qualification = 0n;
  const operand = d?.operands[0];
  if (d && operand?.kind === OperandKind.Memory && operand.mem) {
    info |= memoryInfo(operand.mem, d.bitness);
    qualification = displacement(operand.mem, nextRip);
  } else if (operand?.kind === OperandKind.Register && operand.reg) {
    info |= (1 << 10) | (operand.reg.index << 3);
  }
  return { reason, qualification, instructionLength: length, instructionInfo: info >>> 0 };
}

/** `nextRip`: the RIP of the next instruction (RIP-relative qualifications). */
export function vmxInstructionExit(d: Decoded, reason: number, nextRip: number): ExitInfo {
  let info = 0;
  let qualification = 0n;
  const memory = d.operands.find((op) => op.kind === OperandKind.Memory)?.mem;
  const registers = d.operands.filter((op) => op.kind === OperandKind.Register);
  if (memory) {
    info |= memoryInfo(memory, d.bitness);
    qualification = displacement(memory, nextRip);
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
