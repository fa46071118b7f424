import type { RegressionConfig } from '../config/types.js';
import type { StatKeys, SuiteFile } from './suite.js';

/** The statistical settings every check runs with, every default filled in. */
interface StatSettings {
  /** Two-sided confidence level of the intervals. */
  confidence: number;
  resamples: number;
  seed: number;
  minSegmentSize: number;
  worstItems: number;
}

/** Settings of pairs, triplets and retrieval: the drop they tolerate. */
export interface DropSettings extends StatSettings {
  /** Largest acceptable drop of the deciding metric, in the metric's own unit (an absolute drop, not a fraction). */
  tolerance: number;
}

/** Settings of neighbours: the overlap it requires. */
export interface OverlapSettings extends StatSettings {
  /** Smallest acceptable overlap@k between the two spaces (0–1), or null to report the overlap without judging it. */
  minOverlap: number | null;
}

/** The settings one check runs with, as kept in its record. */
export type CheckSettings = DropSettings | OverlapSettings;

/** The tolerated drop of a pairs, triplets or retrieval record. */
export function toleranceOf(settings: CheckSettings): number {
  if (!('tolerance' in settings)) throw new Error('internal error: a neighbours record has no tolerance');
  return settings.tolerance;
}

/** The required overlap of a neighbours record. */
export function minOverlapOf(settings: CheckSettings): number | null {
  if (!('minOverlap' in settings)) throw new Error('internal error: only a neighbours record has a minimum overlap');
  return settings.minOverlap;
}

export type CheckName = 'pairs' | 'triplets' | 'retrieval' | 'neighbours';

/** Built-in defaults, documented in schemas/suite.schema.json and the README (embedding-regression). */
export const DEFAULTS = {
  confidence: 0.95,
  resamples: 2000,
  seed: 1,
  minSegmentSize: 30,
  worstItems: 5,
  tolerance: { pairs: 0.02, triplets: 0.02, retrieval: 0.02 },
  relatedFloor: 0.5,
  unrelatedCeiling: 0.3,
  k: 10,
  sample: 500,
  rankDropRatio: 0.5,
} as const;

/**
 * Settings of one check, from weakest to strongest: built-in defaults, the config file's
 * `regression` section, the suite's `settings`, the check's own keys, then the `seed` input.
 */
export function resolveSettings(check: 'neighbours', config: RegressionConfig, suite: SuiteFile, seedOverride?: number): OverlapSettings;
export function resolveSettings(check: Exclude<CheckName, 'neighbours'>, config: RegressionConfig, suite: SuiteFile, seedOverride?: number): DropSettings;
export function resolveSettings(check: CheckName, config: RegressionConfig, suite: SuiteFile, seedOverride?: number): CheckSettings;
export function resolveSettings(check: CheckName, config: RegressionConfig, suite: SuiteFile, seedOverride?: number): CheckSettings {
  const own: StatKeys & { tolerance?: number; minOverlap?: number } = suite.checks[check] ?? {};
  const shared = suite.settings ?? {};
  const pick = <K extends keyof StatKeys>(key: K, fallback: number): number => own[key] ?? shared[key] ?? config[key] ?? fallback;
  const stats: StatSettings = {
    confidence: pick('confidence', DEFAULTS.confidence),
    resamples: pick('resamples', DEFAULTS.resamples),
    seed: seedOverride ?? pick('seed', DEFAULTS.seed),
    minSegmentSize: pick('minSegmentSize', DEFAULTS.minSegmentSize),
    worstItems: shared.worstItems ?? config.worstItems ?? DEFAULTS.worstItems,
  };
  if (check === 'neighbours') return { minOverlap: own.minOverlap ?? config.minOverlap ?? null, ...stats };
  return { tolerance: own.tolerance ?? config.tolerance?.[check] ?? DEFAULTS.tolerance[check], ...stats };
}
