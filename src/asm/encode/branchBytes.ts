// Relative branches without a trip through the encoder per line: iced encodes each
// (code, mode, prefixes) once with displacement 0, and later branches copy that template
// and write their displacement into its last 1, 2 or 4 bytes (the rel8/rel16/rel32 field
// always ends the instruction). Out-of-range displacements go back to iced for its error.
import { type Code, Instruction } from 'iced-x86';
import { encodeInstruction, type Prefixes } from './build';

/** Templates by code, mode and prefixes, packed in one number. */
const templates = new Map<number, Uint8Array>();

function template(code: Code, bitness: number, length: number, prefixes: Prefixes): Uint8Array {
  const key = ((code * 4 + (bitness === 64 ? 2 : bitness === 32 ? 1 : 0)) * 2 + (prefixes.lock ? 1 : 0)) * 4 + (prefixes.rep ? 2 : 0) + (prefixes.repne ? 1 : 0);
  let bytes = templates.get(key);
  if (bytes === undefined) {
    bytes = encodeInstruction(Instruction.createBranch(code, BigInt(length)), bitness, 0n, prefixes);
    templates.set(key, bytes);
  }
  return bytes;
}

/**
 * Bytes of branch `code` at `ip` to `target`; `length` is the form's encoded length and
 * `displacementBytes` the size of its rel field.
 */
export function branchBytes(code: Code, bitness: number, ip: number, target: bigint, length: number, displacementBytes: 1 | 2 | 4, prefixes: Prefixes): Uint8Array {
  const base = template(code, bitness, length, prefixes);
  const displacement = BigInt.asIntN(bitness, target - BigInt(ip + length));
  const limit = 1n << BigInt(displacementBytes * 8 - 1);
  if (base.length !== length || displacement < -limit || displacement >= limit) {
    const wrapped = bitness === 64 ? target : BigInt.asUintN(bitness, target);
    return encodeInstruction(Instruction.createBranch(code, BigInt.asUintN(64, wrapped)), bitness, BigInt(ip), prefixes);
  }
  const bytes = base.slice();
  let value = Number(displacement);
  for (let i = length - displacementBytes; i < length; i++) {
    bytes[i] = value & 0xff;
    value >>= 8;
  }
  return bytes;
}
