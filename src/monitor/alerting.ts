import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../io/atomic.js';
import { ConfigurationError, isNodeError } from '../io/errors.js';

/** What the monitor checks; each can breach. */
export type CheckName = 'vectors' | 'pairs' | 'triplets' | 'retrieval' | 'drift';

/**
 * How bad a breach is: `severe` alerts at once (a probe's vector changed: another model is
 * serving); `failure` alerts once confirmed and fails the run; `warning` alerts once
 * confirmed and does not fail it (drift, unless configured as a failure).
 */
export type Severity = 'severe' | 'failure' | 'warning';

export interface Breach {
  check: CheckName;
  severity: Severity;
  /** One plain sentence with the figures. */
  message: string;
}

export const STATE_SCHEMA = 'model-gates/monitor-state@1' as const;

/** What one run leaves for the next: per check, how many consecutive runs it has breached. */
export interface MonitorState {
  schema: typeof STATE_SCHEMA;
  model: string;
  environment: string;
  /** The production version the streaks were counted for; a new version starts afresh. */
  version: string;
  time: string;
  streaks: Partial<Record<CheckName, number>>;
}

export interface AlertDecision {
  /** Breaches that alert in this run: severe ones, and others breached `confirmRuns` runs in a row. */
  alerting: Breach[];
  /** Breaches waiting for confirmation by the next run. */
  pending: Breach[];
  /** Whether the run fails: an alerting breach that is severe or a failure. */
  failed: boolean;
  /** The state to keep for the next run. */
  state: MonitorState;
}

/**
 * Alert discipline. A scheduled check must not cry wolf: a breach alerts when it is
 * confirmed on `confirmRuns` consecutive runs (default 2; 1 alerts at once), and a severe
 * breach alerts at once. A check that does not breach resets its streak; a new production
 * version resets them all.
 */
export function decideAlerts(breaches: readonly Breach[], previous: MonitorState | null, subject: { model: string; environment: string; version: string; time: string }, confirmRuns: number): AlertDecision {
  const before = previous && previous.version === subject.version ? previous.streaks : {};
  const streaks: MonitorState['streaks'] = {};
  for (const breach of breaches) streaks[breach.check] = (before[breach.check] ?? 0) + 1;
  const alerting = breaches.filter((b) => b.severity === 'severe' || (streaks[b.check] ?? 0) >= confirmRuns);
  const pending = breaches.filter((b) => !alerting.includes(b));
  return {
    alerting,
    pending,
    failed: alerting.some((b) => b.severity !== 'warning'),
    state: { schema: STATE_SCHEMA, model: subject.model, environment: subject.environment, version: subject.version, time: subject.time, streaks },
  };
}

/** The state file of a model in an environment, inside the state directory. */
export function stateFile(dir: string, model: string, environment: string): string {
  return join(dir, `${`${model}@${environment}`.replace(/[^A-Za-z0-9._@-]/g, '_')}.json`);
}

/**
 * The previous run's state; null when there is none (a first run: nothing to confirm yet).
 * A file that cannot be read as a state is an error: the monitor does not guess.
 */
export async function readState(file: string): Promise<MonitorState | null> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if (isNodeError(error, 'ENOENT')) return null;
    throw error;
  }
  let state: MonitorState;
  try {
    state = JSON.parse(text) as MonitorState;
  } catch {
    throw new ConfigurationError('the monitor state file is not JSON; delete it to start the confirmation streaks afresh', { file });
  }
  if (state?.schema !== STATE_SCHEMA || typeof state.streaks !== 'object' || state.streaks === null) {
    throw new ConfigurationError(`the monitor state file is not a ${STATE_SCHEMA}; delete it to start afresh`, { file });
  }
  return state;
}

export async function writeState(file: string, state: MonitorState): Promise<void> {
  await writeFileAtomic(file, `${JSON.stringify(state, null, 2)}\n`);
}
