import { hasPrompts } from '../embeddings/prompts.js';
import { canonicalJson } from '../io/digest.js';
import type { PathSegment } from '../io/yaml.js';
import { diffSchemas, type Change } from './schema-diff.js';
import type { Bump } from './semver.js';
import type { Contract, EmbeddingSpace } from './types.js';

function same(a: unknown, b: unknown): boolean {
  return canonicalJson(a) === canonicalJson(b);
}

function show(value: unknown): string {
  const text = value === undefined ? 'absent' : JSON.stringify(value);
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}

/** What compatibility found, besides the list of changes. */
export interface EmbeddingDiff {
  changes: Change[];
  /** True when vectors of the two versions must not share an index. */
  reindexRequired: boolean;
  /**
   * Set when the space changed but the candidate keeps production's space id: vectors of
   * two spaces would be filed under one id. Says what changed.
   */
  sameSpaceId?: string;
}

const SPACE_FIELDS: readonly (keyof Omit<EmbeddingSpace, 'space'>)[] = ['dimension', 'dtype', 'normalized', 'metric', 'prompts'];

/**
 * Compares the embedding spaces of two contracts. Any change of dimension, dtype,
 * normalisation, metric, prompts or space id, or a new artifact digest under the same space id,
 * is index-breaking. A changed dimension or dtype also breaks every consumer reading the
 * vectors, so it is reported as breaking too.
 */
export function diffEmbedding(production: Contract, candidate: Contract): EmbeddingDiff {
  const before = production.embedding;
  const after = candidate.embedding;
  const changes: Change[] = [];
  if (!before && !after) return { changes, reindexRequired: false };
  if (before && !after) {
    changes.push({ kind: 'breaking', path: ['embedding'], removed: true, message: 'the embedding description was removed: the model no longer declares a vector space' });
    return { changes, reindexRequired: false };
  }
  if (!before && after) {
    changes.push({ kind: 'additive', path: ['embedding'], message: `the model now declares an embedding space '${after.space}'` });
    return { changes, reindexRequired: false };
  }
  const b = before as EmbeddingSpace;
  const a = after as EmbeddingSpace;
  const changed: string[] = [];
  // No prompts and empty prompts are the same space.
  const spaceValue = (space: EmbeddingSpace, field: (typeof SPACE_FIELDS)[number]): unknown =>
    field !== 'prompts' ? space[field] : hasPrompts(space.prompts) ? { query: space.prompts.query ?? '', passage: space.prompts.passage ?? '' } : undefined;
  for (const field of SPACE_FIELDS) {
    if (same(spaceValue(a, field), spaceValue(b, field))) continue;
    changed.push(`${field} ${show(b[field])} → ${show(a[field])}`);
    changes.push({ kind: 'index-breaking', path: ['embedding', field], message: `embedding ${field} changed: ${show(b[field])} → ${show(a[field])}; vectors of the two versions cannot share an index` });
    if (field === 'dimension' || field === 'dtype') {
      changes.push({ kind: 'breaking', path: ['embedding', field], message: `output vectors change ${field} (${show(b[field])} → ${show(a[field])}): consumers reading them break` });
    }
  }
  const digestChanged = production.artifact.digest !== candidate.artifact.digest;
  if (a.space !== b.space) {
    changes.push({ kind: 'index-breaking', path: ['embedding', 'space'], message: `new embedding space '${a.space}' (was '${b.space}'): every index of this model's vectors must be rebuilt` });
    return { changes, reindexRequired: true };
  }
  if (digestChanged) {
    changed.push('a new artifact digest');
    changes.push({
      kind: 'index-breaking',
      path: ['artifact', 'digest'],
      message: `new artifact digest under the same space id '${a.space}': the new weights write different vectors, which must not share an index with the old ones`,
    });
  }
  if (changed.length === 0) return { changes, reindexRequired: false };
  return { changes, reindexRequired: true, sameSpaceId: changed.join(', ') };
}

function metadataChange(path: PathSegment[], before: unknown, after: unknown): Change {
  return { kind: 'metadata', path, message: `'${path.join('.')}' changed: ${show(before)} → ${show(after)}`, ...(after === undefined ? { removed: true } : {}) };
}

/** Limits that bound what a caller may send: lowering them narrows the input. */
const INPUT_LIMITS = ['maxInputTokens', 'batchSize'] as const;

function diffLimits(production: Contract, candidate: Contract): Change[] {
  const before = production.limits ?? {};
  const after = candidate.limits ?? {};
  const changes: Change[] = [];
  for (const key of new Set([...Object.keys(before), ...Object.keys(after)]) as Set<keyof NonNullable<Contract['limits']>>) {
    const b = before[key];
    const a = after[key];
    if (a === b) continue;
    const path = ['limits', key];
    if ((INPUT_LIMITS as readonly string[]).includes(key)) {
      // An absent limit is unlimited.
      const narrowed = (a ?? Infinity) < (b ?? Infinity);
      changes.push({
        kind: narrowed ? 'breaking' : 'additive',
        path,
        message: `${narrowed ? 'narrowed' : 'widened'} input: limits.${key} ${show(b)} → ${show(a)}${narrowed ? ': requests that fit before can be rejected now' : ''}`,
        ...(a === undefined ? { removed: true } : {}),
      });
    } else {
      changes.push(metadataChange(path, b, a));
    }
  }
  return changes;
}

/**
 * Every difference between the production and the candidate contract, classified:
 * input and output schemas by {@link diffSchemas}, the embedding space by
 * {@link diffEmbedding}, limits, and everything else (description, artifact, lineage,
 * owners, examples) as metadata. A changed task or name is breaking.
 */
export function diffContracts(production: Contract, candidate: Contract): EmbeddingDiff {
  const changes: Change[] = [];
  if (production.name !== candidate.name) {
    changes.push({ kind: 'breaking', path: ['name'], message: `model name changed: '${production.name}' → '${candidate.name}'` });
  }
  if (production.task !== candidate.task) {
    changes.push({ kind: 'breaking', path: ['task'], message: `task changed: ${production.task} → ${candidate.task}` });
  }
  changes.push(...diffSchemas(production.io.input, candidate.io.input, 'input', ['io', 'input']));
  changes.push(...diffSchemas(production.io.output, candidate.io.output, 'output', ['io', 'output']));
  const embedding = diffEmbedding(production, candidate);
  changes.push(...embedding.changes);
  changes.push(...diffLimits(production, candidate));
  const artifactBefore = production.artifact;
  const artifactAfter = candidate.artifact;
  for (const key of ['uri', 'format', 'digest'] as const) {
    if (artifactBefore[key] === artifactAfter[key]) continue;
    // A new digest of an embedding model is index-breaking, reported with the space.
    if (key === 'digest' && production.embedding && candidate.embedding) continue;
    changes.push(metadataChange(['artifact', key], artifactBefore[key], artifactAfter[key]));
  }
  for (const key of ['description', 'owners'] as const) {
    if (!same(production[key], candidate[key])) changes.push(metadataChange([key], production[key], candidate[key]));
  }
  // Lineage field by field: each is its own line in the contract.
  const lineageBefore: Record<string, unknown> = { ...production.lineage };
  const lineageAfter: Record<string, unknown> = { ...candidate.lineage };
  for (const key of new Set([...Object.keys(lineageBefore), ...Object.keys(lineageAfter)])) {
    if (!same(lineageBefore[key], lineageAfter[key])) changes.push(metadataChange(['lineage', key], lineageBefore[key], lineageAfter[key]));
  }
  if (!same(production.examples, candidate.examples)) {
    const [before, after] = [production.examples?.length ?? 0, candidate.examples?.length ?? 0];
    changes.push({ kind: 'metadata', path: ['examples'], message: `examples changed (${before} → ${after} example(s))` });
  }
  return { ...embedding, changes };
}

/** The smallest version bump a list of changes needs: breaking → major, additive → minor, metadata → patch. */
export function requiredBumpOf(changes: readonly Change[]): Bump {
  if (changes.some((c) => c.kind === 'breaking' || c.kind === 'index-breaking')) return 'major';
  if (changes.some((c) => c.kind === 'additive')) return 'minor';
  if (changes.length > 0) return 'patch';
  return 'none';
}
