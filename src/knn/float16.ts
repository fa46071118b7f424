/**
 * Converts IEEE 754 half-precision values (raw 16-bit patterns) to float32, once, into
 * `out` (a new array by default; pass one over a SharedArrayBuffer to hand the result to
 * the neighbour search without another copy). Subnormals, infinities and NaN convert
 * exactly: every float16 value is representable in float32.
 */
export function float16ToFloat32(bits: Uint16Array, out: Float32Array = new Float32Array(bits.length)): Float32Array {
  if (out.length < bits.length) throw new Error(`float16ToFloat32: output holds ${out.length} values, input has ${bits.length}`);
  for (let i = 0; i < bits.length; i++) {
    const h = bits[i] as number;
    const sign = h & 0x8000 ? -1 : 1;
    const exponent = (h >> 10) & 0x1f;
    const mantissa = h & 0x3ff;
    let value: number;
    if (exponent === 0) value = mantissa * 2 ** -24;
    else if (exponent === 0x1f) value = mantissa === 0 ? Infinity : NaN;
    else value = (1 + mantissa / 1024) * 2 ** (exponent - 15);
    out[i] = sign * value;
  }
  return out;
}
