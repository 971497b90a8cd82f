// Encoding by patching values into bytes iced produced before: iced reports where the
// displacement and the immediate sit (ConstantOffsets), and those fields are all that
// differs between two instructions of the same shape (form, registers, displacement size
// class, prefixes). Templates are shared by shape across lines and assemblies, so iced
// encodes each shape once. Instructions with two immediates, 16-bit addressing or a
// displacement we cannot recompute are always encoded by iced.
import { type Instruction, type OpCodeOperandKind, Register } from 'iced-x86';
import { createInstruction, encodeInstructionWithOffsets, type Prefixes } from './build';
import type { ResolvedMem, ResolvedOperand } from './operandMatch';

export interface EncodingTemplate {
  bytes: Uint8Array;
  displacementOffset: number;
  displacementSize: number;
  immediateOffset: number;
  immediateSize: number;
}

/** Shape → template; bounded, cleared when full (the shapes in use come back after one encode each). */
const shared = new Map<string, EncodingTemplate>();
const MAX_SHARED = 50_000;

/** Size class of a displacement as iced decides it: none, 8-bit or full. */
function displacementClass(op: ResolvedMem): string {
  if (op.ripRelative) return 'R';
  if (op.src.base === undefined && op.src.index === undefined) return 'A';
  if (op.dispReloc !== 0) return 'L';
  const value = (op.src.base?.size ?? op.src.index?.size) === 4 ? BigInt.asIntN(32, op.disp) : op.disp;
  return value === 0n ? 'z' : value >= -128n && value <= 127n ? 'b' : 'd';
}

/** Everything but the values that the bytes depend on; undefined when templates do not apply. */
function shapeKey(code: number, operands: readonly ResolvedOperand[], bitness: number, prefixes: Prefixes): string | undefined {
  let key = `${code}:${bitness}:${Number(prefixes.lock)}${Number(prefixes.rep)}${Number(prefixes.repne)}`;
  for (const op of operands) {
    if (op.kind === 'reg') key += `,r${op.info.reg}`;
    else if (op.kind === 'imm') key += ',i';
    else {
      const m = op.src;
      if ((m.base?.size ?? m.index?.size) === 2) return undefined;
      key += `,m${m.base?.reg ?? ''}.${m.index?.reg ?? ''}.${m.index === undefined ? 1 : m.scale}.${m.segment?.reg ?? ''}.${m.addressSize}.${displacementClass(op)}`;
    }
  }
  return key;
}

/**
 * Bytes of form `code` with `operands` (in iced's order) at `ip`: patched into the template
 * of an equal shape when there is one, else encoded by iced (which makes the template).
 */
export function encodeForm(code: number, kinds: readonly OpCodeOperandKind[], operands: readonly ResolvedOperand[], bitness: number, ip: number, prefixes: Prefixes): { bytes: Uint8Array; template?: EncodingTemplate } {
  const shape = shapeKey(code, operands, bitness, prefixes);
  const known = shape === undefined ? undefined : shared.get(shape);
  if (known !== undefined) {
    const bytes = patchTemplate(known, operands, ip);
    if (bytes !== undefined) return { bytes, template: known };
  }
  const encoded = encodeTemplate(createInstruction(code, [...operands], kinds, bitness), bitness, BigInt(ip), prefixes, operands);
  if (shape !== undefined && encoded.template !== undefined) {
    if (shared.size >= MAX_SHARED) shared.clear();
    shared.set(shape, encoded.template);
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
