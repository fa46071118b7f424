import { schemaProblems } from '../../src/io/schema.js';
import type { CheckSection, Result, SegmentRow, WorstItem } from '../../src/results/types.js';
import type { ReportContext } from '../../src/report/render.js';

const DIGEST = `sha256:${'ab'.repeat(32)}`;

function provenance(): Result['provenance'] {
  return {
    tool: 'model-gates',
    version: '0.1.0',
    commit: 'c0ffee1234567890c0ffee1234567890c0ffee12',
    ref: 'refs/pull/7/merge',
    repository: 'acme/search',
    runUrl: 'https://github.com/acme/search/actions/runs/99',
    inputsDigest: DIGEST,
    startedAt: '2026-11-20T10:00:00.000Z',
    finishedAt: '2026-11-20T10:01:00.000Z',
  };
}

/**
 * A valid result; throws when the overrides make it invalid, so fixtures cannot drift from
 * the schema. `validate: false` skips the check for very large generated results (slow).
 */
export function result(overrides: Partial<Result>, validate = true): Result {
  const value: Result = {
    schema: 'model-gates/result@1',
    id: 'embedding-regression',
    kind: 'embedding-regression',
    subject: { model: 'search-embedder', candidateVersion: '1.3.0', productionVersion: '1.2.0', productionSource: 'ledger' },
    verdict: 'pass',
    summary: 'No credible regression.',
    metrics: {},
    checks: [],
    findings: [],
    provenance: provenance(),
    ...overrides,
  };
  const problems = validate ? schemaProblems('result', value) : [];
  if (problems.length > 0) throw new Error(`fixture is not a valid result: ${problems.map((p) => p.message).join('; ')}`);
  return value;
}

/** A pair-similarity check with segments (one regressing) and worst pairs. */
export function pairsCheck(overrides: Partial<CheckSection> = {}): CheckSection {
  const segments: SegmentRow[] = [
    { segment: 'en', size: 400, metric: 'pair AUC', production: 0.91, candidate: 0.915, change: 0.005, interval: { low: -0.004, high: 0.014, level: 0.95 }, adjustedPValue: 0.31, gated: true, verdict: 'pass' },
    { segment: 'de', size: 120, metric: 'pair AUC', production: 0.88, candidate: 0.842, change: -0.038, interval: { low: -0.061, high: -0.015, level: 0.95 }, adjustedPValue: 0.004, gated: true, verdict: 'fail' },
    { segment: 'legal', size: 12, metric: 'pair AUC', production: 0.8, candidate: 0.75, change: -0.05, interval: { low: -0.09, high: -0.011, level: 0.95 }, adjustedPValue: 0.04, gated: false, verdict: 'pass' },
  ];
  const worst: WorstItem[] = [
    { id: 'pair-0042', texts: ['Hund', 'Welpe'], segment: 'de', label: 'related', production: 0.82, candidate: 0.41, change: -0.41 },
    { id: 'pair-0007', texts: ['contract law', 'tort'], segment: 'legal', label: 'related', production: 0.7, candidate: 0.52, change: -0.18 },
  ];
  return {
    id: 'pairs',
    title: 'Pair similarity',
    verdict: 'fail',
    summary: 'Related pairs separate less well in German.',
    rows: [
      { metric: 'pair AUC', production: 0.902, candidate: 0.897, change: -0.005, interval: { low: -0.012, high: 0.002, level: 0.95 }, higherIsBetter: true, verdict: 'pass' },
      { metric: 'mean cosine (related)', production: 0.71, candidate: 0.69, change: -0.02, higherIsBetter: true },
    ],
    segments,
    worst,
    ...overrides,
  };
}

/** A contract result with findings located in a file. */
export function contractResult(overrides: Partial<Result> = {}): Result {
  return result({
    id: 'contract',
    kind: 'contract',
    verdict: 'fail',
    summary: 'The contract breaks compatibility.',
    findings: [
      { rule: 'space.dimension', severity: 'error', message: 'dimension changed from 768 to 1024 without a major version bump', location: { file: 'models/search-embedder/contract.yml', line: 12 } },
      { rule: 'lineage', severity: 'warning', message: 'lineage.evaluation is empty' },
    ],
    ...overrides,
  });
}

export function context(overrides: Partial<ReportContext> = {}): ReportContext {
  return {
    header: 'default',
    serverUrl: 'https://github.com',
    repository: 'acme/search',
    commit: 'c0ffee1234567890c0ffee1234567890c0ffee12',
    runUrl: 'https://github.com/acme/search/actions/runs/1234',
    artifact: null,
    toolVersion: '0.1.0',
    ...overrides,
  };
}
