import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileLedger } from '../../src/ledger/file.js';
import { FileFlagSwitch } from '../../src/serving/file-flag-switch.js';
import { EmbeddingServer } from '../support/openai-server.js';
import { DIMENSION, MODEL, monitor, probeWorkspace, promoteWithSnapshot, topicVector } from './helpers.js';

// The monitor against a real OpenAI-compatible embeddings server on 127.0.0.1 whose weights are
// swapped mid-test, with the file ledger that promote writes.

const weights = { name: 'v1', topicWeight: 2 };
let server: EmbeddingServer;
beforeAll(async () => {
  server = await new EmbeddingServer({ dimension: DIMENSION, embed: (text) => topicVector(text, weights.name, DIMENSION, weights.topicWeight) }).start();
});
afterAll(() => server.stop());

const source = () => `openai:${server.url}/v1`;

/** A workspace where 1.0.0 (weights v1) and then 2.0.0 (weights v2) were promoted with their snapshots, under `config` when given. */
async function twoReleases(config?: string): Promise<string> {
  weights.name = 'v1';
  const workspace = await probeWorkspace();
  if (config) await writeFile(join(workspace, 'model-gates.yml'), config);
  await promoteWithSnapshot(workspace, '1.0.0', null, source());
  weights.name = 'v2';
  await promoteWithSnapshot(workspace, '2.0.0', '1.0.0', source());
  return workspace;
}

describe('monitor', () => {
  it('promote records the snapshot with the ledger record; the same model passes', async () => {
    weights.name = 'v1';
    const workspace = await probeWorkspace();
    const promoted = await promoteWithSnapshot(workspace, '1.0.0', null, source());
    expect(promoted.failure).toBeUndefined();
    const current = await new FileLedger(join(workspace, 'ledger.jsonl')).current(MODEL, 'production');
    const snapshot = current?.snapshot?.inline as { vectors: unknown[]; pairs: unknown[]; triplets: unknown[]; retrieval: { queries: unknown[] }; reference: { rows: number } };
    expect([snapshot.vectors.length, snapshot.pairs.length, snapshot.triplets.length, snapshot.retrieval.queries.length, snapshot.reference.rows]).toEqual([16, 30, 20, 10, 160]);

    const { outcome } = await monitor(workspace, { production: source(), sample: 'today.jsonl' });
    expect(outcome.outputs).toMatchObject({ verdict: 'pass', alerting: 'false', breaches: '' });
    expect(outcome.failure).toBeUndefined();
    const result = JSON.parse(await readFile(outcome.outputs['result-file'] as string, 'utf8')) as { kind: string; metrics: Record<string, number> };
    expect(result.kind).toBe('monitor');
    expect(result.metrics['vectors.min_cosine']).toBeCloseTo(1, 6);
    expect(result.metrics['vectors.identical']).toBe(16);
  });

  it('a model swapped behind the endpoint is a severe breach on the first run, and on-fail: rollback goes back through the ledger', async () => {
    const workspace = await twoReleases();
    expect((await monitor(workspace, { production: source() })).outcome.outputs.verdict).toBe('pass');

    weights.name = 'v2-requantised';
    const { outcome } = await monitor(workspace, { production: source(), 'on-fail': 'rollback' });
    expect(outcome.outputs).toMatchObject({ verdict: 'fail', alerting: 'true', 'rolled-back-to': '1.0.0' });
    expect(outcome.outputs.breaches?.split(',')).toContain('vectors');
    expect(outcome.failure).toMatch(/alerting: vectors/);
    const ledger = new FileLedger(join(workspace, 'ledger.jsonl'));
    const current = await ledger.current(MODEL, 'production');
    expect([current?.version, current?.operation]).toEqual(['1.0.0', 'rollback']);
    expect(current?.reason).toMatch(/^monitor: probe vectors changed/);
    // The rollback record carries 1.0.0's snapshot, so the next run monitors 1.0.0.
    weights.name = 'v1';
    expect((await monitor(workspace, { production: source() })).outcome.outputs.verdict).toBe('pass');
  });

  it('on-fail: rollback moves the serving switch back with the ledger, and the release record names the monitor', async () => {
    const workspace = await twoReleases('promote:\n  switch: { backend: flagd-file, path: "flags/{environment}.flagd.json" }\n');
    const flags = new FileFlagSwitch(join(workspace, 'flags/{environment}.flagd.json'));
    expect((await flags.read(MODEL, 'production'))?.version).toBe('2.0.0');

    weights.name = 'v2-requantised';
    const { outcome } = await monitor(workspace, { production: source(), 'on-fail': 'rollback' });
    expect(outcome.outputs['rolled-back-to']).toBe('1.0.0');
    expect(await flags.read(MODEL, 'production')).toMatchObject({ version: '1.0.0', canary: null });
    const current = await new FileLedger(join(workspace, 'ledger.jsonl')).current(MODEL, 'production');
    expect([current?.operation, current?.status, current?.release?.rollback?.trigger]).toEqual(['rollback', 'success', 'monitor']);
    const record = JSON.parse(await readFile(join(workspace, 'releases', MODEL, 'production', `${current?.id}.json`), 'utf8')) as { operation: string; rollback: { trigger: string } };
    expect([record.operation, record.rollback.trigger]).toEqual(['rollback', 'monitor']);

    // Without the config the rollback could move the ledger only: refused before judging.
    await rm(join(workspace, 'model-gates.yml'));
    await expect(monitor(workspace, { production: source(), 'on-fail': 'rollback' })).rejects.toThrow(/moved serving through flagd-file:.*would move the ledger alone/);
  });

  it('on-fail: rollback fails closed before judging when the configured switch cannot be opened', async () => {
    weights.name = 'v1';
    const workspace = await probeWorkspace();
    await promoteWithSnapshot(workspace, '1.0.0', null, source());
    await writeFile(join(workspace, 'model-gates.yml'), 'promote:\n  switch: { backend: environment-variables }\n');
    await expect(monitor(workspace, { production: source(), 'on-fail': 'rollback' })).rejects.toThrow(/backend environment-variables needs a token/);
  });

  it('a probe-score drop alerts once confirmed on the second run and rolls back, even when the metrics cannot be pushed', async () => {
    // The floor is set so low that only the scores can breach: the vectors move, the topics blur.
    const workspace = await twoReleases('monitor:\n  vectorFloor: 0.0001\n');
    weights.topicWeight = 0.2;
    try {
      const raw = { production: source(), 'on-fail': 'rollback', pushgateway: 'http://127.0.0.1:9' };
      const first = await monitor(workspace, raw);
      expect(first.outcome.outputs).toMatchObject({ verdict: 'marginal', alerting: 'false', 'rolled-back-to': '' });
      expect(first.outcome.outputs.breaches?.split(',')).toEqual(expect.arrayContaining(['pairs', 'triplets']));
      expect(first.outcome.outputs.breaches).not.toMatch(/vectors/);
      // The run still fails: the figures were not delivered.
      expect(first.outcome.failure).toMatch(/^could not push the metrics: /);

      const second = await monitor(workspace, raw);
      expect(second.outcome.outputs).toMatchObject({ verdict: 'fail', alerting: 'true', 'rolled-back-to': '1.0.0' });
      expect(second.outcome.failure).toMatch(/alerting: pairs.*; could not push the metrics: /);
      const current = await new FileLedger(join(workspace, 'ledger.jsonl')).current(MODEL, 'production');
      expect([current?.version, current?.operation]).toEqual(['1.0.0', 'rollback']);
      expect(current?.reason).toMatch(/^monitor: related pairs' cosine dropped by/);
    } finally {
      weights.topicWeight = 2;
    }
  });

  it('an alert issue that cannot be reached does not hold back the rollback', async () => {
    const workspace = await twoReleases();
    weights.name = 'v2-swapped';
    const unreachable = async () => {
      throw new Error('GitHub answered 502 to GET /user');
    };
    const { outcome } = await monitor(workspace, { production: source(), 'on-fail': 'rollback', alerts: 'issue', 'github-token': 't' }, { dependencies: { alerts: unreachable } });
    expect(outcome.outputs['rolled-back-to']).toBe('1.0.0');
    expect(outcome.failure).toMatch(/alerting: vectors; could not update the alert issue: GitHub answered 502/);
  });

  it('in Actions without a cache service, a breach is not held back for a confirmation that could never come', async () => {
    weights.name = 'v1';
    const workspace = await probeWorkspace();
    await writeFile(join(workspace, 'model-gates.yml'), 'monitor:\n  vectorFloor: 0.0001\n');
    await promoteWithSnapshot(workspace, '1.0.0', null, source());
    weights.topicWeight = 0.2;
    try {
      const noCache = { restore: async () => undefined, save: async () => false, available: async () => false };
      const { outcome, log } = await monitor(workspace, { production: source(), alerts: 'none' }, { env: { runner: 'actions', folderCache: noCache } });
      expect(outcome.outputs).toMatchObject({ verdict: 'fail', alerting: 'true' });
      expect(log.lines.filter((l) => l.level === 'warning').map((l) => l.message)).toContain(
        'the Actions cache is not available to this step, so breaches cannot be confirmed over consecutive runs: every breach alerts at once (confirm-runs 1)',
      );
      // With a cache the same breach waits for its confirmation.
      const cached = { restore: async () => undefined, save: async () => true, available: async () => true };
      await rm(join(workspace, '.model-gates', 'monitor'), { recursive: true, force: true });
      const waiting = await monitor(workspace, { production: source(), alerts: 'none' }, { env: { runner: 'actions', folderCache: cached } });
      expect(waiting.outcome.outputs).toMatchObject({ verdict: 'marginal', alerting: 'false' });
    } finally {
      weights.topicWeight = 2;
    }
  });

  it('drift warns only once confirmed on a second run, and never fails the run unless on-drift: fail', async () => {
    weights.name = 'v1';
    const workspace = await probeWorkspace();
    await promoteWithSnapshot(workspace, '1.0.0', null, source());
    const first = await monitor(workspace, { production: source(), sample: 'drifted.jsonl' });
    expect(first.outcome.outputs).toMatchObject({ verdict: 'marginal', alerting: 'false', breaches: 'drift' });
    const second = await monitor(workspace, { production: source(), sample: 'drifted.jsonl' });
    expect(second.outcome.outputs).toMatchObject({ verdict: 'marginal', alerting: 'true', breaches: 'drift' });
    expect(second.outcome.failure).toBeUndefined();
    const failing = await monitor(workspace, { production: source(), sample: 'drifted.jsonl', 'on-drift': 'fail' });
    expect(failing.outcome.outputs).toMatchObject({ verdict: 'fail', alerting: 'true' });
    expect(failing.outcome.summary).toMatch(/classifier AUC/);
  });

  describe('fails closed', () => {
    it('when the endpoint cannot be read', async () => {
      weights.name = 'v1';
      const workspace = await probeWorkspace();
      await promoteWithSnapshot(workspace, '1.0.0', null, source());
      server.faults.push({ status: 400, times: 1 });
      await expect(monitor(workspace, { production: source() })).rejects.toThrow(/could not embed the probe texts through production/);
      await writeFile(join(workspace, 'model-gates.yml'), 'embeddings:\n  production:\n    retries: 0\n');
      await expect(monitor(workspace, { production: 'openai:http://127.0.0.1:9/v1' })).rejects.toThrow(/could not embed the probe texts through production/);
    });

    it('when a drift sample is too small to test: the run fails, no open incident is closed, and the probes still alert and roll back', async () => {
      const workspace = await twoReleases();
      const rows = (await readFile(join(workspace, 'today.jsonl'), 'utf8')).split('\n').slice(0, 29);
      await writeFile(join(workspace, 'small.jsonl'), rows.join('\n'));
      // An open incident is not closed by a run that could not test everything.
      const calls: string[] = [];
      const publisher = {
        label: 'recorded',
        raise: async () => ({ action: 'updated' as const, number: 1, url: null }),
        refresh: async () => ({ action: 'none' as const, number: null, url: null }),
        resolve: async () => (calls.push('resolve'), { action: 'closed' as const, number: 1, url: null }),
      };
      const withIssue = { dependencies: { alerts: async () => publisher } };
      const healthy = await monitor(workspace, { production: source(), sample: 'small.jsonl', alerts: 'issue', 'github-token': 't' }, withIssue);
      expect(healthy.outcome.failure).toBe('drift was not tested: the recent sample has 29 rows, fewer than monitor.drift.minSegmentSize (30)');
      expect(calls).toEqual([]);
      expect((await monitor(workspace, { production: source(), sample: 'today.jsonl', alerts: 'issue', 'github-token': 't' }, withIssue)).outcome.failure).toBeUndefined();
      expect(calls).toEqual(['resolve']);
      weights.name = 'v2-swapped';
      const swapped = await monitor(workspace, { production: source(), sample: 'small.jsonl', 'on-fail': 'rollback' });
      expect(swapped.outcome.outputs).toMatchObject({ alerting: 'true', 'rolled-back-to': '1.0.0' });
      expect(swapped.outcome.failure).toMatch(/alerting: vectors; drift was not tested/);
    });

    it('when the ledger has no deployment, or the record has no snapshot', async () => {
      const workspace = await probeWorkspace();
      await expect(monitor(workspace, { production: source() })).rejects.toThrow(/has no successful full deployment of search-embedder to production: nothing to monitor/);
      await promoteWithSnapshot(workspace, '1.0.0', null, source(), { 'monitor-probes': '', 'monitor-source': '', 'monitor-reference': '' });
      await expect(monitor(workspace, { production: source() })).rejects.toThrow(/snapshot of search-embedder 1.0.0 \(ledger #1\) is missing/);
    });

    it('when the snapshot file, the probe suite or the reference sample changed since promotion', async () => {
      weights.name = 'v1';
      const workspace = await probeWorkspace();
      await promoteWithSnapshot(workspace, '1.0.0', null, source());
      await writeFile(join(workspace, 'reference.jsonl'), '{"text":"topic-1: another reference"}\n');
      await expect(monitor(workspace, { production: source(), sample: 'today.jsonl' })).rejects.toThrow(/reference sample reference.jsonl changed since promotion/);
      await writeFile(join(workspace, 'probes/qrels.txt'), 't0 0 t11 1\n');
      await expect(monitor(workspace, { production: source() })).rejects.toThrow(/differs from the one the snapshot/);
    });
  });
});
