import { createHash } from 'node:crypto';
import { ConfigurationError } from '../io/errors.js';

export interface Shard {
  /** 1-based. */
  index: number;
  count: number;
}

/** Parses `i/n` (1 ≤ i ≤ n). An empty value means no sharding. */
export function parseShard(text: string | undefined): Shard | undefined {
  if (text === undefined || text.trim() === '') return undefined;
  const match = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  const index = Number(match?.[1]);
  const count = Number(match?.[2]);
  if (!match || count < 1 || index < 1 || index > count || count > 1000) {
    throw new ConfigurationError(`shard '${text}' must be i/n with 1 ≤ i ≤ n ≤ 1000, e.g. 2/8`);
  }
  return count === 1 ? undefined : { index, count };
}

/** A stable unsigned 32-bit hash of a string: the first 4 bytes of its SHA-256. */
export function stableHash(text: string): number {
  return createHash('sha256').update(text).digest().readUInt32BE(0);
}

/**
 * The 1-based shard an item belongs to, from a stable hash of its kind and id: the same
 * item lands in the same shard whatever its position in the files or the machine.
 */
export function shardOf(kind: string, id: string, count: number): number {
  return (stableHash(`${kind}\u0000${id}`) % count) + 1;
}

/** True when the item is this shard's work (always true without sharding). */
export function inShard(shard: Shard | undefined, kind: string, id: string): boolean {
  return !shard || shardOf(kind, id, shard.count) === shard.index;
}
