// Encoding by patching values into bytes iced produced before: iced reports where the
// displacement and the immediate sit (ConstantOffsets), and those fields are all that
// differs between two instructions of the same shape (form, registers, displacement size
// class, prefixes). Templates are shared by shape across lines and assemblies, so iced
// encodes each shape once. Instructions with two immediates, 16-bit addressing or a
// displacement we cannot recompute are always encoded by iced.
import { type Instruction, type OpCodeOperandKind, Register } from 'iced-x86';
import { createInstruction, encodeInstructionWithOffsets, type Prefixes } from './build';
import type { ResolvedMem, ResolvedOperand } from './operandMatch';
import { child, type TrieNode, trieRoot } from './intTrie';

export interface EncodingTemplate {
  bytes: Uint8Array;
  displacementOffset: number;
  displacementSize: number;
  immediateOffset: number;
  immediateSize: number;
}

/** Templates by shape (shapeKey); bounded, cleared when full (the shapes in use come back after one encode each). */
let shared = trieRoot<EncodingTemplate>();
let sharedCount = 0;
const MAX_SHARED = 50_000;

/** Size class of a displacement as iced decides it: 1 RIP-relative, 2 absolute address, 3 label, 4 none, 5 8-bit, 6 full. */
function displacementClass(op: ResolvedMem): number {
  if (op.ripRelative) return 1;
  if (op.src.base === undefined && op.src.index === undefined) return 2;
  if (op.dispReloc !== 0) return 3;
  const value = (op.src.base?.size ?? op.src.index?.size) === 4 ? BigInt.asIntN(32, op.disp) : op.disp;
  return value === 0n ? 4 : value >= -128n && value <= 127n ? 5 : 6;
}

const SCALE_CODES: Readonly<Record<number, number>> = { 1: 0, 2: 1, 4: 2, 8: 3 };

/** A memory operand's registers as a small number (low 2 bits 3): base, index, scale. */
function memoryRegisters(op: ResolvedMem): number {
  const m = op.src;
  const scale = m.index === undefined ? 0 : (SCALE_CODES[m.scale] ?? 0);
  return (((m.base?.reg ?? 0) * 256 + (m.index?.reg ?? 0)) * 4 + scale) * 4 + 3;
}

/** The rest of a memory operand's shape: segment, address size (0-64), displacement class. */
function memoryRest(op: ResolvedMem): number {
  const m = op.src;
  const segment = m.segment === undefined ? 0 : m.segment.reg - Register.ES + 1;
  return (segment * 128 + m.addressSize) * 8 + displacementClass(op);
}

/** Everything but the values that the bytes depend on; undefined when templates do not apply (16-bit addressing). */
function shapeKey(code: number, operands: readonly ResolvedOperand[], bitness: number, prefixes: Prefixes): TrieNode<EncodingTemplate> | undefined {
  const prefixBits = (prefixes.lock ? 4 : 0) + (prefixes.rep ? 2 : 0) + (prefixes.repne ? 1 : 0);
  let node = child(shared, (code * 4 + (bitness === 64 ? 2 : bitness === 32 ? 1 : 0)) * 8 + prefixBits);
  for (const op of operands) {
    if (op.kind === 'reg') node = child(node, op.info.reg * 4 + 1);
    else if (op.kind === 'imm') node = child(node, 2);
    else {
      if ((op.src.base?.size ?? op.src.index?.size) === 2) return undefined;
      node = child(child(node, memoryRegisters(op)), memoryRest(op));
    }
  }
  return node;
}

/**
 * Bytes of form `code` with `operands` (in iced's order) at `ip`: patched into the template
 * of an equal shape when there is one, else encoded by iced (which makes the template).
 */
export function encodeForm(code: number, kinds: readonly OpCodeOperandKind[], operands: readonly ResolvedOperand[], bitness: number, ip: number, prefixes: Prefixes): { bytes: Uint8Array; template?: EncodingTemplate } {
  const shape = shapeKey(code, operands, bitness, prefixes);
  const known = shape?.value;
  if (known !== undefined) {
    const bytes = patchTemplate(known, operands, ip);
    if (bytes !== undefined) return { bytes, template: known };
  }
  const encoded = encodeTemplate(createInstruction(code, [...operands], kinds, bitness), bitness, BigInt(ip), prefixes, operands);
  if (shape !== undefined && encoded.template !== undefined) {
    if (sharedCount >= MAX_SHARED) {
      shared = trieRoot();
      sharedCount = 0;
    } else {
      shape.value = encoded.template;
      sharedCount++;
    }
  }
  return encoded;
}

/** Encodes `instruction` (freeing it) and returns its bytes with a template, if one applies. */
function encodeTemplate(instruction: Instruction, bitness: number, ip: bigint, prefixes: Prefixes, operands: readonly ResolvedOperand[]): { bytes: Uint8Array; template?: EncodingTemplate } {
  const { bytes, offsets } = encodeInstructionWithOffsets(instruction, bitness, ip, prefixes);
  const memory = operands.filter((op) => op.kind === 'mem');
  const immediates = operands.filter((op) => op.kind === 'imm');
  const rip = memory[0]?.kind === 'mem' && memory[0].ripRelative;
  const eip = memory[0]?.kind === 'mem' && memory[0].src.base?.reg === Register.EIP;
  const usable =
    offsets.immediateSize2 === 0 &&
    memory.length <= 1 &&
    immediates.length <= 1 &&
    (offsets.displacementSize === 0 || memory.length === 1) &&
    (offsets.immediateSize === 0 || immediates.length === 1) &&
    !eip &&
    (!rip || offsets.displacementSize === 4);
  if (!usable) return { bytes };
  return { bytes, template: { bytes, displacementOffset: offsets.displacementOffset, displacementSize: offsets.displacementSize, immediateOffset: offsets.immediateOffset, immediateSize: offsets.immediateSize } };
}

function write(bytes: Uint8Array, offset: number, size: number, value: bigint): void {
  if (size <= 4) {
    let low = Number(BigInt.asIntN(32, value));
    for (let i = 0; i < size; i++, low >>= 8) bytes[offset + i] = low & 0xff;
    return;
  }
  let v = BigInt.asUintN(64, value);
  for (let i = 0; i < size; i++, v >>= 8n) bytes[offset + i] = Number(v & 0xffn);
}

/** The template's bytes with this line's values, or undefined when iced must decide (RIP target out of range). */
export function patchTemplate(template: EncodingTemplate, operands: readonly ResolvedOperand[], ip: number): Uint8Array | undefined {
  const bytes = template.bytes.slice();
  for (const op of operands) {
    if (op.kind === 'imm' && template.immediateSize > 0) write(bytes, template.immediateOffset, template.immediateSize, op.value);
    if (op.kind !== 'mem' || template.displacementSize === 0) continue;
    let displacement = op.disp;
    if (op.ripRelative) {
      displacement = op.disp - BigInt(ip + bytes.length);
      if (displacement < -0x80000000n || displacement > 0x7fffffffn) return undefined;
    }
    write(bytes, template.displacementOffset, template.displacementSize, displacement);
  }
  return bytes;
}
