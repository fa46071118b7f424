import { spawnSync } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { node24, repoRoot } from '../support/node24.js';
import { tempDir } from '../support/temp.js';

describe('neighbour search in an ncc bundle under Node 24', () => {
  let outDir = '';
  afterAll(async () => {
    if (outDir) await rm(outDir, { recursive: true, force: true });
  });

  it('runs the relaxed-SIMD kernels (int8 and float32) on worker threads and equals topKJs', async () => {
    outDir = await tempDir('knn-bundle-');
    const ncc = join(repoRoot, 'node_modules', '@vercel', 'ncc', 'dist', 'ncc', 'cli.js');
    const build = spawnSync(process.execPath, [ncc, 'build', 'test/knn/fixtures/bundle-entry.ts', '-o', outDir, '--quiet'], { cwd: repoRoot, encoding: 'utf8' });
    expect(build.status, build.stderr).toBe(0);
    const run = spawnSync(node24(), [join(outDir, 'index.js')], { encoding: 'utf8', timeout: 120_000 });
    expect(run.status, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout.trim().split('\n').at(-1) as string) as Record<string, string[]>;
    // Every pair a query keeps passed the threshold test (50 queries × k 10); a test that
    // pruned nothing would let all 50 × 4,000 pairs through.
    for (const name of ['wasm-relaxed-int8 ×2 passed', 'wasm-relaxed-simd ×2 passed']) {
      const [passed, pairs] = (report[name] ?? []).map(Number) as [number, number];
      expect(pairs, name).toBe(200_000);
      expect(passed, name).toBeGreaterThanOrEqual(500);
      expect(passed, name).toBeLessThan(pairs / 2);
      delete report[name];
    }
    expect(report).toEqual({
      'wasm-relaxed-int8 ×1': [],
      'wasm-relaxed-int8 ×2': [],
      'wasm-relaxed-int8 ×3': [],
      'wasm-relaxed-int8 ×2 blocks of 8': [],
      'wasm-relaxed-simd ×2': [],
      'wasm-relaxed-simd ×2 blocks of 8': [],
      'wasm-relaxed-int8 ×2 blocks of 8, one query chunk': [],
    });
  }, 180_000);
});
