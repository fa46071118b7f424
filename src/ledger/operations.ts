import { ConfigurationError } from '../io/errors.js';
import { code, escapeMarkdown, table } from '../io/markdown.js';
import {
  currentOf,
  isDeployedFull,
  isLive,
  LedgerConflictError,
  type Ledger,
  type LedgerEntry,
  type LedgerRecord,
} from './types.js';

/** What promote, rollback and status report back; the action's outputs. */
export interface LedgerOutcome {
  /** The record written (promote, rollback) or the current one (status); null when none. */
  entry: LedgerEntry | null;
  /** The current version after the operation. */
  currentVersion: string | null;
  /** The version that was current before (promote, rollback), or the one before the current (status). */
  previousVersion: string | null;
  /** One line for the log and the job summary's heading. */
  message: string;
  /** Set when nothing had to be done (a second rollback). */
  unchanged: boolean;
}

/**
 * Records one promotion stage. The claim is a compare-and-swap on the current version
 * (`expectedCurrent`, null for a first release) and refuses while another rollout is in
 * flight; the record is then marked `success`.
 * @throws LedgerConflictError when production changed or another rollout won.
 */
export async function promote(ledger: Ledger, record: LedgerRecord, expectedCurrent: string | null): Promise<LedgerOutcome> {
  const entry = await ledger.claim({ ...record, previousVersion: expectedCurrent }, expectedCurrent);
  const what = `${record.version} ${record.stage} (${record.trafficPercent}% of traffic)`;
  await ledger.setStatus(entry.id, 'success', `${what}; production was ${expectedCurrent ?? 'empty'}`);
  const full = record.stage === 'full';
  return {
    entry: { ...entry, status: 'success' },
    currentVersion: full ? record.version : expectedCurrent,
    previousVersion: expectedCurrent,
    message: `Recorded ${record.model} ${what} in ${record.environment} as #${entry.id} (${ledger.label}).`,
    unchanged: false,
  };
}

export interface RollbackRequest {
  model: string;
  environment: string;
  /** Roll back to this version (a deployed full record); default: the one before the current. */
  version?: string;
  reason: string;
  /** Filled into the rollback record: who, where, when. */
  actor: string | null;
  runUrl: string | null;
  time: string;
}

interface RollbackPlan {
  current: LedgerEntry;
  target: LedgerEntry;
  bad: LedgerEntry[];
}

/**
 * Decides what a rollback does, from the history (newest first):
 * - with records in flight after the current deployment (a canary, a stuck `in_progress`):
 *   the target is the current deployment and the in-flight records are the bad ones;
 * - otherwise the target is the newest deployed `full` record before the current one with
 *   another version (or `version`), and the bad ones are the live records after it.
 * Returns null when there is nothing to do: the current deployment already is a rollback
 * (a double rollback does not go back twice) or already is `version`.
 */
export function planRollback(history: readonly LedgerEntry[], version?: string): RollbackPlan | null {
  const current = currentOf(history);
  const model = history[0]?.model ?? '';
  const environment = history[0]?.environment ?? '';
  if (!current) throw new ConfigurationError(`nothing to roll back: ${model} has no successful full deployment in ${environment}`);
  const inFlight = history.filter((e) => e.id > current.id && isLive(e));
  let target: LedgerEntry | undefined;
  if (version !== undefined) {
    if (inFlight.length === 0 && current.version === version) return null;
    target = history.find((e) => e.id <= current.id && isDeployedFull(e) && e.version === version);
    if (!target) throw new ConfigurationError(`cannot roll back ${model} in ${environment} to ${version}: it has no successful full deployment there`);
  } else if (inFlight.length > 0) {
    target = current;
  } else if (current.operation === 'rollback') {
    return null;
  } else {
    target = history.find((e) => e.id < current.id && isDeployedFull(e) && e.version !== current.version);
    if (!target) throw new ConfigurationError(`nothing to roll back to: ${current.version} (#${current.id}) is the first full deployment of ${model} in ${environment}`);
  }
  const chosen = target;
  const bad = history.filter((e) => e.id > chosen.id && isLive(e) && (e.version !== chosen.version || e.id > current.id));
  return { current, target: chosen, bad };
}

/**
 * Rolls back: re-records the target (see `planRollback`) as a new current `full` record with
 * the reason, then marks the bad records `failure`. Idempotent: run again right after, it
 * changes nothing (and finishes marking the bad records if the first run died before).
 * A rollback racing another rollback loses its claim and reports the winner's.
 */
export async function rollback(ledger: Ledger, request: RollbackRequest): Promise<LedgerOutcome> {
  const history = await ledger.history(request.model, request.environment);
  if (history.length === 0) throw new ConfigurationError(`nothing to roll back: the ledger (${ledger.label}) has no record of ${request.model} in ${request.environment}`);
  const plan = planRollback(history, request.version);
  if (!plan) return alreadyRolledBack(ledger, history);
  const { current, target, bad } = plan;
  const record: LedgerRecord = {
    schema: target.schema,
    operation: 'rollback',
    model: target.model,
    version: target.version,
    environment: target.environment,
    stage: 'full',
    trafficPercent: 100,
    artifact: target.artifact,
    contract: target.contract,
    gate: target.gate,
    results: target.results,
    previousVersion: current.version,
    reason: request.reason,
    rolledBack: bad.map((e) => e.id),
    runUrl: request.runUrl,
    actor: request.actor,
    time: request.time,
    ...(target.snapshot ? { snapshot: target.snapshot } : {}),
  };
  let entry: LedgerEntry;
  try {
    entry = await ledger.claim(record, current.version, new Set(bad.map((e) => e.id)));
  } catch (error) {
    if (!(error instanceof LedgerConflictError)) throw error;
    const now = await ledger.history(request.model, request.environment);
    if (planRollback(now, request.version) === null) return alreadyRolledBack(ledger, now);
    throw error;
  }
  await ledger.setStatus(entry.id, 'success', `rollback to ${target.version} (#${target.id}): ${request.reason}`);
  for (const e of bad) await ledger.setStatus(e.id, 'failure', `rolled back to ${target.version} by #${entry.id}: ${request.reason}`);
  const undone = [...new Set(bad.map((e) => e.version))].join(', ') || current.version;
  return {
    entry: { ...entry, status: 'success' },
    currentVersion: target.version,
    previousVersion: current.version,
    message: `Rolled ${request.model} in ${request.environment} back from ${undone} to ${target.version} as #${entry.id} (${ledger.label}).`,
    unchanged: false,
  };
}

async function alreadyRolledBack(ledger: Ledger, history: readonly LedgerEntry[]): Promise<LedgerOutcome> {
  const current = currentOf(history) as LedgerEntry;
  // Finish what a rollback that died half-way left: its bad records still live.
  for (const id of current.rolledBack) {
    const e = history.find((h) => h.id === id);
    if (e && isLive(e)) await ledger.setStatus(id, 'failure', `rolled back to ${current.version} by #${current.id}`);
  }
  return {
    entry: current,
    currentVersion: current.version,
    previousVersion: current.previousVersion,
    message: `Nothing to roll back: ${current.model} in ${current.environment} is at ${current.version} (#${current.id}, ${current.operation} at ${current.time}); pass a version to go further back.`,
    unchanged: true,
  };
}

/** The current deployment and the one before it, from a history given newest first. */
export function statusOf(history: readonly LedgerEntry[], model: string, environment: string): LedgerOutcome {
  const current = currentOf(history);
  const previous = current ? history.find((e) => e.id < current.id && isDeployedFull(e) && e.version !== current.version) : undefined;
  return {
    entry: current,
    currentVersion: current?.version ?? null,
    previousVersion: previous?.version ?? null,
    message: current ? `${current.model} in ${current.environment}: ${current.version} since ${current.time} (#${current.id}).` : `${model} has no successful full deployment in ${environment} yet.`,
    unchanged: true,
  };
}

/** The history as a Markdown table, newest first; every value from the ledger is escaped. */
export function renderHistory(title: string, history: readonly LedgerEntry[], message: string): string {
  const lines = [`### ${escapeMarkdown(title)}`, '', escapeMarkdown(message), ''];
  if (history.length === 0) return [...lines, 'No records.'].join('\n');
  const rows = history.map((e) => [
    String(e.id),
    escapeMarkdown(e.time),
    code(e.version),
    escapeMarkdown(e.stage),
    escapeMarkdown(e.operation),
    escapeMarkdown(e.status),
    escapeMarkdown(e.gate ? `${e.gate.decision}${e.gate.approvals.length ? ` (${e.gate.approvals.join(', ')})` : ''}` : '—'),
    escapeMarkdown(e.actor ?? '—'),
    escapeMarkdown(e.reason ?? e.statusDescription ?? ''),
  ]);
  return [...lines, table(['#', 'Time', 'Version', 'Stage', 'Operation', 'Status', 'Gate', 'Actor', 'Note'], rows)].join('\n');
}

/** The history as plain text lines for a terminal, newest first. */
export function historyLines(history: readonly LedgerEntry[]): string[] {
  return history.map((e) => `#${e.id}  ${e.time}  ${e.version}  ${e.stage}  ${e.operation}  ${e.status}${e.reason ? `  (${e.reason})` : ''}`);
}
