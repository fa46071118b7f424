import { resolve } from 'node:path';
import { defineCommand, type Environment } from '../command.js';
import { loadConfig } from '../config/load.js';
import type { CanaryConfig, CanaryMetricConfig } from '../config/types.js';
import { ConfigurationError, type Problem } from '../io/errors.js';
import type { SourceDocument } from '../io/yaml.js';
import { recordResult } from '../results/record.js';
import type { Finding, Result, Row } from '../results/types.js';
import { judgeCanary, type CanaryJudgement, type MetricJudgement, type MetricSamples } from './judge.js';
import { MetricsFileSource, readMetricsFile } from './metrics-file.js';
import { PrometheusSource, authorizationHeader } from './prometheus.js';
import { GROUP_PLACEHOLDER, resolveWindow, type MetricsSource, type TimeWindow } from './source.js';
import { renderCanarySummary } from './summary.js';

export const canaryAnalysisCommand = defineCommand({
  name: 'canary-analysis',
  description: 'Judge live canary metrics against the baseline (Prometheus or a metrics file) with a statistical judge',
  inputs: {
    source: { kind: 'enum', values: ['prometheus', 'file'] as const, default: 'prometheus', description: 'Where the metrics come from: prometheus (query_range) or file (metrics-file).' },
    'prometheus-url': { kind: 'string', description: 'Prometheus base URL; overrides canary.prometheus.url of the config.' },
    'metrics-file': { kind: 'string', description: 'CSV (metric,group,value) or JSON ({"metrics": {name: {group: [values]}}}) samples, for source: file.' },
    baseline: { kind: 'string', default: 'baseline', description: 'Label value of the baseline: replaces {{group}} in the query templates, or the group in the metrics file.' },
    canary: { kind: 'string', default: 'canary', description: 'Label value of the canary: replaces {{group}} in the query templates, or the group in the metrics file.' },
    start: { kind: 'string', description: 'Start of the analysis window: RFC 3339 or Unix seconds. Give start or window, not both.' },
    end: { kind: 'string', description: 'End of the analysis window: RFC 3339 or Unix seconds. Defaults to now.' },
    window: { kind: 'string', description: 'Length of the analysis window ending at end, e.g. 30m or 1h. Defaults to 30m when start is not given.' },
    step: { kind: 'string', default: '1m', description: 'Resolution of the range queries: one sample per step and group, e.g. 30s.' },
    model: { kind: 'string', required: true, description: 'Name of the model under canary.' },
    version: { kind: 'string', required: true, description: 'Version of the model the canary serves.' },
    'results-dir': { kind: 'string', default: 'model-gates-results', description: 'Directory the result file is written to.' },
    'check-id': { kind: 'string', default: 'canary-analysis', description: 'Id of this check; the result is <results-dir>/<check-id>.json.' },
    config: { kind: 'string', description: 'Project config file (its canary section defines the metrics). Defaults to model-gates.yml when it exists.' },
  },
  outputs: {
    verdict: 'pass, marginal or fail.',
    score: 'Weighted share of passing metrics, 0-100.',
    'result-file': 'Path of the result JSON.',
  },
  async run(inputs, environment) {
    const startedAt = new Date();
    const workspace = environment.context.workspace;
    const { config, source: configSource, deprecations } = await loadConfig(inputs.config, workspace);
    for (const problem of deprecations) environment.log.warning(problem.message, problem.location);
    const canary = config.canary;
    if (!canary) {
      throw new ConfigurationError(
        `no canary section in the config${configSource ? '' : ' (no config file found: give input config or add model-gates.yml)'}; it lists the metrics to judge`,
        configSource ? { file: configSource.file, line: 1 } : undefined,
      );
    }
    checkMetrics(canary, inputs.source, configSource);
    const labels = { baseline: inputs.baseline, canary: inputs.canary };
    if (labels.baseline === labels.canary) throw new ConfigurationError(`inputs 'baseline' and 'canary' are both '${labels.baseline}'; they must name different groups`);

    let metricsSource: MetricsSource;
    let window: TimeWindow | undefined;
    if (inputs.source === 'file') {
      if (!inputs.metricsFile) throw new ConfigurationError("input 'metrics-file' is required with source: file");
      const table = await readMetricsFile(resolve(workspace, inputs.metricsFile), inputs.metricsFile);
      const fileSource = new MetricsFileSource(table, labels, inputs.metricsFile);
      const unused = fileSource.unusedMetrics(canary.metrics);
      if (unused.length > 0) environment.log.warning(`metrics in ${inputs.metricsFile} that no canary metric reads: ${unused.join(', ')}`);
      metricsSource = fileSource;
    } else {
      const url = inputs.prometheusUrl ?? canary.prometheus?.url;
      if (!url) throw new ConfigurationError("no Prometheus URL: give input 'prometheus-url' or canary.prometheus.url in the config");
      window = resolveWindow(inputs, Date.now() / 1000);
      const authorization = authorizationHeader(canary.prometheus ?? {}, environment.env, (value) => environment.setSecret(value));
      metricsSource = new PrometheusSource({
        url,
        window,
        labels,
        ...(authorization ? { headers: { authorization } } : {}),
        ...(canary.prometheus?.timeoutMs ? { timeoutMs: canary.prometheus.timeoutMs } : {}),
        log: environment.log,
      });
    }

    const samples = await collectSamples(canary.metrics, metricsSource, environment);
    const judgement = judgeCanary(canary.metrics, samples, {
      ...(canary.confidence !== undefined ? { confidence: canary.confidence } : {}),
      ...(canary.thresholds?.pass !== undefined ? { passScore: canary.thresholds.pass } : {}),
      ...(canary.thresholds?.marginal !== undefined ? { marginalScore: canary.thresholds.marginal } : {}),
    });
    for (const metric of judgement.metrics) {
      const line = `${metric.name}: ${metric.classification} — ${metric.reason}`;
      if (metric.failed) environment.log.warning(line);
      else environment.log.info(line);
    }
    environment.log.info(`canary analysis: ${judgement.verdict}, score ${judgement.score}: ${judgement.reason}`);

    const body = canaryResult(judgement, {
      checkId: inputs.checkId,
      model: inputs.model,
      version: inputs.version,
      source: metricsSource.description,
      labels,
      window,
    });
    const { file } = await recordResult(body, { context: environment.context, resultsDir: inputs.resultsDir, digest: { of: { inputs, config: canary, samples: digestableSamples(samples) } }, startedAt });
    return {
      outputs: { verdict: judgement.verdict, score: String(judgement.score), 'result-file': file },
      summary: renderCanarySummary(judgement, { model: inputs.model, version: inputs.version, source: metricsSource.description }),
      ...(judgement.verdict === 'fail' ? { failure: `canary analysis failed: ${judgement.reason}` } : {}),
    };
  },
});

/** Checks what the schema cannot: unique names, thresholds in order, query templates for Prometheus. */
function checkMetrics(canary: CanaryConfig, source: 'prometheus' | 'file', document: SourceDocument | undefined): void {
  const problems: Problem[] = [];
  const at = (path: (string | number)[]): Problem['location'] => document?.locate(['canary', ...path]);
  const withLocation = (message: string, path: (string | number)[]): Problem => {
    const location = at(path);
    return location ? { message, location } : { message };
  };
  const seen = new Set<string>();
  canary.metrics.forEach((metric, index) => {
    if (seen.has(metric.name)) problems.push(withLocation(`canary metric '${metric.name}' is defined twice`, ['metrics', index, 'name']));
    seen.add(metric.name);
    if (source === 'prometheus') {
      if (!metric.query) problems.push(withLocation(`canary metric '${metric.name}' has no query; the prometheus source needs one`, ['metrics', index]));
      else if (!metric.query.includes(GROUP_PLACEHOLDER)) {
        problems.push(withLocation(`the query of canary metric '${metric.name}' has no ${GROUP_PLACEHOLDER} placeholder, so baseline and canary would read the same series`, ['metrics', index, 'query']));
      }
    }
  });
  const pass = canary.thresholds?.pass ?? 95;
  const marginal = canary.thresholds?.marginal ?? 75;
  if (marginal > pass) problems.push(withLocation(`canary.thresholds.marginal (${marginal}) is above canary.thresholds.pass (${pass})`, ['thresholds', 'marginal']));
  if (problems.length > 0) throw new ConfigurationError(problems);
}

async function collectSamples(metrics: readonly CanaryMetricConfig[], source: MetricsSource, environment: Environment): Promise<Map<string, MetricSamples>> {
  return environment.log.group(`reading ${metrics.length} metric(s) from ${source.description}`, async () => {
    const entries = await Promise.all(
      metrics.map(async (metric) => {
        const [baseline, canary] = await Promise.all([source.samples(metric, 'baseline'), source.samples(metric, 'canary')]);
        environment.log.info(`${metric.name}: ${baseline.length} baseline and ${canary.length} canary sample(s)`);
        return [metric.name, { baseline, canary }] as const;
      }),
    );
    return new Map(entries);
  });
}

function digestableSamples(samples: Map<string, MetricSamples>): Record<string, { baseline: number[]; canary: number[] }> {
  const out: Record<string, { baseline: number[]; canary: number[] }> = {};
  for (const [name, s] of samples) out[name] = { baseline: Array.from(s.baseline), canary: Array.from(s.canary) };
  return out;
}

function finite(value: number | null): number | null {
  return value !== null && Number.isFinite(value) ? value : null;
}

function metricRow(metric: MetricJudgement): Row {
  const row: Row = {
    metric: metric.name,
    production: finite(metric.baselineMedian),
    candidate: finite(metric.canaryMedian),
    change: finite(metric.shift),
    verdict: metric.classification === 'no-data' ? 'error' : metric.failed ? 'fail' : 'pass',
    note: `${metric.classification}: ${metric.reason}`.slice(0, 1000),
  };
  if (metric.interval) row.interval = metric.interval;
  if (metric.direction !== 'either') row.higherIsBetter = metric.direction === 'decrease';
  return row;
}

interface ResultContext {
  checkId: string;
  model: string;
  version: string;
  source: string;
  labels: { baseline: string; canary: string };
  window: TimeWindow | undefined;
}

/** The `model-gates/result@1` body of a canary analysis (provenance is stamped on later). */
export function canaryResult(judgement: CanaryJudgement, context: ResultContext): Omit<Result, 'schema' | 'provenance'> {
  const metrics: Record<string, number | null> = {
    'canary.score': judgement.score,
    'canary.failed': judgement.metrics.filter((m) => m.failed && m.classification !== 'no-data').length,
    'canary.no-data': judgement.metrics.filter((m) => m.classification === 'no-data').length,
  };
  for (const m of judgement.metrics) {
    metrics[`canary.${m.name}.shift`] = finite(m.shift);
    metrics[`canary.${m.name}.relative-shift`] = finite(m.relativeShift);
    metrics[`canary.${m.name}.p-higher`] = m.pHigher;
    metrics[`canary.${m.name}.p-lower`] = m.pLower;
  }
  const findings: Finding[] = judgement.metrics
    .filter((m) => m.failed)
    .map((m) => ({
      rule: m.classification === 'no-data' ? 'canary-no-data' : 'canary-regression',
      severity: m.critical || m.classification !== 'no-data' ? 'error' : 'warning',
      message: `${m.name}: ${m.reason}`,
    }));
  return {
    id: context.checkId,
    kind: 'canary-analysis',
    subject: { model: context.model, candidateVersion: context.version, productionSource: `canary baseline (${context.labels.baseline})` },
    verdict: judgement.verdict,
    summary: `Canary ${judgement.verdict} with score ${judgement.score}: ${judgement.reason}.`.slice(0, 2000),
    metrics,
    checks: [
      {
        id: 'canary-metrics',
        title: 'Canary metrics against the baseline',
        verdict: judgement.verdict,
        summary: judgement.reason.slice(0, 2000),
        rows: judgement.metrics.map(metricRow),
      },
    ],
    findings,
    details: {
      source: context.source,
      labels: context.labels,
      ...(context.window
        ? { window: { start: new Date(context.window.start * 1000).toISOString(), end: new Date(context.window.end * 1000).toISOString(), stepSeconds: context.window.step } }
        : {}),
      confidence: judgement.confidence,
      thresholds: { pass: judgement.passScore, marginal: judgement.marginalScore },
      metrics: judgement.metrics.map((m) => ({ ...m, shift: finite(m.shift), relativeShift: finite(m.relativeShift) })),
    },
  };
}
