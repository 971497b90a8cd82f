/**
 * A minimal ELF64 (x86-64, little-endian) executable reader: PT_LOAD segments, the
 * entry point and the symbol table. Errors are thrown as `ImageError` with a message a
 * user can act on.
 */

export class ImageError extends Error {}

export interface LoadSegment {
  readonly physical: number;
  readonly virtual: number;
  readonly data: Uint8Array;
  /** Bytes to zero after `data` (p_memsz - p_filesz). */
  readonly zeroFill: number;
}

export interface ElfImage {
  readonly entry: number;
  readonly segments: LoadSegment[];
  readonly symbols: Map<string, number>;
}

export function isElf(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x7f && bytes[1] === 0x45 && bytes[2] === 0x4c && bytes[3] === 0x46;
}

function u64(view: DataView, offset: number): number {
  const value = view.getBigUint64(offset, true);
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new ImageError(`ELF value 0x${value.toString(16)} at offset ${offset} is out of range`);
  return Number(value);
}

export function parseElf(bytes: Uint8Array): ElfImage {
  if (bytes.length < 64) throw new ImageError('ELF file is truncated (shorter than the 64-byte header)');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes[4] !== 2) throw new ImageError('not an ELF64 file (EI_CLASS is not ELFCLASS64)');
  if (bytes[5] !== 1) throw new ImageError('not a little-endian ELF file');
  const machine = view.getUint16(18, true);
  if (machine !== 62) throw new ImageError(`ELF machine ${machine} is not x86-64 (62)`);
  const type = view.getUint16(16, true);
  if (type !== 2) throw new ImageError(`ELF type ${type} is not an executable (ET_EXEC)`);
  const entry = u64(view, 24);
  const phoff = u64(view, 32);
  const shoff = u64(view, 40);
  const phentsize = view.getUint16(54, true);
  const phnum = view.getUint16(56, true);
  const shentsize = view.getUint16(58, true);
  const shnum = view.getUint16(60, true);

  const segments: LoadSegment[] = [];
  for (let i = 0; i < phnum; i++) {
    const at = phoff + i * phentsize;
    if (at + 56 > bytes.length) throw new ImageError(`ELF program header ${i} lies outside the file`);
    if (view.getUint32(at, true) !== 1) continue; // PT_LOAD
    const offset = u64(view, at + 8);
    const virtual = u64(view, at + 16);
    const physical = u64(view, at + 24);
    const filesz = u64(view, at + 32);
    const memsz = u64(view, at + 40);
    if (offset + filesz > bytes.length) throw new ImageError(`ELF segment ${i} extends past the end of the file`);
    segments.push({ physical, virtual, data: bytes.subarray(offset, offset + filesz), zeroFill: Math.max(0, memsz - filesz) });
  }
  if (segments.length === 0) throw new ImageError('ELF file has no loadable (PT_LOAD) segments');

  const symbols = new Map<string, number>();
  for (let i = 0; i < shnum; i++) {
    const at = shoff + i * shentsize;
    if (at + 64 > bytes.length) break;
    if (view.getUint32(at + 4, true) !== 2) continue; // SHT_SYMTAB
    const symOffset = u64(view, at + 24);
    const symSize = u64(view, at + 32);
    const link = view.getUint32(at + 40, true);
    const strAt = shoff + link * shentsize;
    if (strAt + 64 > bytes.length) break;
    const strOffset = u64(view, strAt + 24);
    for (let s = symOffset; s + 24 <= symOffset + symSize && s + 24 <= bytes.length; s += 24) {
      const nameOffset = view.getUint32(s, true);
      const info = bytes[s + 4]!;
      const value = u64(view, s + 8);
      if (nameOffset === 0 || (info & 0xf) > 2) continue; // NOTYPE, OBJECT, FUNC
      let end = strOffset + nameOffset;
      while (end < bytes.length && bytes[end] !== 0) end++;
      symbols.set(new TextDecoder().decode(bytes.subarray(strOffset + nameOffset, end)), value);
    }
  }
  return { entry, segments, symbols };
}
