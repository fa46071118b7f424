/** Types of `schemas/result.schema.json` (`model-gates/result@1`). Keep the two in step. */

export const RESULT_SCHEMA = 'model-gates/result@1' as const;

export type Verdict = 'pass' | 'marginal' | 'fail' | 'error';
export type ResultKind = 'contract' | 'embedding-regression' | 'canary-analysis' | 'shadow' | 'gate' | 'promote' | 'monitor';
export type Severity = 'error' | 'warning' | 'notice';

export interface Interval {
  low: number;
  high: number;
  /** Confidence level, e.g. 0.95. */
  level: number;
}

export interface Row {
  metric: string;
  production?: number | null;
  candidate?: number | null;
  change?: number | null;
  interval?: Interval;
  higherIsBetter?: boolean;
  verdict?: Verdict;
  note?: string;
}

export interface SegmentRow {
  segment: string;
  size: number;
  metric?: string;
  production?: number | null;
  candidate?: number | null;
  change?: number | null;
  interval?: Interval;
  pValue?: number | null;
  adjustedPValue?: number | null;
  gated?: boolean;
  verdict?: Verdict;
}

export interface WorstItem {
  id: string;
  texts?: string[];
  segment?: string | null;
  label?: string;
  production?: number | null;
  candidate?: number | null;
  change?: number | null;
}

export interface CheckSection {
  id: string;
  title: string;
  verdict: Verdict;
  summary?: string;
  rows: Row[];
  segments?: SegmentRow[];
  worst?: WorstItem[];
}

export interface Finding {
  rule?: string;
  severity: Severity;
  message: string;
  location?: { file: string; line?: number; column?: number };
}

export interface Provenance {
  tool: 'model-gates';
  version: string;
  commit?: string | null;
  ref?: string | null;
  repository?: string | null;
  runUrl?: string | null;
  inputsDigest: string;
  startedAt: string;
  finishedAt: string;
}

export interface Subject {
  model: string;
  candidateVersion: string;
  productionVersion?: string | null;
  productionSource?: string;
}

export interface Result {
  schema: typeof RESULT_SCHEMA;
  id: string;
  kind: ResultKind;
  subject: Subject;
  verdict: Verdict;
  summary: string;
  metrics: Record<string, number | null>;
  checks: CheckSection[];
  findings: Finding[];
  details?: Record<string, unknown>;
  shard?: { index: number; count: number };
  provenance: Provenance;
}
