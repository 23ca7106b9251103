/**
 * IEEE half (F16) and bfloat16 (BF16) <-> float32 conversion by hand: TF.js has no half dtype and
 * Node has no Float16Array in the versions we support. Exact for every bit pattern: subnormals,
 * signed zeros, infinities and NaN.
 */

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

let halfTable: Float32Array | null = null;

/** One half bit pattern -> its float value. */
export function halfBitsToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24; // zero and subnormals: no implicit leading 1
  if (exp === 0x1f) return mant ? NaN : sign * Infinity;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

/** All 65536 half values, built once (256 KB): a lookup is much faster than decoding per element. */
function table(): Float32Array {
  if (!halfTable) {
    halfTable = new Float32Array(65536);
    for (let h = 0; h < 65536; h++) halfTable[h] = halfBitsToFloat(h);
  }
  return halfTable;
}

/** Little-endian F16 samples -> Float32Array. */
export function f16ToF32(bits: Uint16Array): Float32Array {
  const t = table();
  const out = new Float32Array(bits.length);
  for (let i = 0; i < bits.length; i++) out[i] = t[bits[i]];
  return out;
}

/** BF16 is the top half of a float32, so widening is a shift: exact for every pattern. */
export function bf16ToF32(bits: Uint16Array): Float32Array {
  const out = new Uint32Array(bits.length);
  for (let i = 0; i < bits.length; i++) out[i] = bits[i] << 16;
  return new Float32Array(out.buffer);
}

/** A float -> the nearest half bit pattern (round to nearest, ties to even; overflow -> inf). */
export function floatToHalfBits(value: number): number {
  f32[0] = value;
  const x = u32[0];
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 | (mant >>> 13) : 0);
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign; // below half the smallest subnormal: rounds to zero
    mant |= 0x800000;
    const shift = 14 - e;
    return sign | roundShift(mant, shift);
  }
  // A carry out of the mantissa correctly bumps the exponent (and 65520+ becomes inf).
  return sign | (((e << 10) | (mant >>> 13)) + roundBit(mant, 13, mant >>> 13));
}

function roundShift(mant: number, shift: number): number {
  const kept = mant >>> shift;
  return kept + roundBit(mant, shift, kept);
}

/** 1 when the bits shifted out round the kept value up (ties to even). */
function roundBit(mant: number, shift: number, kept: number): number {
  const rem = mant & ((1 << shift) - 1);
  const half = 1 << (shift - 1);
  return rem > half || (rem === half && (kept & 1) === 1) ? 1 : 0;
}

/** Float32Array -> F16 bit patterns. */
export function f32ToF16(values: Float32Array): Uint16Array {
  const out = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = floatToHalfBits(values[i]);
  return out;
}
