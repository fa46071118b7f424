import { describe, expect, it } from 'vitest';
import { float16ToFloat32 } from '../../src/knn/float16.js';

describe('float16ToFloat32', () => {
  it('converts normal, subnormal and special values exactly', () => {
    // Bit patterns decoded by hand from the IEEE 754 binary16 layout (1 sign, 5 exponent, 10 mantissa bits):
    // 0x3c00 = 1; 0xc000 = -2; 0x7bff = (1 + 1023/1024) · 2^15 = 65504 (largest);
    // 0x3555 = (1 + 341/1024) · 2^-2 = 0.333251953125; 0x0001 = 2^-24 (smallest subnormal);
    // 0x0400 = 2^-14 (smallest normal); 0x8000 = -0; 0x7c00 = +inf; 0xfc00 = -inf.
    const bits = Uint16Array.of(0x3c00, 0xc000, 0x7bff, 0x3555, 0x0001, 0x0400, 0x8000, 0x7c00, 0xfc00, 0x7e00);
    const out = float16ToFloat32(bits);
    expect([...out.subarray(0, 9)]).toEqual([1, -2, 65504, 0.333251953125, 2 ** -24, 2 ** -14, -0, Infinity, -Infinity]);
    expect(Object.is(out[6], -0)).toBe(true);
    expect(out[9]).toBeNaN();
  });

  it('writes into a given array and refuses one too short', () => {
    const target = new Float32Array(new SharedArrayBuffer(8));
    expect(float16ToFloat32(Uint16Array.of(0x4000, 0x3800), target)).toBe(target);
    expect([...target]).toEqual([2, 0.5]);
    expect(() => float16ToFloat32(Uint16Array.of(1, 2, 3), target)).toThrow(/holds 2 values, input has 3/);
  });
});
