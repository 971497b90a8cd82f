/**
 * Exact 32×32→64 and 64×64→128 multiplication on unsigned 32-bit halves, without
 * BigInt (imul is common in guest loops). Results land in `PRODUCT` (little-endian
 * 32-bit words).
 */

const TWO16 = 65536;
const TWO32 = 4294967296;

/** Words of the last product: [0] lowest … [3] highest (64-bit products use [0], [1]). */
export const PRODUCT = new Uint32Array(4);

/** Unsigned 32×32 → 64 into PRODUCT[0..1]. */
export function umul32(a: number, b: number): void {
  // a·b = aH·b·2^16 + aL·b with both partial products < 2^48 (exact in a double)
  const t = (a >>> 16) * (b >>> 0) + Math.floor(((a & 0xffff) * (b >>> 0)) / TWO16);
  PRODUCT[0] = Math.imul(a, b);
  PRODUCT[1] = Math.floor(t / TWO16);
}

/** Signed 32×32 → 64 into PRODUCT[0..1] (operands as unsigned 32-bit patterns). */
export function smul32(a: number, b: number): void {
  umul32(a, b);
  let hi = PRODUCT[1]!;
  if (a >>> 31) hi -= b >>> 0;
  if (b >>> 31) hi -= a >>> 0;
  PRODUCT[1] = hi >>> 0;
}

/** Unsigned 64×64 → 128 into PRODUCT[0..3]. */
export function umul64(aLo: number, aHi: number, bLo: number, bHi: number): void {
  umul32(aLo, bLo);
  const w0 = PRODUCT[0]!;
  const h0 = PRODUCT[1]!;
  umul32(aLo, bHi);
  const l1 = PRODUCT[0]!;
  const h1 = PRODUCT[1]!;
  umul32(aHi, bLo);
  const l2 = PRODUCT[0]!;
  const h2 = PRODUCT[1]!;
  umul32(aHi, bHi);
  const l3 = PRODUCT[0]!;
  const h3 = PRODUCT[1]!;
  const s1 = h0 + l1 + l2;
  const s2 = h1 + h2 + l3 + Math.floor(s1 / TWO32);
  PRODUCT[0] = w0;
  PRODUCT[1] = s1 % TWO32;
  PRODUCT[2] = s2 % TWO32;
  PRODUCT[3] = (h3 + Math.floor(s2 / TWO32)) % TWO32;
}

/** Signed 64×64 → 128 into PRODUCT[0..3]. */
export function smul64(aLo: number, aHi: number, bLo: number, bHi: number): void {
  umul64(aLo, aHi, bLo, bHi);
  let lo = PRODUCT[2]!;
  let hi = PRODUCT[3]!;
  // (a - 2^64·[a<0]) (b - 2^64·[b<0]) ≡ a·b - 2^64·(b·[a<0] + a·[b<0])  (mod 2^128)
  if (aHi >>> 31) {
    const d = lo - (bLo >>> 0);
    hi = hi - (bHi >>> 0) - (d < 0 ? 1 : 0);
    lo = d >>> 0;
  }
  if (bHi >>> 31) {
    const d = lo - (aLo >>> 0);
    hi = hi - (aHi >>> 0) - (d < 0 ? 1 : 0);
    lo = d >>> 0;
  }
  PRODUCT[2] = lo >>> 0;
  PRODUCT[3] = hi >>> 0;
}
