import { ConfigurationError } from '../io/errors.js';
import type { Result } from './types.js';

/**
 * Merges the shards of one check id into the result the unsharded run would have written.
 * `shards` are complete in count, of one kind, and come in no particular order.
 */
export type ShardMerger = (id: string, shards: Result[]) => Result;

/**
 * Combines the partial results of sharded runs: the shards of each check id become one
 * result, through the merger registered for their kind. Results without `shard` pass
 * through unchanged, in their order; merged results take the place of their first shard.
 *
 * Throws a ConfigurationError for a shard set for an id that also has an unsharded
 * result, shards of one id with different kinds, and shards of a kind with no merger.
 * Mergers check the shard set itself (missing, duplicate, from different runs).
 */
export function mergeShards(results: readonly Result[], mergers: Readonly<Record<string, ShardMerger>>): Result[] {
  const groups = new Map<string, Result[]>();
  const whole = new Set<string>();
  for (const result of results) {
    if (!result.shard) {
      whole.add(result.id);
      continue;
    }
    let group = groups.get(result.id);
    if (!group) groups.set(result.id, (group = []));
    group.push(result);
  }
  for (const id of groups.keys()) {
    if (whole.has(id)) throw new ConfigurationError(`'${id}' has both an unsharded result and shard results: keep one or the other`);
  }
  const merged = new Map<string, Result>();
  for (const [id, shards] of groups) {
    const kind = shards[0]!.kind;
    if (shards.some((s) => s.kind !== kind)) throw new ConfigurationError(`shards of '${id}' have different kinds`);
    const merger = Object.hasOwn(mergers, kind) ? mergers[kind] : undefined;
    if (!merger) throw new ConfigurationError(`shards of '${id}' are ${kind} results, which cannot be merged`);
    merged.set(id, merger(id, shards));
  }
  const out: Result[] = [];
  const placed = new Set<string>();
  for (const result of results) {
    if (!result.shard) out.push(result);
    else if (!placed.has(result.id)) {
      placed.add(result.id);
      out.push(merged.get(result.id)!);
    }
  }
  return out;
}
