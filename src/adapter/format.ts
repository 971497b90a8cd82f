// Number formatting shared by the adapter: hex strings of 64-bit values and addresses.

/** `0x` + lowercase hex of the unsigned 64-bit value. */
export function hex64(value: bigint | number): string {
  return '0x' + BigInt.asUintN(64, BigInt(value)).toString(16);
}

/** `0x` + hex padded to `digits`. */
export function hexPadded(value: bigint | number, digits: number): string {
  return '0x' + BigInt.asUintN(64, BigInt(value)).toString(16).padStart(digits, '0');
}

/** A signed-canonical linear address as 16 hex digits (how addresses appear in views). */
export function hexAddress(linear: number): string {
  return hexPadded(linear, 16);
}

/**
 * Parses an integer the way users type it in the debug console and launch.json:
 * `0x1f`, `0b101`, `0o17`, `123`, `1_000`, optional leading `-`. Undefined if malformed.
 */
export function parseInteger(text: string): bigint | undefined {
  const trimmed = text.trim().replace(/_/g, '');
  const match = /^(-)?(0x[0-9a-f]+|0b[01]+|0o[0-7]+|[0-9]+|[0-9][0-9a-f]*h)$/i.exec(trimmed);
  if (!match) return undefined;
  let body = match[2]!;
  if (/h$/i.test(body) && !/^0x/i.test(body)) body = '0x' + body.slice(0, -1);
  const value = BigInt(body);
  return match[1] ? -value : value;
}
