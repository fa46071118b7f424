import { ConfigurationError, errorMessage } from '../io/errors.js';
import { code, escapeMarkdown, table } from '../io/markdown.js';
import {
  currentOf,
  isDeployedFull,
  isLive,
  LedgerConflictError,
  type Ledger,
  type LedgerEntry,
  type LedgerRecord,
  type CanaryVerdict,
  type ReleaseFacts,
} from './types.js';
import { findConflict } from './types.js';
import { describeServing, servingAfter, servingDisagreement, servingOf, SwitchConflictError, warmVersions, type ServingState, type ServingSwitch } from './switch.js';

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
 * A switch write failed after the ledger claimed the record: the record stays `in_progress`
 * (never `success` while serving reads something else) and blocks other rollouts until a
 * rerun of the same operation completes it. The user's fix: rerun.
 */
export class SwitchWriteError extends ConfigurationError {
  constructor(message: string, cause: unknown) {
    super(message);
    this.name = 'SwitchWriteError';
    this.cause = cause;
  }
}

/**
 * The newest record after the current deployment that a run left `in_progress` and that
 * `matches`: a claim whose switch write never completed (the run failed or was killed).
 */
function unfinished(history: readonly LedgerEntry[], matches: (e: LedgerEntry) => boolean): LedgerEntry | undefined {
  const current = currentOf(history);
  return history.find((e) => (!current || e.id > current.id) && e.status === 'in_progress' && matches(e));
}

/**
 * Fails closed when the history says serving was moved through a switch and this run has
 * none: the ledger would move alone and the two would disagree.
 */
export function requireSwitch(history: readonly LedgerEntry[], serving: ServingSwitch | null): void {
  if (serving) return;
  const moved = history.find((e) => e.switch);
  if (moved) {
    throw new ConfigurationError(
      `the ledger's record #${moved.id} moved serving through ${moved.switch}, but this run has no serving switch (promote.switch in the config, and its token): it would move the ledger alone. Run it with the config and token that record used`,
    );
  }
}

/**
 * Points the switch at what `entry` records, then marks the entry `success`. When the switch
 * refuses because a newer record set it, the entry is marked `failure` (it lost); any other
 * failure leaves it `in_progress` with the cause, for a rerun to complete.
 */
async function completeWithSwitch(ledger: Ledger, serving: ServingSwitch | null, entry: LedgerEntry, state: ServingState, warm: readonly string[], success: string): Promise<void> {
  if (serving) {
    try {
      await serving.write(entry.model, entry.environment, state, warm);
    } catch (error) {
      if (error instanceof SwitchConflictError) {
        await ledger.setStatus(entry.id, 'failure', `superseded: ${error.message}`);
        throw new LedgerConflictError(`${error.message} (#${entry.id} marked failure)`);
      }
      const why = errorMessage(error);
      await ledger.setStatus(entry.id, 'in_progress', `switch not set (${serving.label}): ${why}; rerun to complete`).catch(() => undefined);
      throw new SwitchWriteError(
        `the ledger claimed #${entry.id} (${entry.version} ${entry.stage}), but the serving switch (${serving.label}) was not set: ${why}. The record stays in_progress and serving is unchanged; rerun the same command to complete it, or roll back.`,
        error,
      );
    }
    // A rollback may have marked this record failed while the switch was being written.
    const now = (await ledger.history(entry.model, entry.environment, 50)).find((e) => e.id === entry.id);
    if (now && now.status === 'failure') throw new LedgerConflictError(`#${entry.id} was rolled back while it was being completed: ${now.statusDescription}`);
  }
  await ledger.setStatus(entry.id, 'success', success);
}

/**
 * Records one promotion stage and points the serving switch at it, as one operation: the
 * claim is a compare-and-swap on the current version (`expectedCurrent`, null for a first
 * release) that refuses while another rollout is in flight; the switch is written next, and
 * only then is the record marked `success`. A rerun after a failed or killed run completes
 * the record it left `in_progress` instead of claiming a new one.
 * @throws LedgerConflictError when production changed or another rollout won.
 * @throws SwitchWriteError when the switch could not be written (the record stays in progress).
 */
export async function promote(ledger: Ledger, record: LedgerRecord, expectedCurrent: string | null, serving: ServingSwitch | null = null): Promise<LedgerOutcome> {
  const history = await ledger.history(record.model, record.environment, 50);
  requireSwitch(history, serving);
  record = { ...record, switch: serving?.label ?? null };
  let entry = unfinished(history, (e) => e.operation === 'promote' && e.version === record.version && e.stage === record.stage);
  let resumed = false;
  if (entry) {
    const conflict = findConflict(history, { version: entry.version, id: entry.id }, entry.previousVersion);
    if (conflict) {
      await ledger.setStatus(entry.id, 'failure', `refused: ${conflict}`);
      entry = undefined;
    } else {
      resumed = true;
    }
  }
  entry ??= await ledger.claim({ ...record, previousVersion: expectedCurrent }, expectedCurrent);
  const before = entry.previousVersion;
  const what = `${entry.version} ${entry.stage} (${entry.trafficPercent}% of traffic)`;
  const state = servingAfter(entry, before);
  await completeWithSwitch(ledger, serving, entry, state, warmVersions(state, history), `${what}; production was ${before ?? 'empty'}`);
  const full = entry.stage === 'full';
  return {
    entry: { ...entry, status: 'success' },
    currentVersion: full ? entry.version : before,
    previousVersion: before,
    message: `${resumed ? 'Completed' : 'Recorded'} ${entry.model} ${what} in ${entry.environment} as #${entry.id} (${ledger.label}${serving ? `; serving: ${serving.label}` : ''}).`,
    unchanged: false,
  };
}

/** What triggered a rollback (`manual`, `canary-analysis`, `stage-overdue`, `monitor`), its evidence, and the canary verdicts that led to it. */
export interface RollbackCause {
  trigger: string;
  evidence: string[];
  canary?: CanaryVerdict[];
}

/** The release facts of a rollback: those of the version returned to, with the cause. */
function rollbackRelease(target: LedgerEntry, cause: RollbackCause): ReleaseFacts {
  const facts = target.release ?? {
    lineage: null,
    artifactCheck: { status: 'not-checked' as const, detail: 'no release record of the version returned to' },
    results: [],
    approvals: { reviewers: [], environment: [], override: null },
  };
  return { ...facts, canary: cause.canary ?? [], rollback: { trigger: cause.trigger, evidence: cause.evidence }, publishedUrl: null };
}

export interface RollbackRequest {
  model: string;
  environment: string;
  /** Roll back to this version (a deployed full record); default: the one before the current. */
  version?: string;
  reason: string;
  /** What triggered the rollback, for its release record (which otherwise repeats the target's facts). */
  cause?: RollbackCause;
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
 * the reason, points the serving switch at it, then marks the bad records `failure`.
 * Idempotent: run again right after, it changes nothing (and finishes what a run that died
 * half-way left: an unfinished rollback record, bad records still live, a switch that
 * disagrees with the ledger). A rollback racing another rollback loses its claim and
 * reports the winner's.
 */
export async function rollback(ledger: Ledger, request: RollbackRequest, serving: ServingSwitch | null = null): Promise<LedgerOutcome> {
  const history = await ledger.history(request.model, request.environment);
  if (history.length === 0) throw new ConfigurationError(`nothing to roll back: the ledger (${ledger.label}) has no record of ${request.model} in ${request.environment}`);
  requireSwitch(history, serving);
  const pending = unfinished(history, (e) => e.operation === 'rollback');
  if (pending) return finishRollback(ledger, serving, history, pending, request.reason, true);
  const plan = planRollback(history, request.version);
  if (!plan) return alreadyRolledBack(ledger, history, serving);
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
    ...(request.cause ? { release: rollbackRelease(target, request.cause) } : target.release ? { release: target.release } : {}),
    ...(target.snapshot ? { snapshot: target.snapshot } : {}),
    switch: serving?.label ?? null,
  };
  let entry: LedgerEntry;
  try {
    entry = await ledger.claim(record, current.version, new Set(bad.map((e) => e.id)));
  } catch (error) {
    if (!(error instanceof LedgerConflictError)) throw error;
    const now = await ledger.history(request.model, request.environment);
    if (planRollback(now, request.version) === null) return alreadyRolledBack(ledger, now, serving);
    throw error;
  }
  return finishRollback(ledger, serving, history, entry, request.reason, false);
}

/** Points the switch at a claimed rollback record, marks it `success` and its bad records `failure`. */
async function finishRollback(ledger: Ledger, serving: ServingSwitch | null, history: readonly LedgerEntry[], entry: LedgerEntry, reason: string, resumed: boolean): Promise<LedgerOutcome> {
  const bad = history.filter((e) => entry.rolledBack.includes(e.id));
  const state: ServingState = { version: entry.version, canary: null, record: entry.id };
  const warm = [entry.version, ...new Set(bad.map((e) => e.version))].slice(0, 3);
  await completeWithSwitch(ledger, serving, entry, state, warm, `rollback to ${entry.version}: ${reason}`);
  for (const e of bad) if (isLive(e)) await ledger.setStatus(e.id, 'failure', `rolled back to ${entry.version} by #${entry.id}: ${entry.reason ?? reason}`);
  const undone = [...new Set(bad.map((e) => e.version))].join(', ') || entry.previousVersion || 'nothing';
  return {
    entry: { ...entry, status: 'success' },
    currentVersion: entry.version,
    previousVersion: entry.previousVersion,
    message: `${resumed ? 'Completed the rollback' : 'Rolled'} ${entry.model} in ${entry.environment} back from ${undone} to ${entry.version} as #${entry.id} (${ledger.label}${serving ? `; serving: ${serving.label}` : ''}).`,
    unchanged: false,
  };
}

async function alreadyRolledBack(ledger: Ledger, history: readonly LedgerEntry[], serving: ServingSwitch | null): Promise<LedgerOutcome> {
  const current = currentOf(history) as LedgerEntry;
  // Finish what a rollback that died half-way left: its bad records still live.
  for (const id of current.rolledBack) {
    const e = history.find((h) => h.id === id);
    if (e && isLive(e)) await ledger.setStatus(id, 'failure', `rolled back to ${current.version} by #${current.id}`);
  }
  // And a switch that does not read what the ledger says.
  let converged = '';
  if (serving) {
    const now = await ledger.history(current.model, current.environment, 50);
    const expected = servingOf(now);
    const actual = await serving.read(current.model, current.environment);
    if (expected && servingDisagreement(expected, actual).length > 0) {
      await serving.write(current.model, current.environment, expected, warmVersions(expected, now));
      converged = ` Serving read ${describeServing(actual)}; set back to ${describeServing(expected)}.`;
    }
  }
  return {
    entry: current,
    currentVersion: current.version,
    previousVersion: current.previousVersion,
    message: `Nothing to roll back: ${current.model} in ${current.environment} is at ${current.version} (#${current.id}, ${current.operation} at ${current.time}); pass a version to go further back.${converged}`,
    unchanged: converged === '',
  };
}

/** The current deployment and the one before it, from a history given newest first. */
export function statusOf(history: readonly LedgerEntry[], model: string, environment: string): LedgerOutcome {
  const current = currentOf(history);
  const previous = current ? history.find((e) => e.id < current.id && isDeployedFull(e) && e.version !== current.version) : undefined;
  return {
    entry: current,
    currentVersion: current?.version ?? null,
    // A rollback's earlier full records are marked failed: the record itself names what it replaced.
    previousVersion: previous?.version ?? current?.previousVersion ?? null,
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
