import { mkdir, readdir, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ActionsResultsServer } from '../support/actions-results-server.js';
import { runActionBundle } from '../support/action-runner.js';
import { EmbeddingServer } from '../support/openai-server.js';
import { exampleWorkspace } from '../regression/helpers.js';

// Needs the bundle: npm run build. The production model sits behind an OpenAI-compatible
// endpoint, so its vectors are worth caching; every run starts on a fresh runner (an empty
// workspace), as hosted runners do, so only the Actions cache can carry vectors over.
const embeddings = new EmbeddingServer({ dimension: 64 });
beforeAll(() => embeddings.start());
afterAll(() => embeddings.stop());

async function run(cache: ActionsResultsServer, protocol: 'v1' | 'v2', runId: string, extra: Record<string, string> = {}, prepare?: (workspace: string) => Promise<void>) {
  const workspace = await exampleWorkspace();
  await prepare?.(workspace);
  const before = embeddings.requests.length;
  const result = await runActionBundle('embedding-regression', {
    workspace,
    env: { ...cache.env(protocol), GITHUB_RUN_ID: runId },
    inputs: {
      suite: 'suites/search/suite.yml',
      production: `openai:${embeddings.url}/v1`,
      candidate: 'file:suites/search/embeddings/candidate.jsonl',
      'results-dir': 'results',
      ...extra,
    },
  });
  expect(result.outputs.verdict, result.stdout + result.stderr).toMatch(/^(pass|marginal|fail)$/);
  return { ...result, workspace, embeddingCalls: embeddings.requests.length - before };
}

describe.each(['v2', 'v1'] as const)('embedding cache through the Actions cache service (%s)', (protocol) => {
  const base = protocol === 'v2' ? 100 : 200;
  const cache = new ActionsResultsServer();
  beforeAll(() => cache.start());
  afterEach(() => expect(cache.violations).toEqual([]));
  afterAll(() => cache.close());

  it('saves the vectors a run paid for, and the next run on a fresh runner makes no embedding calls', async () => {
    const first = await run(cache, protocol, String(base + 1));
    expect(first.embeddingCalls).toBeGreaterThan(0);
    expect(first.stdout).toContain('embedding cache: nothing to restore from the Actions cache');
    const key = `model-gates-embeddings-v1-search-regression-all-${base + 1}-1`;
    expect(first.stdout).toContain(`embedding cache: saved 438 new vectors to the Actions cache as ${key}`);
    expect(cache.entries.filter((e) => e.key === key && e.finalised)).toHaveLength(1);

    const second = await run(cache, protocol, String(base + 2));
    expect(second.stdout).toContain(`embedding cache: restored ${key} from the Actions cache`);
    expect(second.embeddingCalls).toBe(0);
    // Nothing new: nothing saved.
    expect(cache.entries.some((e) => e.key.endsWith(`-${base + 2}-1`))).toBe(false);
    // The restored folder is the saved one: one model, its segments.
    expect(await readdir(join(second.workspace, '.model-gates', 'cache', 'v1'))).toHaveLength(1);
    expect(second.outputs.verdict).toBe(first.outputs.verdict);
  });

  it('keeps each shard under its own key; a shard restores its own entry first, else the check\'s newest', async () => {
    const shard = await run(cache, protocol, String(base + 3), { shard: '2/3', 'check-id': 'sharded' });
    const key = `model-gates-embeddings-v1-sharded-2-of-3-${base + 3}-1`;
    expect(shard.stdout).toContain('embedding cache: nothing to restore');
    expect(shard.stdout).toContain(`as ${key}`);
    const again = await run(cache, protocol, String(base + 4), { shard: '2/3', 'check-id': 'sharded' });
    expect(again.stdout).toContain(`embedding cache: restored ${key} from the Actions cache`);
    expect(again.embeddingCalls).toBe(0);
    const other = await run(cache, protocol, String(base + 5), { shard: '1/3', 'check-id': 'sharded' });
    expect(other.stdout).toContain(`embedding cache: restored ${key} from the Actions cache`);
  });

  it('drops models unused for over embeddings.cacheMaxAgeDays (30) before saving', async () => {
    const stale = join('.model-gates', 'cache', 'v1', 'f'.repeat(32));
    const result = await run(cache, protocol, String(base + 7), { 'check-id': 'pruned' }, async (workspace) => {
      await mkdir(join(workspace, stale), { recursive: true });
      await writeFile(join(workspace, stale, 'key.txt'), 'openai:retired-model\n');
      await writeFile(join(workspace, stale, 'used'), '');
      const then = new Date(Date.now() - 60 * 86_400_000);
      await utimes(join(workspace, stale, 'used'), then, then);
    });
    expect(result.stdout).toContain('embedding cache: dropped 1 model(s) unused for over 30 days: openai:retired-model');
    expect(result.stdout).toContain('embedding cache: saved 438 new vectors');
    await expect(readdir(join(result.workspace, stale))).rejects.toThrow('ENOENT');
  });

  it('leaves the Actions cache alone with actions-cache: false', async () => {
    const requests = cache.requests.length;
    const off = await run(cache, protocol, String(base + 6), { 'actions-cache': 'false' });
    expect(off.embeddingCalls).toBeGreaterThan(0);
    expect(cache.requests.length).toBe(requests);
  });
});
