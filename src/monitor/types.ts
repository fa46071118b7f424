/** What the monitor needs from the outside world, and the snapshot it compares production with. */

import type { Environment, RepositoryRef } from '../command.js';

export const SNAPSHOT_SCHEMA = 'model-gates/monitor-snapshot@2' as const;

/**
 * One probe text's vector at promotion: the digest of the float32 vector the endpoint returned
 * (for the bit-for-bit check) and the vector itself as int8 components × `scale` (base64): a
 * quarter of float32's size (see PROBE_VECTOR_BYTES).
 */
export interface ProbeVector {
  id: string;
  /** `sha256:<hex>` of the raw float32 bytes as the endpoint returned them. */
  digest: string;
  /** The int8 components, base64. */
  vector: string;
  /** What one int8 step is worth: max |component| / 127 (absent in snapshots of schema @1, which kept float32). */
  scale?: number;
}

/** A per-item score at promotion (a pair's cosine, a triplet's margin, a query's retrieval metric). */
export interface ItemScore {
  id: string;
  segment: string | null;
  value: number;
}

/**
 * The baseline snapshot `promote` records for a version: what the probes looked like through
 * the promoted model. `monitor` embeds the same probes through production now and compares.
 */
export interface MonitorSnapshot {
  schema: typeof SNAPSHOT_SCHEMA;
  model: string;
  version: string;
  /** ISO 8601 time the snapshot was taken. */
  time: string;
  /** The probe suite (workspace-relative path) and the digest of its texts, pairs, triplets and judgements. */
  probes: { file: string; digest: string; texts: number };
  dimension: number;
  vectors: ProbeVector[];
  /** Related pairs' cosines. */
  pairs: ItemScore[];
  /** Triplets' margins: cos(anchor, positive) − cos(anchor, negative). */
  triplets: ItemScore[];
  /** Per query, the suite's retrieval metric at k. */
  retrieval: { metric: 'ndcg' | 'recall' | 'mrr'; k: number; queries: ItemScore[] } | null;
  /** The reference sample of production inputs for drift: its file (workspace-relative) and sha256 digest. */
  reference: { file: string; digest: string; rows: number } | null;
}

/**
 * How a ledger record carries its snapshot: inline, with the digest the monitor checks before
 * trusting it. The snapshot lives wherever the ledger lives, so any checkout that reads the
 * ledger finds it.
 */
export interface SnapshotRef {
  digest: string;
  inline: MonitorSnapshot;
}

/** One model in one environment: what an alert is about. */
export interface AlertSubject {
  model: string;
  environment: string;
}

/** A breach worth an alert in this run. */
export interface Alert extends AlertSubject {
  /** The issue title. */
  title: string;
  /** The whole issue body (Markdown, untrusted text escaped); replaces the previous body. */
  body: string;
  /** The comment that opens each incident (on the new issue, or on reopening it after a recovery). */
  incidentComment: string;
  /** Labels and assignees to set when the issue is created or reopened. */
  labels: readonly string[];
  assignees: readonly string[];
}

export interface AlertOutcome {
  /** What happened to the alert. */
  action: 'created' | 'reopened' | 'updated' | 'unchanged' | 'closed' | 'none';
  number: number | null;
  url: string | null;
}

/**
 * Where alerts go: one sticky incident per model and environment. Implemented against GitHub
 * issues in src/github/monitor-issue.ts; tests and the CLI may hand another.
 */
export interface AlertPublisher {
  /** For messages, e.g. `issues of acme/models`. */
  readonly label: string;
  /**
   * Raises the alert: creates the issue on the first breach, reopens it after a recovery (with
   * the incident comment either way), or else updates its body in place (no new comment per run).
   */
  raise(alert: Alert): Promise<AlertOutcome>;
  /** Replaces the body of an open incident (breaches still awaiting confirmation); changes nothing when none is open. */
  refresh(subject: AlertSubject, body: string): Promise<AlertOutcome>;
  /** Ends an open incident with `comment` (recovery); changes nothing when none is open. */
  resolve(subject: AlertSubject, comment: string): Promise<AlertOutcome>;
}

/** Opens the alert publisher of a repository with a token; the action entry and the CLI hand it in (src/github/monitor-issue.ts). */
export type AlertPublisherOpener = (token: string, repository: RepositoryRef, environment: Environment) => Promise<AlertPublisher>;
