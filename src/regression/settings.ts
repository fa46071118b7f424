import type { RegressionConfig } from '../config/types.js';
import type { StatKeys, SuiteFile } from './suite.js';

/** The statistical settings one check runs with, every default filled in. */
export interface CheckSettings {
  /** Largest acceptable drop of the deciding metric (its own unit); for neighbours, the minimum overlap or null. */
  tolerance: number | null;
  /** Two-sided confidence level of the intervals. */
  confidence: number;
  resamples: number;
  seed: number;
  minSegmentSize: number;
  worstItems: number;
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
export function resolveSettings(check: CheckName, config: RegressionConfig, suite: SuiteFile, seedOverride?: number): CheckSettings {
  const own: StatKeys & { tolerance?: number; minOverlap?: number } = suite.checks[check] ?? {};
  const shared = suite.settings ?? {};
  const pick = <K extends keyof StatKeys>(key: K, fallback: number): number => own[key] ?? shared[key] ?? config[key] ?? fallback;
  const tolerance =
    check === 'neighbours'
      ? (own.minOverlap ?? config.minOverlap ?? null)
      : (own.tolerance ?? config.tolerance?.[check] ?? DEFAULTS.tolerance[check]);
  return {
    tolerance,
    confidence: pick('confidence', DEFAULTS.confidence),
    resamples: pick('resamples', DEFAULTS.resamples),
    seed: seedOverride ?? pick('seed', DEFAULTS.seed),
    minSegmentSize: pick('minSegmentSize', DEFAULTS.minSegmentSize),
    worstItems: shared.worstItems ?? config.worstItems ?? DEFAULTS.worstItems,
  };
}
