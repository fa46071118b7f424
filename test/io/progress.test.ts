import { describe, expect, it } from 'vitest';
import { createProgress, formatDuration, progressFor } from '../../src/io/progress.js';

function clock(start = 0) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

describe('progress in a plain log (CI)', () => {
  it('prints done/total, rate and ETA at most every interval, and one final line', () => {
    const c = clock();
    const lines: string[] = [];
    const p = createProgress({ label: 'candidate', line: (l) => lines.push(l), intervalMs: 10_000, now: c.now });
    p.onProgress(0, 10_000);
    c.advance(4_000);
    p.onProgress(1_000, 10_000); // within the interval: held back
    c.advance(6_000);
    p.onProgress(2_000, 10_000); // 2,000 in 10 s = 200/s; 8,000 left = 40 s
    c.advance(30_000);
    p.onProgress(10_000, 10_000);
    p.onProgress(10_000, 10_000);
    p.finish();
    expect(lines).toEqual([
      'candidate: 0/10,000 (0.0%), –/s, ETA ?',
      'candidate: 2,000/10,000 (20.0%), 200/s, ETA 40s',
      'candidate: 10,000/10,000 (100.0%), 250/s, done in 40s',
    ]);
  });

  it('prints the last state on finish when it was held back (an interrupted run)', () => {
    const c = clock();
    const lines: string[] = [];
    const p = createProgress({ label: 'x', line: (l) => lines.push(l), intervalMs: 60_000, now: c.now });
    p.onProgress(0, 100);
    c.advance(2_000);
    p.onProgress(5, 100);
    p.finish();
    expect(lines).toEqual(['x: 0/100 (0.0%), –/s, ETA ?', 'x: 5/100 (5.0%), 2.5/s, ETA 38s']);
  });
});

describe('progress on a terminal', () => {
  it('redraws one bar in place and ends its line', () => {
    const c = clock();
    const out: string[] = [];
    const stream = { isTTY: true, columns: 100, write: (s: string) => out.push(s) };
    const p = createProgress({ label: 'production', stream, now: c.now });
    p.onProgress(0, 4);
    c.advance(50);
    p.onProgress(1, 4); // within 100 ms: not drawn
    c.advance(950);
    p.onProgress(2, 4);
    c.advance(1_000);
    p.onProgress(4, 4);
    p.finish();
    expect(out).toHaveLength(4);
    expect(out.every((s, i) => i === 3 || (s.startsWith('\r[') && s.endsWith('\x1b[K')))).toBe(true);
    expect(out[1]).toMatch(/^\r\[#{15}\.{15}\] production: 2\/4 \(50\.0%\), 2\.0\/s, ETA 1s/);
    expect(out[2]).toMatch(/^\r\[#{30}\] production: 4\/4 \(100\.0%\), 2\.0\/s, done in 2s/);
    expect(out[3]).toBe('\n');
  });
});

describe('formatDuration', () => {
  it('formats seconds, minutes and hours', () => {
    expect(formatDuration(45.4)).toBe('45s');
    expect(formatDuration(185)).toBe('3m 05s');
    expect(formatDuration(7620)).toBe('2h 07m');
    expect(formatDuration(Infinity)).toBe('?');
  });
});

describe('progressFor', () => {
  it('writes lines when the stream is not a terminal, a bar when it is', () => {
    const lines: string[] = [];
    const written: string[] = [];
    const plain = progressFor('p', (l) => lines.push(l), { isTTY: false, write: (s: string) => written.push(s) });
    plain.onProgress(1, 1);
    expect(lines).toHaveLength(1);
    expect(written).toEqual([]);
    const bar = progressFor('p', (l) => lines.push(l), { isTTY: true, columns: 80, write: (s: string) => written.push(s) });
    bar.onProgress(1, 1);
    bar.finish();
    expect(lines).toHaveLength(1);
    expect(written).toHaveLength(2);
  });
});
