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

/**
 * An int32 that orders float32 values as the values do (-0 just below +0), so a shared
 * Int32Array can hold float32 bounds that Atomics update.
 */
export function orderedKey(x: number): number {
  float32Bits[0] = x;
  const bits = float32BitsAsInt[0] as number;
  return bits >= 0 ? bits : bits ^ 0x7fffffff;
}

/** The float32 value of an `orderedKey`. */
export function fromOrderedKey(key: number): number {
  float32BitsAsInt[0] = key >= 0 ? key : key ^ 0x7fffffff;
  return float32Bits[0] as number;
}

/** The key of -Infinity: the starting value of a shared bound. */
export const MINUS_INFINITY_KEY = orderedKey(-Infinity);

/**
 * Raises `bounds[i]` to at least `x` (a float32 value), atomically, so that threads
 * publishing at the same time never lower it.
 */
export function raiseShared(bounds: Int32Array, i: number, x: number): void {
  const key = orderedKey(x);
  let current = Atomics.load(bounds, i);
  while (key > current) {
    const seen = Atomics.compareExchange(bounds, i, current, key);
    if (seen === current) return;
    current = seen;
  }
}
