// The listing, in the spirit of `nasm -l`: line, address, bytes (up to 8 a row), source.
// Built on demand from the line map (in source order) and the image.
import type { LineMapEntry } from './types';

function hex(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes) out += b.toString(16).toUpperCase().padStart(2, '0');
  return out;
}

export interface ListingInput {
  /** Emitted items in source order. */
  entries: readonly LineMapEntry[];
  image: Uint8Array;
  origin: number;
  entryFile: string;
  /** Source text of a line. */
  source(file: string, line: number): string;
}

/** Formats one row per emitted item; files other than the entry are marked with their name. */
export function formatListing(input: ListingInput): string {
  const out: string[] = [];
  for (const entry of input.entries) {
    const where = entry.file === input.entryFile ? String(entry.line + 1).padStart(6) : `${entry.file}:${entry.line + 1}`.padStart(6);
    const bytes = input.image.subarray(entry.address - input.origin, entry.address - input.origin + entry.length);
    const source = input.source(entry.file, entry.line);
    for (let i = 0; i === 0 || i < bytes.length; i += 8) {
      const chunk = hex(bytes.subarray(i, i + 8));
      const address = (entry.address + i).toString(16).toUpperCase().padStart(8, '0');
      const more = i + 8 < bytes.length ? '-' : ' ';
      out.push(`${where} ${address} ${(chunk + more).padEnd(18)} ${i === 0 ? source : ''}`.trimEnd());
    }
  }
  return out.join('\n') + (out.length > 0 ? '\n' : '');
}
