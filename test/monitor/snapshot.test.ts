import { cp, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { githubPromoteServices } from '../../src/github/promote-services.js';
import { parseInputs } from '../../src/inputs/spec.js';
import { createMonitorCommand } from '../../src/monitor/command.js';
import { compareVectors, decodeVector, encodeVector, probeVectorCount } from '../../src/monitor/probes.js';
import { createPromoteCommand } from '../../src/promote/command.js';
import { writeGateResult } from '../support/gate-fixture.js';
import { fakeSha } from '../support/github-server/index.js';
import { useGitHubServer } from '../support/github-server/vitest.js';
import { EmbeddingServer, hashedVector } from '../support/openai-server.js';
import { tempDir } from '../support/temp.js';
import { environment, MODEL, probeWorkspace, topicVector } from './helpers.js';

function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! ** 2;
    nb += b[i]! ** 2;
  }
  return dot / Math.sqrt(na * nb);
}

describe('probe vectors in the snapshot', () => {
  it('keep int8 steps of max |x| / 127: a quarter of float32, the cosine with the original within 1e-5, or 1e-3 with outlier dimensions', () => {
    const plain = Float32Array.from(hashedVector('plain', 768));
    // Embedding models often have a few outlier dimensions far above the rest; they set the step.
    const outliers = Float32Array.from(plain, (x, i) => (i % 97 === 0 ? x * 12 : x));
    for (const [values, within] of [[plain, 1e-5], [outliers, 1e-3]] as const) {
      const probe = encodeVector('p', values);
      expect(Buffer.from(probe.vector, 'base64').length).toBe(768);
      expect(cosine(decodeVector(probe), values)).toBeGreaterThan(1 - within);
      expect(encodeVector('p', values)).toEqual(probe);
    }
    // Any other vector is far away: the floor (0.99) separates the two by orders of magnitude.
    const other = Float32Array.from(hashedVector('other', 768));
    expect(cosine(decodeVector(encodeVector('p', plain)), other)).toBeLessThan(0.3);
    expect(Array.from(decodeVector(encodeVector('zero', new Float32Array(4))))).toEqual([0, 0, 0, 0]);
  });

  it('still reads the float32 vectors of snapshots of schema @1', () => {
    const values = Float32Array.from(hashedVector('old', 16));
    const old = { id: 'p', digest: encodeVector('p', values).digest, vector: Buffer.from(values.buffer).toString('base64') };
    expect(Array.from(decodeVector(old))).toEqual(Array.from(values));
    expect(compareVectors([old], [encodeVector('p', values)])).toMatchObject({ count: 1, identical: 1 });
    expect(compareVectors([old], [encodeVector('p', values)]).minCosine).toBeGreaterThan(1 - 1e-5);
  });
});

// A model of real size (768 dimensions, like the sentence-transformers models) promoted through
// the GitHub Deployments ledger of the OpenAPI-validating test server, then monitored from a
// fresh checkout that holds only the repository's files: the snapshot must travel with the ledger.
const DIMENSION = 768;
const COMMIT = fakeSha('monitored-release');
const TOKEN = 'ghs_monitor';
const REPOSITORY = 'acme/monitored';
const github = useGitHubServer({}, (server) => {
  server.addToken(TOKEN, { login: 'github-actions[bot]', permissions: { deployments: 'write', contents: 'read', issues: 'write' } });
  server.state.addRepository(REPOSITORY);
});
const weights = { name: 'v1' };
let embeddings: EmbeddingServer;
beforeAll(async () => {
  embeddings = await new EmbeddingServer({ dimension: DIMENSION, embed: (text) => topicVector(text, weights.name, DIMENSION) }).start();
});
afterAll(() => embeddings.stop());
beforeEach(() => {
  vi.stubEnv('GITHUB_API_URL', github().url);
  vi.stubEnv('MODEL_GATES_GITHUB_TIME_UNIT_MS', '1');
});
afterEach(() => vi.unstubAllEnvs());

function actionsEnvironment(workspace: string) {
  return environment(workspace, { runner: 'actions', context: { commit: COMMIT, ref: 'refs/heads/main', repository: REPOSITORY, runUrl: null, baseCommit: null, pullRequest: null, workspace } });
}

function promote(workspace: string, version: string, production: string | null) {
  return promoteFrom(workspace, version, `openai:${embeddings.url}/v1`, production);
}

async function promoteFrom(workspace: string, version: string, source: string, production: string | null = null, extra: Record<string, string> = {}) {
  await writeGateResult(workspace, `results-${version}`, { model: MODEL, version, productionVersion: production, commit: COMMIT, decision: 'pass' });
  const raw: Record<string, string> = {
    model: MODEL,
    version,
    ledger: 'github',
    'github-token': TOKEN,
    'results-dir': `results-${version}`,
    'monitor-probes': 'probes/suite.yml',
    'monitor-source': source,
    'monitor-reference': 'reference.jsonl',
    ...extra,
  };
  const command = createPromoteCommand(githubPromoteServices);
  const env = actionsEnvironment(workspace);
  return { outcome: await command.run(parseInputs(command.inputs, (name) => raw[name], 'cli'), env), log: env.log };
}

async function monitor(workspace: string) {
  const command = createMonitorCommand(githubPromoteServices);
  const raw: Record<string, string> = { model: MODEL, ledger: 'github', 'github-token': TOKEN, production: `openai:${embeddings.url}/v1`, alerts: 'none' };
  return command.run(parseInputs(command.inputs, (name) => raw[name], 'cli'), actionsEnvironment(workspace));
}

/** What a fresh `actions/checkout` of the repository has: the probe suite and the reference sample, nothing promote wrote. */
async function freshCheckout(from: string): Promise<string> {
  const workspace = await tempDir('mg-checkout-');
  await cp(join(from, 'probes'), join(workspace, 'probes'), { recursive: true });
  await cp(join(from, 'reference.jsonl'), join(workspace, 'reference.jsonl'));
  return workspace;
}

describe('a 768-dimension model monitored from a fresh checkout', () => {
  it('promote keeps the snapshot in the deployment record; monitor elsewhere reads it, passes, then catches a swap', async () => {
    weights.name = 'v1';
    const promoted = await probeWorkspace();
    const { outcome, log } = await promote(promoted, '1.0.0', null);
    expect(outcome.failure).toBeUndefined();
    expect(log.lines.map((l) => l.message).join('\n')).toMatch(/monitor snapshot of search-embedder 1\.0\.0: 16 probe vectors, 30 pairs, 20 triplets, \d+\.\d KiB in the ledger record/);
    const [deployment] = github().state.deployments.filter((d) => d.repository === REPOSITORY);
    const payload = deployment?.payload as { snapshot: { inline: { dimension: number; vectors: unknown[] } } };
    expect([payload.snapshot.inline.dimension, payload.snapshot.inline.vectors.length]).toEqual([768, 16]);

    const checkout = await freshCheckout(promoted);
    const passing = await monitor(checkout);
    expect(passing.failure).toBeUndefined();
    expect(passing.outputs).toMatchObject({ verdict: 'pass', alerting: 'false' });
    const result = JSON.parse(await readFile(passing.outputs['result-file'] as string, 'utf8')) as { metrics: Record<string, number> };
    expect(result.metrics['vectors.identical']).toBe(16);
    expect(result.metrics['vectors.min_cosine']).toBe(1);

    weights.name = 'v1-requantised';
    const swapped = await monitor(await freshCheckout(promoted));
    expect(swapped.outputs).toMatchObject({ verdict: 'fail', alerting: 'true' });
    expect(swapped.outputs.breaches?.split(',')).toContain('vectors');
  });

  it('refuses a promotion whose record would not fit a deployment payload, before creating anything, and says what to shrink', async () => {
    weights.name = 'v1';
    const workspace = await probeWorkspace();
    // 1,200 related pairs: their scores alone are far more than a payload holds.
    const pairs = ['a,b,label'];
    for (let i = 0; i < 40; i++) for (let j = 0; j < 40; j++) if (i !== j && pairs.length <= 1200) pairs.push(`t${i},t${j},related`);
    await writeFile(join(workspace, 'probes', 'pairs.csv'), pairs.join('\n'));
    await mkdir(join(workspace, 'results-9.0.0'), { recursive: true });
    const before = github().count('repos/create-deployment');
    const { outcome } = await promote(workspace, '9.0.0', null);
    expect(outcome.failure).toMatch(
      /promote refused: the ledger record of search-embedder 9\.0\.0 is \d+\.\d KiB; github:acme\/monitored keeps records up to 60\.0 KiB, and a promotion may take 52\.0 KiB .*16 probe vectors of 768 dimensions, 1200 pair, 20 triplet and 10 query scores\. Use a probe suite with fewer pairs/,
    );
    expect(github().count('repos/create-deployment')).toBe(before);
  });

  it('keeps fewer probe vectors of a larger model, so that its snapshot still fits: 8 of 3,072 dimensions', async () => {
    expect([768, 1536, 3072, 8192].map(probeVectorCount)).toEqual([16, 16, 8, 4]);
    const large = await new EmbeddingServer({ dimension: 3072, embed: (text) => topicVector(text, 'large', 3072) }).start();
    try {
      const workspace = await probeWorkspace();
      // Its own environment: production belongs to the other tests.
      const { outcome } = await promoteFrom(workspace, '3.0.0', `openai:${large.url}/v1`, null, { environment: 'large-models' });
      expect(outcome.failure).toBeUndefined();
      const deployment = github().state.deployments.find((d) => (d.payload as { version?: string }).version === '3.0.0');
      const snapshot = (deployment?.payload as { snapshot: { inline: { dimension: number; vectors: unknown[] } } }).snapshot.inline;
      expect([snapshot.dimension, snapshot.vectors.length]).toEqual([3072, 8]);
    } finally {
      await large.stop();
    }
  });
});
