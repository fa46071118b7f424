import { ConfigurationError } from '../io/errors.js';
import type { Result } from './types.js';

/**
 * Interim merge until the `embedding-regression` merge lands: results without shards pass
 * through, ordered by id; shard files are refused rather than merged approximately.
 */
export function mergeResults(results: readonly Result[]): Result[] {
  const sharded = results.filter((r) => r.shard);
  if (sharded.length > 0) throw new ConfigurationError(`merging shards is not available yet (${sharded[0]?.id})`);
  const ids = new Set<string>();
  for (const r of results) {
    if (ids.has(r.id)) throw new ConfigurationError(`two results have the id '${r.id}'`);
    ids.add(r.id);
  }
  return [...results].sort((a, b) => a.id.localeCompare(b.id));
}
