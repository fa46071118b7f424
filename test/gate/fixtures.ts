import type { Result, ResultKind, Verdict } from '../../src/results/types.js';

/** A valid result@1 with the given kind, verdict and metrics; everything else fixed. */
export function result(options: {
  id: string;
  kind?: ResultKind;
  verdict?: Verdict;
  metrics?: Record<string, number | null>;
  details?: Record<string, unknown>;
  model?: string;
  candidateVersion?: string;
  summary?: string;
}): Result {
  return {
    schema: 'model-gates/result@1',
    id: options.id,
    kind: options.kind ?? 'embedding-regression',
    subject: { model: options.model ?? 'search-embedder', candidateVersion: options.candidateVersion ?? '2.1.0', productionVersion: '2.0.0' },
    verdict: options.verdict ?? 'pass',
    summary: options.summary ?? `${options.id} summary`,
    metrics: options.metrics ?? {},
    checks: [],
    findings: [],
    ...(options.details ? { details: options.details } : {}),
    provenance: {
      tool: 'model-gates',
      version: '0.0.0',
      commit: null,
      inputsDigest: `sha256:${'0'.repeat(64)}`,
      startedAt: '2026-01-01T00:00:00Z',
      finishedAt: '2026-01-01T00:00:01Z',
    },
  };
}
