// The `disassemble` request: guest memory decoded with iced-x86 and formatted in NASM
// syntax, each instruction with its source location when the program has a line map.
// Backwards offsets re-synchronise by trying every start in a window before the address.
import { Decoder, DecoderOptions, Formatter, FormatterSyntax, Instruction } from 'iced-x86';
import type { DebugProtocol } from '@vscode/debugprotocol';
import type { DebugMemory, MemoryReference } from './memory';
import { sourceAt, symbolize, type LoadedProgram } from './program';

const MAX_LENGTH = 15;

export interface DecodedLine {
  address: number;
  length: number;
  bytes: Uint8Array;
  text: string;
  invalid: boolean;
}

let formatter: Formatter | undefined;

function nasmFormatter(): Formatter {
  if (!formatter) {
    formatter = new Formatter(FormatterSyntax.Nasm);
    formatter.hexPrefix = '0x';
    formatter.hexSuffix = '';
    formatter.uppercaseHex = false;
    formatter.spaceAfterOperandSeparator = true;
    formatter.firstOperandCharIndex = 8;
    formatter.branchLeadingZeros = false;
  }
  return formatter;
}

/**
 * Decodes instructions starting at `start` until `count` are produced or `stopAt` is
 * reached; formats them only when `format` (formatting costs far more than decoding).
 */
export function decodeRange(memory: DebugMemory, space: MemoryReference['space'], start: number, bitness: number, count: number, stopAt = Infinity, format = true): DecodedLine[] {
  const lines: DecodedLine[] = [];
  const bytesWanted = Math.min(count * MAX_LENGTH, 1 << 16);
  const { bytes } = memory.read({ space, address: start }, bytesWanted);
  const decoder = new Decoder(bitness, bytes, DecoderOptions.None);
  const instruction = new Instruction();
  try {
    decoder.ip = BigInt.asUintN(64, BigInt(start));
    let offset = 0;
    while (lines.length < count && start + offset < stopAt) {
      if (offset >= bytes.length) {
        lines.push({ address: start + offset, length: 1, bytes: new Uint8Array(0), text: '??', invalid: true });
        offset++;
        continue;
      }
      decoder.decodeOut(instruction);
      const invalid = instruction.isInvalid || offset + instruction.length > bytes.length;
      const length = invalid ? 1 : instruction.length;
      const text = !format ? '' : invalid ? `db 0x${bytes[offset]!.toString(16).padStart(2, '0')}` : nasmFormatter().format(instruction);
      lines.push({ address: start + offset, length, bytes: bytes.subarray(offset, offset + length), text, invalid });
      offset += length;
      if (invalid && offset < bytes.length) {
        decoder.position = offset;
        decoder.ip = BigInt.asUintN(64, BigInt(start + offset));
      }
    }
  } finally {
    instruction.free();
    decoder.free();
  }
  return lines;
}

/** The `back` instructions that end exactly at `address`, found by trying each start in a window. */
function decodeBackwards(memory: DebugMemory, space: MemoryReference['space'], address: number, bitness: number, back: number): DecodedLine[] {
  const window = back * MAX_LENGTH;
  for (let skew = 0; skew < MAX_LENGTH; skew++) {
    const start = address - window + skew;
    const probe = decodeRange(memory, space, start, bitness, back * MAX_LENGTH, address, false);
    const last = probe[probe.length - 1];
    if (last && last.address + last.length === address && probe.length >= back) {
      return decodeRange(memory, space, probe[probe.length - back]!.address, bitness, back, address);
    }
  }
  // no synchronisation: show bytes one by one
  return Array.from({ length: back }, (_, i) => {
    const at = address - back + i;
    const { bytes } = memory.read({ space, address: at }, 1);
    return { address: at, length: 1, bytes, text: bytes.length ? `db 0x${bytes[0]!.toString(16).padStart(2, '0')}` : '??', invalid: true };
  });
}

export function disassemble(memory: DebugMemory, program: LoadedProgram | undefined, base: MemoryReference, bitness: number, instructionOffset: number, instructionCount: number): DebugProtocol.DisassembledInstruction[] {
  let lines: DecodedLine[];
  if (instructionOffset >= 0) {
    lines = decodeRange(memory, base.space, base.address, bitness, instructionOffset + instructionCount).slice(instructionOffset);
  } else {
    const back = Math.min(-instructionOffset, instructionCount);
    const before = decodeBackwards(memory, base.space, base.address, bitness, -instructionOffset).slice(0, back);
    const after = decodeRange(memory, base.space, base.address, bitness, instructionCount - before.length);
    lines = [...before, ...after];
  }
  return lines.slice(0, instructionCount).map((line) => toDap(line, base.space, program));
}

function toDap(line: DecodedLine, space: MemoryReference['space'], program: LoadedProgram | undefined): DebugProtocol.DisassembledInstruction {
  const result: DebugProtocol.DisassembledInstruction = {
    address: '0x' + BigInt.asUintN(64, BigInt(line.address)).toString(16),
    instructionBytes: [...line.bytes].map((b) => b.toString(16).padStart(2, '0')).join(' '),
    instruction: line.text,
  };
  if (line.invalid) result.presentationHint = 'invalid';
  if (program && space === 'gva') {
    const symbol = symbolize(program, line.address);
    if (symbol !== undefined && !symbol.includes('+')) result.symbol = symbol;
    const entry = sourceAt(program, line.address);
    if (entry && entry.address === line.address) {
      result.location = { path: entry.file, name: entry.file.split(/[\\/]/).pop() };
      result.line = entry.line;
    }
  }
  return result;
}
