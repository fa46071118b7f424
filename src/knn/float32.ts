/** `n` rounded up to a multiple of `m`. */
export const roundUp = (n: number, m: number): number => Math.ceil(n / m) * m;

const float32Bits = new Float32Array(1);
const float32BitsAsInt = new Int32Array(float32Bits.buffer);

/** The largest float32 that is ≤ x (x finite). */
export function float32AtMost(x: number): number {
  const f = Math.fround(x);
  if (f <= x) return f;
  // Step one unit in the last place towards -infinity.
  float32Bits[0] = f;
  const bits = float32BitsAsInt[0] as number;
  if (f > 0) float32BitsAsInt[0] = bits - 1;
  else if (f === 0) float32BitsAsInt[0] = 0x80000001 | 0;
  else float32BitsAsInt[0] = bits + 1;
  return float32Bits[0] as number;
}
