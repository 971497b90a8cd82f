// Recognising CALL and RET-like instructions from their bytes, for stepping over calls,
// stepping out of functions and finding return addresses on the stack.

const PREFIXES = new Set([0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65, 0x66, 0x67, 0xf0, 0xf2, 0xf3]);

function opcodeStart(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length && (PREFIXES.has(bytes[i]!) || (bytes[i]! & 0xf0) === 0x40)) i++;
  return i;
}

/** CALL rel32 or CALL r/m (FF /2, FF /3). */
export function isCall(bytes: Uint8Array): boolean {
  const i = opcodeStart(bytes);
  const op = bytes[i];
  if (op === 0xe8) return true;
  const modrm = bytes[i + 1];
  return op === 0xff && modrm !== undefined && ((modrm >> 3) & 7) >= 2 && ((modrm >> 3) & 7) <= 3;
}

/** RET, RET imm16, far RET, IRET. */
export function isReturn(bytes: Uint8Array): boolean {
  const op = bytes[opcodeStart(bytes)];
  return op === 0xc3 || op === 0xc2 || op === 0xcb || op === 0xca || op === 0xcf;
}
