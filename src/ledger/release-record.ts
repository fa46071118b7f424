import { dirname, isAbsolute, join, resolve } from 'node:path';
import { writeFileAtomic } from '../io/atomic.js';
import { digestOf } from '../io/digest.js';
import { code, escapeMarkdown, table } from '../io/markdown.js';
import type { ArtifactCheck, CanaryVerdict, LedgerEntry, ReleaseFacts, ReleaseLineage, ReleaseResult } from './types.js';
import type { Result } from '../results/types.js';

export const RELEASE_RECORD_SCHEMA = 'model-gates/release-record@1' as const;

/** A release record as JSON: one promotion stage or rollback, with its evidence. */
export interface ReleaseRecord {
  schema: typeof RELEASE_RECORD_SCHEMA;
  id: number;
  model: string;
  version: string;
  environment: string;
  operation: 'promote' | 'rollback';
  stage: string;
  trafficPercent: number;
  status: string;
  time: string;
  actor: string | null;
  runUrl: string | null;
  previousVersion: string | null;
  artifact: { uri: string | null; digest: string | null };
  contract: { path: string | null; commit: string | null };
  gate: { decision: string; resultId: string; commit: string | null } | null;
  reason: string | null;
  rolledBack: number[];
  lineage: ReleaseLineage | null;
  artifactCheck: ArtifactCheck;
  results: ReleaseResult[];
  approvals: ReleaseFacts['approvals'];
  canary: CanaryVerdict[];
  rollback: ReleaseFacts['rollback'];
  publishedUrl: string | null;
}

/** Publishes the release record of a full promotion (a GitHub Release); returns its URL. */
export interface ReleasePublisher {
  publish(record: ReleaseRecord, markdown: string): Promise<string>;
}

const NO_FACTS: ReleaseFacts = {
  lineage: null,
  artifactCheck: { status: 'not-checked', detail: 'recorded without a release record' },
  results: [],
  approvals: { reviewers: [], environment: [], override: null },
  canary: [],
  rollback: null,
};

/** The release record of a ledger entry. */
export function releaseRecordOf(entry: LedgerEntry): ReleaseRecord {
  const facts = entry.release ?? NO_FACTS;
  return {
    schema: RELEASE_RECORD_SCHEMA,
    id: entry.id,
    model: entry.model,
    version: entry.version,
    environment: entry.environment,
    operation: entry.operation,
    stage: entry.stage,
    trafficPercent: entry.trafficPercent,
    status: entry.status,
    time: entry.time,
    actor: entry.actor,
    runUrl: entry.runUrl,
    previousVersion: entry.previousVersion,
    artifact: entry.artifact,
    contract: entry.contract,
    gate: entry.gate ? { decision: entry.gate.decision, resultId: entry.gate.resultId, commit: entry.gate.commit } : null,
    reason: entry.reason,
    rolledBack: entry.rolledBack,
    lineage: facts.lineage,
    artifactCheck: facts.artifactCheck,
    results: facts.results,
    approvals: facts.approvals,
    canary: facts.canary,
    rollback: facts.rollback,
    publishedUrl: facts.publishedUrl ?? null,
  };
}

function text(value: unknown): string {
  if (value === null || value === undefined) return '—';
  return escapeMarkdown(typeof value === 'string' ? value : JSON.stringify(value));
}

/** One release record as Markdown; every value from the ledger is escaped. */
export function renderReleaseRecord(record: ReleaseRecord): string {
  const title = record.operation === 'rollback' ? `Rollback of ${record.model} to ${record.version}` : `${record.model} ${record.version}: ${record.stage}`;
  const lines = [`### ${escapeMarkdown(title)} (#${record.id}, ${escapeMarkdown(record.environment)})`, ''];
  const facts: [string, string][] = [
    ['Status', text(record.status)],
    ['Time', text(record.time)],
    ['Traffic', `${record.trafficPercent}%`],
    ['Previous version', record.previousVersion ? code(record.previousVersion) : '—'],
    ['Actor', text(record.actor)],
    ['Run', text(record.runUrl)],
    ['Artifact', record.artifact.uri ? code(record.artifact.uri) : '—'],
    ['Artifact digest', record.artifact.digest ? `${code(record.artifact.digest)} (${escapeMarkdown(record.artifactCheck.status)}: ${escapeMarkdown(record.artifactCheck.detail)})` : text(record.artifactCheck.detail)],
    ['Contract', record.contract.path ? `${code(record.contract.path)} at ${text(record.contract.commit)}` : '—'],
    ['Gate', record.gate ? `${escapeMarkdown(record.gate.decision)} (${code(record.gate.resultId)})` : '—'],
  ];
  const lineage = record.lineage ?? {};
  facts.push(
    ['Training data', text(lineage.trainingData)],
    ['Hyperparameters', text(lineage.hyperparameters)],
    ['Code commit', text(lineage.codeCommit)],
  );
  if (lineage.codeRepository) facts.push(['Code repository', text(lineage.codeRepository)]);
  if (lineage.trainingRun) facts.push(['Training run', text(lineage.trainingRun)]);
  if (lineage.baseModel) facts.push(['Base model', text(lineage.baseModel)]);
  const { approvals } = record;
  facts.push(
    ['Reviewers', approvals.reviewers.length ? escapeMarkdown(approvals.reviewers.join(', ')) : '—'],
    ['Environment approvals', approvals.environment.length ? escapeMarkdown(approvals.environment.map((a) => `${a.login} (${a.state}${a.comment ? `: ${a.comment}` : ''})`).join('; ')) : '—'],
    ['Override', approvals.override ? escapeMarkdown(`${approvals.override.label} by ${approvals.override.by}${approvals.override.reason ? `: ${approvals.override.reason}` : ''}`) : '—'],
  );
  if (record.reason) facts.push(['Reason', text(record.reason)]);
  if (record.rollback) {
    facts.push(['Trigger', text(record.rollback.trigger)], ['Evidence', record.rollback.evidence.length ? escapeMarkdown(record.rollback.evidence.join('; ')) : '—']);
  }
  if (record.rolledBack.length) facts.push(['Rolled back records', record.rolledBack.map((id) => `#${id}`).join(', ')]);
  if (record.publishedUrl) facts.push(['Release', text(record.publishedUrl)]);
  lines.push(table(['Field', 'Value'], facts.map(([k, v]) => [k, v])), '');
  if (record.results.length) {
    lines.push('Results the gate passed on:', '', table(['Result', 'Kind', 'Verdict', 'Digest'], record.results.map((r) => [code(r.id), escapeMarkdown(r.kind), escapeMarkdown(r.verdict), code(r.digest)])), '');
  }
  if (record.canary.length) {
    lines.push('Canary verdicts:', '', table(['Stage', 'Verdict', 'Result', 'Time', 'Summary'], record.canary.map((c) => [escapeMarkdown(c.stage), escapeMarkdown(c.verdict), code(c.resultId), escapeMarkdown(c.time), escapeMarkdown(c.summary)])), '');
  }
  return lines.join('\n');
}

/** The audit trail of a model: its release records, newest first, as one Markdown document. */
export function renderReleaseHistory(model: string, environment: string, records: readonly ReleaseRecord[]): string {
  const head = `## Release history of ${escapeMarkdown(model)} in ${escapeMarkdown(environment)}\n`;
  if (records.length === 0) return `${head}\nNo records.\n`;
  return `${head}\n${records.map(renderReleaseRecord).join('\n')}`;
}

/** A result as the release record cites it: id, kind, verdict, digest, link. */
export function citeResult(result: Result): ReleaseResult {
  return { id: result.id, kind: result.kind, verdict: result.verdict, digest: digestOf(result), link: result.provenance.runUrl ?? null };
}

/** A canary-analysis result as the verdict of a stage. */
export function canaryVerdictOf(result: Result, stage: string): CanaryVerdict {
  return { stage, verdict: result.verdict, resultId: result.id, digest: digestOf(result), summary: result.summary.slice(0, 300), time: result.provenance.finishedAt };
}

/**
 * Writes the release record of `entry` beside a file ledger:
 * `<dir>/releases/<model>/<environment>/<id>.json` and `.md`. Returns the JSON file's path.
 */
export async function writeReleaseFiles(dir: string, record: ReleaseRecord): Promise<string> {
  const segment = (name: string) => name.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\.+/, '_');
  const base = join(dir, 'releases', segment(record.model), segment(record.environment), String(record.id));
  await writeFileAtomic(`${base}.md`, `${renderReleaseRecord(record)}\n`);
  await writeFileAtomic(`${base}.json`, `${JSON.stringify(record, null, 2)}\n`);
  return `${base}.json`;
}

/**
 * With a file ledger (`file:<path>`), writes the release record of `entry` beside it and
 * returns the JSON file's path; with the github ledger, the record is in the deployment
 * payload and nothing is written ('').
 */
export async function writeReleaseBesideLedger(ledgerSpec: string, workspace: string, entry: LedgerEntry): Promise<string> {
  if (!ledgerSpec.startsWith('file:')) return '';
  const path = ledgerSpec.slice('file:'.length);
  return writeReleaseFiles(dirname(isAbsolute(path) ? path : resolve(workspace, path)), releaseRecordOf(entry));
}
