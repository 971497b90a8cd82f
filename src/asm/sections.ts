// Sections of the flat image and where they go: .text at the origin, then the other
// progbits sections each at its alignment, then the nobits ones (.bss), like `nasm -f bin`.

export interface Section {
  name: string;
  align: number;
  nobits: boolean;
  size: number;
  start: number;
  bytes: Uint8Array;
}

/** Places the sections after `origin`; true if any start moved. */
export function placeSections(sections: Iterable<Section>, origin: number): boolean {
  let changed = false;
  let address = origin;
  const ordered = [...sections].sort((a, b) => Number(a.nobits) - Number(b.nobits) || (a.name === '.text' ? -1 : b.name === '.text' ? 1 : 0));
  for (const s of ordered) {
    if (s.size === 0 && s.name !== '.text') {
      if (s.start !== address) changed = true;
      s.start = address;
      continue;
    }
    const start = s.name === '.text' ? address : Math.ceil(address / s.align) * s.align;
    if (start !== s.start) changed = true;
    s.start = start;
    address = start + s.size;
  }
  return changed;
}
