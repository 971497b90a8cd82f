// NASM integer literals: 0x1f 1fh $0f 0h1f | 0b101 101b 0y1 | 0o17 17q 17o 0q17 | 42 0d42 42d, with `_`.

const forms: [RegExp, number][] = [
  [/^0[xh]([0-9a-f_]+)$/i, 16], [/^\$([0-9][0-9a-f_]*)$/i, 16], [/^([0-9][0-9a-f_]*)h$/i, 16],
  [/^0[by]([01_]+)$/i, 2], [/^([01][01_]*)[by]$/i, 2],
  [/^0[oq]([0-7_]+)$/i, 8], [/^([0-7][0-7_]*)[oq]$/i, 8],
  [/^0[dt]([0-9_]+)$/i, 10], [/^([0-9][0-9_]*)[dt]?$/i, 10],
];
const prefix: Record<number, string> = { 16: '0x', 2: '0b', 8: '0o', 10: '' };

/** The value of a NASM number literal, or undefined if `text` is not one. */
export function parseNasmNumber(text: string): bigint | undefined {
  for (const [pattern, base] of forms) {
    const digits = pattern.exec(text)?.[1]?.replace(/_/g, '');
    if (digits === undefined || digits === '') continue;
    try {
      return base === 10 ? BigInt(digits) : BigInt(prefix[base] + digits);
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/** `0x1F = 31 = 0b1_1111`, with binary digits grouped by four. */
export function describeNumber(value: bigint): { hex: string; decimal: string; binary: string } {
  const negative = value < 0n;
  const magnitude = negative ? -value : value;
  const sign = negative ? '-' : '';
  const binary = magnitude.toString(2).replace(/\B(?=(?:[01]{4})+$)/g, '_');
  return { hex: `${sign}0x${magnitude.toString(16).toUpperCase()}`, decimal: value.toString(), binary: `${sign}0b${binary}` };
}
