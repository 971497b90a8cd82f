// The listing, in the spirit of `nasm -l`: line, address, bytes (up to 8 a row), source.
import type { ListingRow } from './layout';

function hex(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes) out += b.toString(16).toUpperCase().padStart(2, '0');
  return out;
}

/** Formats rows; files other than the entry are marked with their name. */
export function formatListing(rows: ListingRow[], entry: string): string {
  const out: string[] = [];
  for (const row of rows) {
    const where = row.file === entry ? String(row.line + 1).padStart(6) : `${row.file}:${row.line + 1}`.padStart(6);
    for (let i = 0; i === 0 || i < row.bytes.length; i += 8) {
      const chunk = hex(row.bytes.subarray(i, i + 8));
      const address = (row.address + i).toString(16).toUpperCase().padStart(8, '0');
      const more = i + 8 < row.bytes.length ? '-' : ' ';
      out.push(`${where} ${address} ${(chunk + more).padEnd(18)} ${i === 0 ? row.source : ''}`.trimEnd());
    }
  }
  return out.join('\n') + (out.length > 0 ? '\n' : '');
}
