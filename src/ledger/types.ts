/** The ledger: which model version is deployed where, with what evidence, in what order. */

export const LEDGER_RECORD_SCHEMA = 'model-gates/ledger-record@1' as const;

/**
 * A record's state, as in GitHub's deployment statuses:
 * - `in_progress`: appended, not yet confirmed (a run that died here left it behind);
 * - `success`: deployed;
 * - `inactive`: was deployed, then superseded (GitHub sets it on its own for
 *   non-production environments);
 * - `failure`: refused (it lost a race or production changed) or rolled back.
 */
export type LedgerStatus = 'in_progress' | 'success' | 'failure' | 'inactive';

/** `full`, or `canary-<percent>` with a whole percent from 1 to 99. */
export type Stage = string;

/** Who decided a promotion, and on what evidence. */
export interface GateEvidence {
  /** `pass`, `fail` or `pending` from the gate result. */
  decision: string;
  /** Id of the gate result (its file name without `.json`). */
  resultId: string;
  /** Logins that approved, as the gate recorded them. */
  approvals: string[];
  /** The commit the gate evaluated. */
  commit: string | null;
}

/** What the ledger stores for one deployment (GitHub: the deployment's payload). */
export interface LedgerRecord {
  schema: typeof LEDGER_RECORD_SCHEMA;
  /** `promote` records a stage; `rollback` re-records an earlier good version as current. */
  operation: 'promote' | 'rollback';
  model: string;
  version: string;
  environment: string;
  stage: Stage;
  /** Share of traffic the stage gets: the canary percent, or 100 for `full`. */
  trafficPercent: number;
  artifact: { uri: string | null; digest: string | null };
  /** The contract file and the commit to read it at (`production: ledger` does). */
  contract: { path: string | null; commit: string | null };
  gate: GateEvidence | null;
  /** One line per result the gate read: `<id>: <verdict>`; at most a few hundred characters. */
  results: string | null;
  /** The version that was current (latest successful full deployment) when this was recorded. */
  previousVersion: string | null;
  /** Why (rollbacks). */
  reason: string | null;
  /** Ids of the records a rollback marked as failed. */
  rolledBack: number[];
  runUrl: string | null;
  actor: string | null;
  /** ISO 8601 time the record was made. */
  time: string;
  /** The release record: lineage, evidence, approvals, canary verdicts, a rollback's trigger. Absent in older records. */
  release?: ReleaseFacts;
  /** The serving switch the operation moved with the ledger (its label); null or absent: the ledger only. */
  switch?: string | null;
  /**
   * The baseline `monitor` compares production with (src/monitor/snapshot.ts), with the digest
   * of its canonical JSON. Absent when none was recorded.
   */
  snapshot?: { digest: string; inline: unknown };
}

/** The contract's lineage as the release record keeps it (schemas/contract.schema.json `lineage`). */
export interface ReleaseLineage {
  trainingData?: string | { uri: string; version?: string; digest?: string };
  hyperparameters?: Record<string, unknown>;
  codeCommit?: string;
  codeRepository?: string;
  trainingRun?: string;
  baseModel?: string;
  evaluation?: Record<string, unknown>;
}

/** Whether the contract's artifact digest was checked before the promotion. */
export interface ArtifactCheck {
  /** `verified`: the bytes hash to the digest; `not-reachable`: the runner cannot read the artifact (another scheme, or too large); `not-checked`: no artifact or digest. */
  status: 'verified' | 'not-reachable' | 'not-checked';
  detail: string;
}

/** A result the gate passed on, by digest. */
export interface ReleaseResult {
  id: string;
  kind: string;
  verdict: string;
  /** sha256 of the result's canonical JSON. */
  digest: string;
  /** The run that produced it, when known. */
  link: string | null;
}

/** A canary analysis that judged a stage. */
export interface CanaryVerdict {
  stage: string;
  verdict: string;
  resultId: string;
  digest: string;
  summary: string;
  time: string;
}

/** The facts of one release step beyond the ledger's own fields (schema `model-gates/release-record@1` when rendered). */
export interface ReleaseFacts {
  lineage: ReleaseLineage | null;
  artifactCheck: ArtifactCheck;
  results: ReleaseResult[];
  approvals: {
    /** Pull-request reviewers the gate counted. */
    reviewers: string[];
    /** Environment protection approvals the gate read. */
    environment: { login: string; state: string; comment: string }[];
    /** An override label the gate applied, who set it and why. */
    override: { label: string; by: string; reason: string | null } | null;
  };
  canary: CanaryVerdict[];
  /** For a rollback: what triggered it (`manual`, `canary-analysis`, `stage-overdue`, `monitor`) and the evidence. */
  rollback: { trigger: string; evidence: string[] } | null;
  /** URL of the GitHub Release published for a full promotion. */
  publishedUrl?: string | null;
}

/** A record as read back: its id in the ledger and its latest status. */
export interface LedgerEntry extends LedgerRecord {
  /** File ledger: 1, 2, 3…; GitHub: the deployment id. Larger ids are newer. */
  id: number;
  status: LedgerStatus;
  /** The latest status's description, when the backend has one. */
  statusDescription: string;
}

/**
 * The ledger, behind one interface with two backends (a JSONL file, GitHub Deployments).
 * Histories are per model and environment; ids grow with time in both backends.
 */
export interface Ledger {
  /** `file:<path>` or `github:<owner>/<repo>`: for messages. */
  readonly label: string;
  /** The largest record (JSON, bytes) the backend keeps; undefined: no limit. */
  readonly maxRecordBytes?: number;
  /**
   * Records, newest first. `limit` bounds how many are read (the GitHub backend makes one
   * call per record for its status).
   */
  history(model: string, environment: string, limit?: number): Promise<LedgerEntry[]>;
  /** The current deployment: the latest `full` record whose status is `success` or `inactive`; null when none. */
  current(model: string, environment: string): Promise<LedgerEntry | null>;
  /**
   * Compare-and-swap: appends `record` (status `in_progress`) only while the current version
   * is `expectedCurrent` (null: nothing deployed yet) and no other rollout is in flight (see
   * `findConflict`). Exactly one of several racing claims succeeds; the others throw
   * `LedgerConflictError` and leave nothing live behind.
   * @param ignore ids that do not count as in flight (the records a rollback is undoing).
   */
  claim(record: LedgerRecord, expectedCurrent: string | null, ignore?: ReadonlySet<number>): Promise<LedgerEntry>;
  /** Sets a record's status; `description` is cut to 140 characters. */
  setStatus(id: number, status: LedgerStatus, description: string): Promise<void>;
}

/** A claim refused: production changed, or another rollout is in flight. Not a bug; the run fails clearly. */
export class LedgerConflictError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LedgerConflictError';
  }
}

/** The traffic percent of a stage: `canary-5` → 5, `full` → 100; undefined when malformed. */
export function stagePercent(stage: string): number | undefined {
  if (stage === 'full') return 100;
  const match = /^canary-([1-9]\d?)$/.exec(stage);
  return match ? Number(match[1]) : undefined;
}

/** Whether a record counts as deployed or deploying (anything but `failure`). */
export function isLive(entry: Pick<LedgerEntry, 'status'>): boolean {
  return entry.status !== 'failure';
}

/** Whether a record is a completed full deployment: a candidate for "current". */
export function isDeployedFull(entry: Pick<LedgerEntry, 'status' | 'stage'>): boolean {
  return entry.stage === 'full' && (entry.status === 'success' || entry.status === 'inactive');
}

/** The current deployment in a history given newest first: its first deployed `full` record. */
export function currentOf(history: readonly LedgerEntry[]): LedgerEntry | null {
  return history.find(isDeployedFull) ?? null;
}

/** The newest live record after the current deployment: a rollout in flight, or null. */
export function inFlightOf(history: readonly LedgerEntry[]): LedgerEntry | null {
  const current = currentOf(history);
  return history.find((e) => (!current || e.id > current.id) && isLive(e)) ?? null;
}

/**
 * The race rule both backends apply. A claim for `candidate` conflicts when
 * 1. the current version is not `expectedCurrent` (production changed since the gate), or
 * 2. a record newer than the current one (and older than the claim, when it already has an
 *    id) is live and either is another version or is still `in_progress`: another rollout is
 *    in flight. Finished earlier stages of the same version (`canary-5` before `canary-50`)
 *    do not conflict.
 * The file backend evaluates it under its lock before appending; the GitHub backend after
 * creating its deployment, over the records with smaller ids, so the oldest claim wins.
 *
 * @param history newest first; may include the claim itself (it is skipped).
 * @returns why the claim is refused, or null when it may proceed.
 */
export function findConflict(
  history: readonly LedgerEntry[],
  candidate: { version: string; id?: number },
  expectedCurrent: string | null,
  ignore: ReadonlySet<number> = new Set(),
): string | null {
  const before = candidate.id === undefined ? history : history.filter((e) => e.id < (candidate.id as number));
  const current = currentOf(before);
  const currentVersion = current?.version ?? null;
  if (currentVersion !== expectedCurrent) {
    const found = current ? `${current.version} (#${current.id}, ${current.time})` : 'nothing deployed';
    return `production changed since the gate evaluated: expected ${expectedCurrent ?? 'nothing deployed'}, found ${found}`;
  }
  for (const entry of before) {
    if (current && entry.id <= current.id) break;
    if (ignore.has(entry.id) || !isLive(entry)) continue;
    if (entry.version !== candidate.version || entry.status === 'in_progress') {
      return `another rollout is in flight: ${entry.version} ${entry.stage} (#${entry.id}, ${entry.status}); finish it or roll it back first`;
    }
  }
  return null;
}

/** Cuts text to GitHub's 140-character limit on status descriptions, with an ellipsis. */
export function statusDescription(text: string): string {
  const oneLine = text.replace(/\s+/g, ' ').trim();
  return oneLine.length <= 140 ? oneLine : `${oneLine.slice(0, 139)}…`;
}
