/** The serving switch: what serving reads, changed together with the ledger. */

import { currentOf, isLive, stagePercent, type LedgerEntry } from './types.js';

/** What serving reads for one model in one environment. */
export interface ServingState {
  /** The version that takes the traffic the canary does not get; null when nothing is set. */
  version: string | null;
  /** The canary and its share of traffic in whole percent (1–99); null when there is none. */
  canary: { version: string; percent: number } | null;
  /** Id of the ledger record that set this state; null when the switch was never set by a record. */
  record: number | null;
}

/**
 * A switch that serving reads (GitHub environment variables, an OpenFeature flagd flag file).
 * Every write is guarded by the ledger record id: a switch holding a state set by a newer
 * record than the one writing refuses with `SwitchConflictError`, so a slow writer can never
 * undo what a later promotion or rollback set.
 */
export interface ServingSwitch {
  /** `environment-variables:<owner>/<repo>`, `flagd:<owner>/<repo>/<path>@<branch>`, `flagd-file:<path>`: for messages. */
  readonly label: string;
  /** What serving reads now; null when the switch holds nothing for the model. */
  read(model: string, environment: string): Promise<ServingState | null>;
  /**
   * Sets what serving reads. `warm` lists the versions kept loaded (current, previous,
   * canary): a flag file keeps them as variants so a rollback needs no redeploy.
   * @throws SwitchConflictError when the switch holds a state from a newer ledger record.
   */
  write(model: string, environment: string, state: ServingState, warm: readonly string[]): Promise<void>;
}

/** The switch holds a state written for a newer ledger record: this write is stale. */
export class SwitchConflictError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SwitchConflictError';
  }
}

/**
 * What serving should read, from the ledger's history (newest first): the current full
 * deployment, and the newest confirmed canary stage recorded after it (in-progress records
 * are not confirmed; failed ones were refused or rolled back). Null when nothing is deployed.
 */
export function servingOf(history: readonly LedgerEntry[]): ServingState | null {
  const current = currentOf(history);
  const after = history.filter((e) => (current ? e.id > current.id : true) && isLive(e) && e.status !== 'in_progress');
  const canaryEntry = after.find((e) => e.stage !== 'full');
  const percent = canaryEntry ? stagePercent(canaryEntry.stage) : undefined;
  if (!current && !canaryEntry) return null;
  const canary = canaryEntry && percent !== undefined ? { version: canaryEntry.version, percent } : null;
  const record = Math.max(current?.id ?? 0, canaryEntry?.id ?? 0);
  return { version: current?.version ?? null, canary, record: record > 0 ? record : null };
}

/** The state a record puts serving in, given the current deployment it was claimed against. */
export function servingAfter(entry: Pick<LedgerEntry, 'id' | 'version' | 'stage'>, currentVersion: string | null): ServingState {
  const percent = stagePercent(entry.stage);
  if (entry.stage === 'full' || percent === undefined || percent >= 100) return { version: entry.version, canary: null, record: entry.id };
  return { version: currentVersion, canary: { version: entry.version, percent }, record: entry.id };
}

/**
 * The versions worth keeping loaded for a state: its version, its canary, and the last other
 * full version in the history (the one a rollback returns to), at most three.
 */
export function warmVersions(state: ServingState, history: readonly LedgerEntry[]): string[] {
  const warm = new Set<string>();
  if (state.version) warm.add(state.version);
  if (state.canary) warm.add(state.canary.version);
  const previous = history.find((e) => e.stage === 'full' && (e.status === 'success' || e.status === 'inactive') && e.version !== state.version);
  if (previous) warm.add(previous.version);
  return [...warm];
}

/** `2.0.0 (canary 1.9.0 at 10%)`, `nothing`: one state in a few words. */
export function describeServing(state: ServingState | null): string {
  if (!state || (state.version === null && !state.canary)) return 'nothing';
  const base = state.version ?? 'no version';
  return state.canary ? `${base}, canary ${state.canary.version} at ${state.canary.percent}%` : base;
}

/**
 * How what serving reads differs from what the ledger says it should; empty when they agree.
 * The record id that set the switch is informative only: equal versions and shares agree.
 */
export function servingDisagreement(expected: ServingState | null, actual: ServingState | null): string[] {
  const problems: string[] = [];
  const want = expected ?? { version: null, canary: null, record: null };
  const have = actual ?? { version: null, canary: null, record: null };
  if (want.version !== have.version) problems.push(`serving reads version ${have.version ?? 'nothing'}, the ledger says ${want.version ?? 'nothing'}`);
  const wantCanary = want.canary ? `${want.canary.version} at ${want.canary.percent}%` : 'none';
  const haveCanary = have.canary ? `${have.canary.version} at ${have.canary.percent}%` : 'none';
  if (wantCanary !== haveCanary) problems.push(`serving reads canary ${haveCanary}, the ledger says ${wantCanary}`);
  return problems;
}
