import { describe, expect, it } from 'vitest';
import { diffContracts, diffEmbedding, requiredBumpOf } from '../../src/contract/compatibility.js';
import type { Contract } from '../../src/contract/types.js';

const base: Contract = {
  apiVersion: 'model-gates/contract@1',
  name: 'm',
  version: '1.0.0',
  task: 'text-embedding',
  artifact: { uri: 's3://b/m/1', digest: `sha256:${'a'.repeat(64)}` },
  embedding: { dimension: 8, dtype: 'float32', normalized: true, metric: 'cosine', space: 's1' },
  io: { input: { type: 'object', properties: { text: { type: 'string' } } }, output: { type: 'object' } },
  limits: { maxInputTokens: 512, p95LatencyMs: 50, batchSize: 32 },
  lineage: { trainingData: 'd1', codeCommit: 'c1' },
  owners: ['alice'],
};

function changed(patch: Partial<Contract>) {
  return diffContracts(base, { ...base, ...patch });
}

describe('diffContracts', () => {
  it('finds nothing between a contract and itself', () => {
    expect(diffContracts(base, structuredClone(base))).toEqual({ changes: [], reindexRequired: false });
    expect(requiredBumpOf([])).toBe('none');
  });

  it('classifies limits: fewer tokens or a smaller batch breaks callers; latency and memory are metadata', () => {
    const kinds = (limits: Contract['limits']) => changed({ limits }).changes.map((c) => [c.kind, c.path.join('.')]);
    expect(kinds({ maxInputTokens: 256, p95LatencyMs: 50, batchSize: 32 })).toEqual([['breaking', 'limits.maxInputTokens']]);
    expect(kinds({ maxInputTokens: 1024, p95LatencyMs: 50, batchSize: 64 })).toEqual([
      ['additive', 'limits.maxInputTokens'],
      ['additive', 'limits.batchSize'],
    ]);
    expect(kinds({ maxInputTokens: 512, batchSize: 32 })).toEqual([['metadata', 'limits.p95LatencyMs']]);
    // Removing a limit lifts it.
    expect(kinds({ p95LatencyMs: 50, batchSize: 32 })).toEqual([['additive', 'limits.maxInputTokens']]);
  });

  it('reports lineage field by field, owners and description as metadata', () => {
    const diff = changed({ lineage: { trainingData: 'd2', codeCommit: 'c1', baseModel: 'm@1.0.0' }, owners: ['bob'], description: 'new' });
    expect(diff.changes.map((c) => [c.kind, c.path.join('.')])).toEqual([
      ['metadata', 'description'],
      ['metadata', 'owners'],
      ['metadata', 'lineage.trainingData'],
      ['metadata', 'lineage.baseModel'],
    ]);
    expect(requiredBumpOf(diff.changes)).toBe('patch');
  });

  it('a new name or task is breaking', () => {
    expect(changed({ name: 'n' }).changes).toEqual([expect.objectContaining({ kind: 'breaking', path: ['name'] })]);
    expect(changed({ task: 'image-embedding' }).changes).toEqual([expect.objectContaining({ kind: 'breaking', path: ['task'] })]);
  });

  it('a new artifact of a model without an embedding is metadata', () => {
    const plain = { ...base, task: 'classification', embedding: undefined } as Contract;
    const diff = diffContracts(plain, { ...plain, artifact: { ...plain.artifact, digest: `sha256:${'b'.repeat(64)}` } });
    expect(diff.changes).toEqual([expect.objectContaining({ kind: 'metadata', path: ['artifact', 'digest'] })]);
    expect(diff.reindexRequired).toBe(false);
  });
});

describe('diffEmbedding', () => {
  const space = (patch: Partial<NonNullable<Contract['embedding']>>, digest = base.artifact.digest): Contract => ({
    ...base,
    artifact: { ...base.artifact, digest },
    embedding: { ...(base.embedding as NonNullable<Contract['embedding']>), ...patch },
  });

  it('keeps the index when nothing of the space and the artifact changed', () => {
    expect(diffEmbedding(base, space({}))).toEqual({ changes: [], reindexRequired: false });
  });

  it('a new space id re-indexes without complaint', () => {
    const diff = diffEmbedding(base, space({ space: 's2', dimension: 16 }, `sha256:${'c'.repeat(64)}`));
    expect(diff.reindexRequired).toBe(true);
    expect(diff.sameSpaceId).toBeUndefined();
    expect(diff.changes.map((c) => [c.kind, c.path.join('.')])).toEqual([
      ['index-breaking', 'embedding.dimension'],
      ['breaking', 'embedding.dimension'],
      ['index-breaking', 'embedding.space'],
    ]);
  });

  it('a changed prompt is index-breaking; no prompts and empty prompts are the same space', () => {
    const e5 = space({ prompts: { query: 'query: ', passage: 'passage: ' } });
    expect(diffEmbedding(base, space({ prompts: {} }))).toEqual({ changes: [], reindexRequired: false });
    expect(diffEmbedding(base, space({ prompts: { query: '' } }))).toEqual({ changes: [], reindexRequired: false });
    expect(diffEmbedding(e5, structuredClone(e5))).toEqual({ changes: [], reindexRequired: false });
    const diff = diffEmbedding(e5, space({ prompts: { query: 'search_query: ', passage: 'passage: ' } }));
    expect(diff.reindexRequired).toBe(true);
    expect(diff.changes.map((c) => [c.kind, c.path.join('.')])).toEqual([['index-breaking', 'embedding.prompts']]);
    expect(diff.sameSpaceId).toBe('prompts {"query":"query: ","passage":"passage: "} → {"query":"search_query: ","passage":"passage: "}');
  });

  it('any space change under the same id says what changed', () => {
    expect(diffEmbedding(base, space({ normalized: false, metric: 'dot' })).sameSpaceId).toBe('normalized true → false, metric "cosine" → "dot"');
    expect(diffEmbedding(base, space({}, `sha256:${'c'.repeat(64)}`))).toMatchObject({ reindexRequired: true, sameSpaceId: 'a new artifact digest' });
  });

  it('a removed embedding section is breaking; a new one is additive', () => {
    const none = { ...base, embedding: undefined } as Contract;
    expect(diffEmbedding(base, none).changes).toEqual([expect.objectContaining({ kind: 'breaking', removed: true })]);
    expect(diffEmbedding(none, base).changes).toEqual([expect.objectContaining({ kind: 'additive' })]);
  });
});
