import { ConfigurationError } from '../io/errors.js';
import { canonicalJson } from '../io/digest.js';
import { mergeShards } from '../results/merge.js';
import { readResults } from '../results/store.js';
import type { Result } from '../results/types.js';
import { concatTables, sortTable, type CheckRecord } from './checks/common.js';
import { assemble, CHECK_ORDER, DETAILS_FORMAT, finalDetails, type RegressionDetails } from './engine.js';
import type { CheckName } from './settings.js';

function shardLabel(result: Result): string {
  return `${result.id}.shard-${result.shard?.index}-of-${result.shard?.count}`;
}

function detailsOf(result: Result): RegressionDetails {
  const details = result.details as RegressionDetails | undefined;
  if (!details || details.format !== DETAILS_FORMAT) {
    throw new ConfigurationError(`shard result ${shardLabel(result)} has no mergeable details (expected format ${DETAILS_FORMAT})`);
  }
  return details;
}

/** Merges the shards of one embedding-regression run into the result the unsharded run would have written. */
function mergeRegressionShards(id: string, shards: Result[]): Result {
  const sorted = [...shards].sort((a, b) => (a.shard!.index - b.shard!.index));
  const first = sorted[0]!;
  const count = first.shard!.count;
  const problems: string[] = [];
  if (sorted.some((s) => s.shard!.count !== count)) problems.push(`shards of '${id}' disagree on the shard count: ${sorted.map((s) => `${s.shard!.index}/${s.shard!.count}`).join(', ')}`);
  const seen = new Set<number>();
  for (const s of sorted) {
    if (seen.has(s.shard!.index)) problems.push(`shard ${s.shard!.index}/${count} of '${id}' appears twice`);
    seen.add(s.shard!.index);
  }
  const missing = Array.from({ length: count }, (_, i) => i + 1).filter((i) => !seen.has(i));
  if (missing.length > 0) problems.push(`'${id}' is incomplete: missing shard(s) ${missing.map((i) => `${i}/${count}`).join(', ')} of ${count}`);
  if (problems.length > 0) throw new ConfigurationError(problems.map((message) => ({ message })));
  const all = sorted.map(detailsOf);
  const base = all[0]!;
  for (let i = 1; i < all.length; i++) {
    const other = all[i]!;
    if (other.runKey !== base.runKey || canonicalJson(sorted[i]!.subject) !== canonicalJson(first.subject)) {
      throw new ConfigurationError(`shard ${shardLabel(sorted[i]!)} comes from a different run than ${shardLabel(first)} (suite, sources or settings differ): re-run every shard together`);
    }
  }
  const checks: RegressionDetails['checks'] = {};
  for (const name of CHECK_ORDER) {
    const records = all.map((d) => d.checks[name]);
    const present = records.filter((r) => r !== undefined);
    if (present.length === 0) continue;
    if (present.length !== records.length) throw new ConfigurationError(`shards of '${id}' disagree on whether the ${name} check ran`);
    const firstRecord = present[0]!;
    if ('skipped' in firstRecord) {
      checks[name] = firstRecord;
      continue;
    }
    const full = present as CheckRecord[];
    const items = sortTable(concatTables(full.map((r) => r.items)));
    const ids = new Set<string>();
    for (const itemId of items.id) {
      if (ids.has(itemId)) throw new ConfigurationError(`item '${itemId}' of the ${name as CheckName} check appears in more than one shard of '${id}'`);
      ids.add(itemId);
    }
    checks[name] = { settings: firstRecord.settings, params: firstRecord.params, items, worst: full.flatMap((r) => r.worst) };
  }
  const details: RegressionDetails = { ...base, checks };
  const assembled = assemble(details);
  const started = sorted.map((s) => s.provenance.startedAt).sort()[0]!;
  const finished = sorted.map((s) => s.provenance.finishedAt).sort().at(-1)!;
  const { shard: _shard, ...rest } = first;
  return {
    ...rest,
    verdict: assembled.verdict,
    summary: assembled.summary,
    metrics: assembled.metrics,
    checks: assembled.checks,
    findings: assembled.findings,
    details: finalDetails(details),
    provenance: { ...first.provenance, inputsDigest: base.runKey, startedAt: started, finishedAt: finished },
  };
}

/**
 * Combines the partial results of sharded runs (see `mergeShards`): the shards of each
 * embedding-regression check become exactly the result the unsharded run writes (same
 * verdict, metrics, intervals and worst items).
 *
 * Throws a ConfigurationError for an incomplete set (a missing shard), a duplicate shard,
 * shards that disagree on the count or come from different runs, a shard set for an id
 * that also has an unsharded result, and shards of a kind that cannot be merged.
 */
export function mergeResults(results: readonly Result[]): Result[] {
  return mergeShards(results, { 'embedding-regression': mergeRegressionShards });
}

/**
 * Reads every result of a directory (see `readResults`) and merges the shards among them
 * (see `mergeResults`): what `report` and `gate` read. Errors name the file or the shard set.
 */
export async function readMergedResults(dir: string): Promise<Result[]> {
  return mergeResults(await readResults(dir));
}
