// Queries over the address↔line map, for breakpoints and the disassembly view.
import type { AssembleResult, LineMapEntry } from './types';

/** The emitted item containing `address`, or undefined. */
export function addressToLine(result: AssembleResult, address: number): LineMapEntry | undefined {
  const map = result.lineMap;
  let low = 0;
  let high = map.length - 1;
  while (low <= high) {
    const mid = (low + high) >> 1;
    const entry = map[mid];
    if (entry === undefined) break;
    if (address < entry.address) high = mid - 1;
    else if (address >= entry.address + Math.max(entry.length, 1)) low = mid + 1;
    else return entry;
  }
  return undefined;
}

/** Start addresses of everything emitted for 0-based `line` of `file` (several for `times`/macros). */
export function lineToAddresses(result: AssembleResult, file: string, line: number): number[] {
  const out: number[] = [];
  for (const entry of result.lineMap) if (entry.file === file && entry.line === line && entry.length > 0) out.push(entry.address);
  return out;
}
