import { normaliseRows } from '../knn/normalise.js';
import { createNeighbourSearch } from '../knn/index.js';
import type { Matrix } from '../knn/types.js';
import { measurePairs } from '../regression/checks/pairs.js';
import { measureRetrieval, type RetrievalMetric } from '../regression/checks/retrieval.js';
import { measureTriplets } from '../regression/checks/triplets.js';
import { compareDifferences, type ComparisonOutcome } from '../regression/compare.js';
import type { DropSettings } from '../regression/settings.js';
import { stableHash } from '../regression/shard.js';
import type { Suite } from '../regression/suite.js';
import { float32Bytes } from '../embeddings/table.js';
import { digestOf, sha256 } from '../io/digest.js';
import type { ItemScore, MonitorSnapshot, ProbeVector } from './types.js';

/** Probe texts whose vectors the snapshot keeps, at most: enough to catch a swapped or requantised model. */
export const DEFAULT_PROBE_VECTORS = 16;
/** Bytes of int8 vectors the snapshot keeps at most, so that it sits in a ledger record: 16 vectors up to 1,536 dimensions, 8 at 3,072. */
export const PROBE_VECTOR_BYTES = 24 * 1024;

/** How many probe vectors of `dim` dimensions fit the budget: between 4 and 16. */
export function probeVectorCount(dim: number): number {
  return Math.max(4, Math.min(DEFAULT_PROBE_VECTORS, Math.floor(PROBE_VECTOR_BYTES / Math.max(1, dim))));
}

/** What the probes measure through one model: the snapshot's content, or the live figures to compare with it. */
export interface ProbeScores {
  dimension: number;
  vectors: ProbeVector[];
  pairs: ItemScore[];
  triplets: ItemScore[];
  retrieval: MonitorSnapshot['retrieval'];
}

/** Digest of everything the probes are made of (texts, pairs, triplets, judgements): a changed suite cannot be compared with a snapshot. */
export function suiteDigest(suite: Suite): string {
  return digestOf({ texts: suite.texts, pairs: suite.pairs ?? [], triplets: suite.triplets ?? [], retrieval: suite.retrieval ? { ...suite.retrieval, relevant: suite.retrieval.relevant.map((m) => [...m]) } : null });
}

/** The suite rows whose vectors are kept: the `count` texts with the lowest stable hash of their id (the same whatever the file order). */
export function probeVectorRows(suite: Suite, count: number): number[] {
  return suite.texts
    .map((t, row) => ({ row, key: stableHash(`probe\u0000${t.id}`) }))
    .sort((a, b) => a.key - b.key || a.row - b.row)
    .slice(0, count)
    .map((e) => e.row)
    .sort((a, b) => a - b);
}

/**
 * A probe vector as the snapshot keeps it: the digest of its float32 bytes, and its components
 * rounded to int8 steps of max |component| / 127. The rounding moves the cosine with the
 * original by about 1e-5, or up to 1e-3 when a few outlier dimensions dwarf the rest
 * (test/monitor/snapshot.test.ts): well inside the vector floor (0.99). A vector bit for bit
 * unchanged rounds the same way, so its cosine stays exactly 1.
 */
export function encodeVector(id: string, values: Float32Array): ProbeVector {
  let max = 0;
  for (const x of values) max = Math.max(max, Math.abs(x));
  const scale = max / 127;
  const steps = Int8Array.from(values, (x) => (scale > 0 ? Math.round(x / scale) : 0));
  return { id, digest: sha256(float32Bytes(values)), vector: Buffer.from(steps.buffer).toString('base64'), scale };
}

/** The components of a snapshot vector (int8 steps; a snapshot of schema @1 kept little-endian float32, without a scale). */
export function decodeVector(probe: ProbeVector): Float32Array {
  const bytes = Buffer.from(probe.vector, 'base64');
  const scale = probe.scale;
  if (scale === undefined) return Float32Array.from({ length: bytes.length >> 2 }, (_, i) => bytes.readFloatLE(i * 4));
  const steps = new Int8Array(bytes.buffer, bytes.byteOffset, bytes.length);
  return Float32Array.from(steps, (q) => q * scale);
}

/**
 * Scores the probe suite through one model's raw vectors (rows in suite order): the kept
 * probe vectors with their digests, related pairs' cosines, triplets' margins and each
 * query's retrieval metric (exact top-k over the suite's corpus; the search engine is started
 * only for a suite with retrieval).
 */
export async function scoreProbes(suite: Suite, raw: Matrix, probeVectors = probeVectorCount(raw.dim)): Promise<ProbeScores> {
  const unit = normaliseRows(raw);
  const spaces = { production: unit, candidate: unit };
  const vectors = probeVectorRows(suite, probeVectors).map((row) => encodeVector(suite.texts[row]!.id, raw.data.subarray(row * raw.dim, (row + 1) * raw.dim)));
  const pairTable = measurePairs(suite, spaces, undefined);
  const pairs = pairTable.id
    .map((id, i) => ({ id, segment: pairTable.segment[i] ?? null, value: pairTable.values.production![i] as number, related: pairTable.values.related![i] === 1 }))
    .filter((p) => p.related)
    .map(({ id, segment, value }) => ({ id, segment, value }));
  const tripletTable = measureTriplets(suite, spaces, undefined);
  const triplets = tripletTable.id.map((id, i) => ({ id, segment: tripletTable.segment[i] ?? null, value: tripletTable.values.production![i] as number }));
  let retrieval: ProbeScores['retrieval'] = null;
  const definition = suite.definition.checks.retrieval;
  if (suite.retrieval && definition) {
    const metric: RetrievalMetric = definition.metric ?? 'ndcg';
    const k = definition.k ?? 10;
    const search = await createNeighbourSearch();
    let table;
    try {
      table = await measureRetrieval(suite, spaces, undefined, k, { search });
    } finally {
      await search.close();
    }
    retrieval = { metric, k, queries: table.id.map((id, i) => ({ id, segment: table.segment[i] ?? null, value: table.values[`${metric}_production`]![i] as number })) };
  }
  return { dimension: raw.dim, vectors, pairs, triplets, retrieval };
}

/** How each probe vector compares with its snapshot. */
export interface VectorComparison {
  /** Probes compared. */
  count: number;
  /** Probes whose vector is bit for bit the snapshot's. */
  identical: number;
  /** Cosine of each probe's live vector with its snapshot vector. */
  cosines: { id: string; cosine: number }[];
  minCosine: number;
  meanCosine: number;
}

function cosine(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as number;
    const y = b[i] as number;
    dot += x * y;
    na += x * x;
    nb += y * y;
  }
  return na > 0 && nb > 0 ? dot / Math.sqrt(na * nb) : 0;
}

/**
 * Compares live probe vectors with the snapshot's, probe by probe. A live vector of another
 * dimension, or a probe missing from either side, counts as cosine 0: a different model.
 */
export function compareVectors(snapshot: readonly ProbeVector[], live: readonly ProbeVector[]): VectorComparison {
  const byId = new Map(live.map((v) => [v.id, v]));
  const cosines = snapshot.map((s) => {
    const now = byId.get(s.id);
    if (!now) return { id: s.id, cosine: 0 };
    const a = decodeVector(s);
    const b = decodeVector(now);
    return { id: s.id, cosine: a.length === b.length ? cosine(a, b) : 0 };
  });
  const identical = snapshot.filter((s) => byId.get(s.id)?.digest === s.digest).length;
  const values = cosines.map((c) => c.cosine);
  return {
    count: cosines.length,
    identical,
    cosines,
    minCosine: values.length ? Math.min(...values) : 1,
    meanCosine: values.length ? values.reduce((a, b) => a + b, 0) / values.length : 1,
  };
}

/**
 * Judges live per-item scores against the snapshot's, item by item (live − snapshot, higher
 * is better), with the regression suite's paired bootstrap and per-segment Holm rule: a
 * breach is a drop both beyond `settings.tolerance` and credible. Items are matched by id
 * (the suite digest guarantees both sides hold the same items).
 */
export function compareScores(snapshot: readonly ItemScore[], live: readonly ItemScore[], settings: DropSettings, check: string): ComparisonOutcome & { snapshotMean: number | null; liveMean: number | null } {
  const now = new Map(live.map((s) => [s.id, s.value]));
  const diffs = Float64Array.from(snapshot, (s) => (now.get(s.id) ?? 0) - s.value);
  const outcome = compareDifferences(diffs, snapshot.map((s) => s.segment), settings.tolerance, settings, check);
  const avg = (values: number[]) => (values.length ? values.reduce((a, b) => a + b, 0) / values.length : null);
  return { ...outcome, snapshotMean: avg(snapshot.map((s) => s.value)), liveMean: avg(snapshot.map((s) => now.get(s.id) ?? 0)) };
}
