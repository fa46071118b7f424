import { readFile } from 'node:fs/promises';
import { isAbsolute, relative, resolve } from 'node:path';
import type { EmbeddingsConfig } from '../config/types.js';
import { createSource } from '../embeddings/sources.js';
import type { EmbeddingSource } from '../embeddings/types.js';
import { canonicalJson, sha256 } from '../io/digest.js';
import { ConfigurationError } from '../io/errors.js';
import type { Logger } from '../io/log.js';
import type { LedgerEntry } from '../ledger/types.js';
import { loadSuite, suiteItems } from '../regression/suite.js';
import { scoreProbes, suiteDigest } from './probes.js';
import { readSample } from './sample.js';
import { SNAPSHOT_SCHEMA, type MonitorSnapshot, type SnapshotRef } from './types.js';

export interface TakeSnapshotOptions {
  model: string;
  version: string;
  /** The probe suite file (a regression suite), relative to the workspace or absolute. */
  probes: string;
  /** The promoted version's embeddings. Never cached: the snapshot must be what the model returns. */
  source: EmbeddingSource;
  /** Reference sample of production inputs for drift (JSONL, CSV, TSV or Parquet with a `text` field). */
  reference?: string;
  probeVectors?: number;
  workspace: string;
  log: Logger;
  time: string;
}

/** A workspace-relative path for the record (so another checkout finds it); absolute paths outside stay absolute. */
function recordedPath(path: string, workspace: string): string {
  const absolute = isAbsolute(path) ? path : resolve(workspace, path);
  const rel = relative(workspace, absolute);
  return rel.startsWith('..') || isAbsolute(rel) ? absolute : rel.split('\\').join('/');
}

/** Embeds the probe suite through the promoted model and scores it: the baseline `monitor` compares production with. */
export async function takeSnapshot(options: TakeSnapshotOptions): Promise<MonitorSnapshot> {
  const file = recordedPath(options.probes, options.workspace);
  const suite = await loadSuite(resolve(options.workspace, file));
  const matrix = await options.source.embed(suiteItems(suite), { log: options.log });
  const scores = await scoreProbes(suite, matrix, options.probeVectors);
  let reference: MonitorSnapshot['reference'] = null;
  if (options.reference) {
    const path = recordedPath(options.reference, options.workspace);
    const bytes = await readFile(resolve(options.workspace, path));
    const sample = await readSample(resolve(options.workspace, path));
    reference = { file: path, digest: sha256(bytes), rows: sample.length };
  }
  return {
    schema: SNAPSHOT_SCHEMA,
    model: options.model,
    version: options.version,
    time: options.time,
    probes: { file, digest: suiteDigest(suite), texts: suite.texts.length },
    ...scores,
    reference,
  };
}

/** The snapshot as the ledger record carries it: inline, with the digest of its canonical JSON. */
export function snapshotRef(snapshot: MonitorSnapshot): SnapshotRef {
  return { digest: sha256(canonicalJson(snapshot)), inline: snapshot };
}

function invalid(entry: LedgerEntry, why: string): ConfigurationError {
  return new ConfigurationError(`the monitor snapshot of ${entry.model} ${entry.version} (ledger #${entry.id}) ${why}`);
}

/**
 * The snapshot the ledger record of the current deployment carries, checked against its
 * digest. Fails closed: no snapshot, an altered one, one of another format or of another
 * version is an error, never an empty baseline.
 */
export function readSnapshot(entry: LedgerEntry): MonitorSnapshot {
  const ref = (entry as LedgerEntry & { snapshot?: SnapshotRef }).snapshot;
  if (!ref || typeof ref.digest !== 'string') {
    throw invalid(entry, 'is missing: the record has none. Promote with the monitor-probes and monitor-source inputs to record one');
  }
  if (ref.inline === null || typeof ref.inline !== 'object') {
    throw invalid(entry, 'is not inline in the record. Promote the version again with monitor-probes to record one');
  }
  const text = canonicalJson(ref.inline);
  if (sha256(text) !== ref.digest) throw invalid(entry, `does not match its recorded digest ${ref.digest}: it was altered or is another snapshot`);
  const snapshot = JSON.parse(text) as MonitorSnapshot;
  // @1 kept float32 vectors; decodeVector reads both.
  if (snapshot.schema !== SNAPSHOT_SCHEMA && snapshot.schema !== 'model-gates/monitor-snapshot@1') {
    throw invalid(entry, `has schema ${String(snapshot.schema)}, expected ${SNAPSHOT_SCHEMA}`);
  }
  if (snapshot.model !== entry.model || snapshot.version !== entry.version) throw invalid(entry, `is of ${snapshot.model} ${snapshot.version}`);
  return snapshot;
}

/** What `promote` passes to record a snapshot with its ledger record. */
export interface PromotionSnapshotRequest {
  model: string;
  version: string;
  /** `monitor-probes`, `monitor-source`, `monitor-reference` inputs. */
  probes: string | undefined;
  source: string | undefined;
  reference: string | undefined;
  workspace: string;
  embeddings: EmbeddingsConfig | undefined;
  env: NodeJS.ProcessEnv;
  setSecret(value: string): void;
  log: Logger;
  time: string;
}

/**
 * Takes the snapshot `promote` records with the ledger record when `monitor-probes` is given;
 * undefined otherwise. Probes without a source are an error, as is any failure to embed:
 * the promotion is then refused rather than recorded without its baseline.
 */
export async function promotionSnapshot(request: PromotionSnapshotRequest): Promise<SnapshotRef | undefined> {
  if (!request.probes) {
    if (request.source || request.reference) throw new ConfigurationError("inputs 'monitor-source' and 'monitor-reference' need 'monitor-probes' (the probe suite)");
    return undefined;
  }
  if (!request.source) throw new ConfigurationError("input 'monitor-source' is required with 'monitor-probes': where the promoted version's embeddings come from (e.g. openai:<url>)");
  const source = await createSource(request.source, { role: 'production', workspace: request.workspace, config: request.embeddings, env: request.env, setSecret: request.setSecret, log: request.log });
  const snapshot = await takeSnapshot({
    model: request.model,
    version: request.version,
    probes: request.probes,
    source,
    ...(request.reference ? { reference: request.reference } : {}),
    workspace: request.workspace,
    log: request.log,
    time: request.time,
  });
  const ref = snapshotRef(snapshot);
  const kib = (Buffer.byteLength(canonicalJson(snapshot)) / 1024).toFixed(1);
  request.log.info(`monitor snapshot of ${request.model} ${request.version}: ${snapshot.vectors.length} probe vectors, ${snapshot.pairs.length} pairs, ${snapshot.triplets.length} triplets, ${kib} KiB in the ledger record`);
  return ref;
}
