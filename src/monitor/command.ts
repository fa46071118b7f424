import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { defineCommand, repositoryOf } from '../command.js';
import { loadConfig } from '../config/load.js';
import type { MonitorConfig } from '../config/types.js';
import { createSource } from '../embeddings/sources.js';
import { sha256 } from '../io/digest.js';
import { ConfigurationError, errorMessage } from '../io/errors.js';
import { readYamlFile } from '../io/yaml.js';
import { requireSwitch, rollback } from '../ledger/operations.js';
import { defaultLedger, openLedger, type LedgerServices } from '../ledger/open.js';
import { writeReleaseBesideLedger } from '../ledger/release-record.js';
import { recordResult } from '../results/record.js';
import type { CheckSection, Verdict } from '../results/types.js';
import { loadSuite } from '../regression/suite.js';
import { openSwitch, switchTokenInput, type SwitchServices } from '../serving/open.js';
import { decideAlerts, readState, stateFile, writeState, type Breach } from './alerting.js';
import { DRIFT_DEFAULTS, type DriftSettings } from './drift.js';
import { exposition, pushMetrics, writeMetricsFile, type Gauge } from './metrics.js';
import { alertBody, incidentComment, recoveryComment, renderMonitorSummary, type RunFacts } from './render.js';
import { checkProduction, DEFAULT_VECTOR_FLOOR, type MonitorFigures } from './run.js';
import { loadSample, readSample, type SampleText } from './sample.js';
import { readSnapshot } from './snapshot.js';
import type { AlertOutcome, AlertPublisherOpener } from './types.js';

/** What the monitor gets from its wiring: the github ledger, the serving switch and the alert issue (src/github), each opened with a token. */
export interface MonitorDependencies extends LedgerServices, SwitchServices {
  alerts?: AlertPublisherOpener;
}

const CHECKS = ['vectors', 'pairs', 'triplets', 'retrieval', 'drift'] as const;

/** The monitor's figures as gauges, each labelled with the model, environment and version. */
function gauges(figures: MonitorFigures, breaches: readonly Breach[], alerting: readonly Breach[], time: Date): Gauge[] {
  const out: Gauge[] = [
    { name: 'probe_min_cosine', help: 'Lowest cosine between a probe vector from production and its promotion snapshot.', value: figures.vectors.minCosine },
    { name: 'probe_mean_cosine', help: 'Mean cosine between probe vectors from production and their promotion snapshot.', value: figures.vectors.meanCosine },
    { name: 'probe_identical_ratio', help: 'Share of probe vectors bit for bit equal to their snapshot.', value: figures.vectors.count ? figures.vectors.identical / figures.vectors.count : 1 },
  ];
  for (const [check, outcome] of Object.entries(figures.scores)) {
    if (outcome) out.push({ name: 'score_change', help: 'Mean change of the probe scores since promotion (related-pair cosine, triplet margin, retrieval metric).', value: outcome.overall.estimate, labels: { check } });
  }
  const drift = figures.drift?.overall;
  if (drift) {
    out.push(
      { name: 'drift_classifier_auc', help: 'ROC-AUC of the domain classifier telling the current sample from the reference sample.', value: drift.classifier.auc },
      { name: 'drift_classifier_threshold', help: 'The permutation threshold of the classifier AUC.', value: drift.classifier.threshold },
      { name: 'drift_mmd2', help: 'Unbiased MMD squared between the reference and current samples (RBF kernel, median bandwidth).', value: drift.mmd.mmd2 },
      { name: 'drift_mmd_p_value', help: 'Permutation p-value of the MMD.', value: drift.mmd.pValue },
      { name: 'drift_components_share', help: 'Share of embedding dimensions whose distribution drifted (KS, Benjamini-Hochberg).', value: drift.components.share },
    );
  }
  for (const check of CHECKS) {
    out.push({ name: 'breach', help: 'Whether a check breaches in this run (1) or not (0).', value: breaches.some((b) => b.check === check) ? 1 : 0, labels: { check } });
  }
  out.push(
    { name: 'alerting', help: 'Whether the monitor alerts (a severe or confirmed breach).', value: alerting.length > 0 ? 1 : 0 },
    { name: 'last_run_timestamp_seconds', help: 'When the monitor last ran, in Unix seconds.', value: Math.floor(time.getTime() / 1000) },
  );
  return out;
}

function driftSettings(config: MonitorConfig | undefined): DriftSettings {
  return { ...DRIFT_DEFAULTS, ...config?.drift };
}

/** The contract's owners, for mentions. */
async function ownersOf(path: string, workspace: string): Promise<string[]> {
  const doc = await readYamlFile(resolve(workspace, path), 'contract file');
  const owners = (doc.data as { owners?: unknown } | null)?.owners;
  return Array.isArray(owners) ? owners.filter((o): o is string => typeof o === 'string') : [];
}

function sections(figures: MonitorFigures, breaches: readonly Breach[]): CheckSection[] {
  const verdictOf = (check: string): Verdict => (breaches.some((b) => b.check === check && b.severity !== 'warning') ? 'fail' : breaches.some((b) => b.check === check) ? 'marginal' : 'pass');
  const out: CheckSection[] = [
    {
      id: 'vectors',
      title: 'Probe vectors against the promotion snapshot',
      verdict: verdictOf('vectors'),
      rows: [
        { metric: 'probe min cosine', candidate: figures.vectors.minCosine, higherIsBetter: true },
        { metric: 'probe mean cosine', candidate: figures.vectors.meanCosine, higherIsBetter: true },
        { metric: 'identical probes', candidate: figures.vectors.identical, note: `of ${figures.vectors.count}` },
      ],
    },
  ];
  for (const [check, outcome] of Object.entries(figures.scores)) {
    if (!outcome) continue;
    out.push({
      id: check,
      title: `${check}: live against the promotion snapshot`,
      verdict: verdictOf(check),
      rows: [{ metric: `${check} mean`, production: outcome.snapshotMean, candidate: outcome.liveMean, change: outcome.overall.estimate, interval: outcome.overall.interval, higherIsBetter: true, verdict: outcome.verdict }],
      segments: outcome.segments.map((s) => ({ segment: s.segment, size: s.size, change: s.estimate, interval: s.interval, pValue: s.pValue, adjustedPValue: s.adjustedPValue, gated: s.gated, verdict: s.verdict })),
    });
  }
  const drift = figures.drift;
  if (drift) {
    const o = drift.overall;
    out.push({
      id: 'drift',
      title: 'Data drift of production inputs',
      verdict: verdictOf('drift'),
      summary: o.drifted ? `drift: ${o.methods.join(', ')}` : 'no drift overall',
      rows: [
        { metric: 'domain classifier ROC-AUC', candidate: o.classifier.auc, note: `permutation threshold ${o.classifier.threshold.toFixed(3)}, p ${o.classifier.pValue.toFixed(4)}` },
        { metric: 'MMD²', candidate: o.mmd.mmd2, note: `p ${o.mmd.pValue.toFixed(4)}, bandwidth ${o.mmd.bandwidth.toFixed(4)}` },
        { metric: 'drifted components share', candidate: o.components.share, note: `${o.components.drifted} of ${o.components.dimensions}` },
      ],
      segments: drift.segments.map((s) => ({ segment: s.segment, size: s.current, metric: 'classifier AUC', candidate: s.classifier.auc, pValue: s.mmd.pValue, verdict: s.drifted ? ('marginal' as const) : ('pass' as const) })),
    });
  }
  return out;
}

function flatMetrics(figures: MonitorFigures, alerting: number): Record<string, number | null> {
  const metrics: Record<string, number | null> = {
    'vectors.min_cosine': figures.vectors.minCosine,
    'vectors.mean_cosine': figures.vectors.meanCosine,
    'vectors.identical': figures.vectors.identical,
    'monitor.alerting': alerting,
  };
  for (const [check, outcome] of Object.entries(figures.scores)) if (outcome) metrics[`${check}.change`] = outcome.overall.estimate;
  const d = figures.drift?.overall;
  if (d) {
    metrics['drift.classifier_auc'] = d.classifier.auc;
    metrics['drift.mmd2'] = d.mmd.mmd2;
    metrics['drift.mmd_p_value'] = d.mmd.pValue;
    metrics['drift.components_share'] = d.components.share;
  }
  return metrics;
}

/** The monitor command; `dependencies` builds the GitHub alert issue (the action and the CLI wire it). */
export function createMonitorCommand(dependencies: MonitorDependencies) {
  return defineCommand({
    name: 'monitor',
    description: 'Check production after release: probes against the promotion snapshot, data drift, one alert issue, metrics, optional rollback',
    inputs: {
      model: { kind: 'string', required: true, description: 'Model name, as in the ledger.' },
      environment: { kind: 'string', default: 'production', description: 'Deployment environment whose current deployment is monitored.' },
      production: { kind: 'string', required: true, description: 'The live production embeddings: openai:<url> or command:<program> (file:<path> for a replay). Never read from the embedding cache.' },
      probes: { kind: 'string', description: "The probe suite file; default: the one the promotion snapshot was taken with. It must be unchanged since." },
      sample: { kind: 'string', description: 'A recent sample of production inputs for the drift test: a JSONL, CSV, TSV or Parquet file with a text field (and optional id, segment), or command:<program> printing JSONL. Without it drift is not checked.' },
      reference: { kind: 'string', description: "The reference sample to test drift against; default: the one recorded at promotion (its digest is checked)." },
      'on-drift': { kind: 'enum', values: ['warn', 'fail'], default: 'warn', description: 'What confirmed drift is: warn (alert, the run passes; retrain soon) or fail (the run fails, and counts for on-fail).' },
      'on-fail': { kind: 'enum', values: ['none', 'rollback'], default: 'none', description: 'With rollback, a failing alert rolls production back to the previous good version in the ledger and the serving switch (promote.switch) together, with the reason and the issue link.' },
      'confirm-runs': { kind: 'number', integer: true, min: 1, max: 10, default: 2, description: 'Consecutive runs a breach must last before it alerts (1: at once). A severe breach (probe vectors changed) alerts at once.' },
      alerts: { kind: 'enum', values: ['auto', 'issue', 'none'], default: 'auto', description: 'Where alerts go: issue (one sticky issue per model and environment; needs issues: write) or none. auto: issue in Actions, none on the CLI.' },
      pushgateway: { kind: 'string', description: 'Prometheus Pushgateway base URL to push the figures to (job model_gates_monitor, grouped by model and environment).' },
      'metrics-file': { kind: 'string', description: 'Also write the figures in the Prometheus text exposition format to this file.' },
      'state-dir': { kind: 'string', default: '.model-gates/monitor', description: 'Directory keeping the confirmation streaks between runs (in Actions also kept in the Actions cache).' },
      contract: { kind: 'string', description: 'Contract file whose owners are @-mentioned in a new incident, when monitor.issue.mentionOwners is true.' },
      ledger: { kind: 'string', description: 'Where the ledger lives: github (GitHub Deployments; needs deployments: read, write for on-fail: rollback) or file:<path>. Default: github in Actions, file:.model-gates/ledger.jsonl on the CLI.' },
      'github-token': { kind: 'string', actionDefault: '${{ github.token }}', description: 'Token for the github ledger and the alert issue (issues: write).' },
      'switch-token': switchTokenInput,
      'results-dir': { kind: 'string', default: 'model-gates-results', description: 'Directory the result file is written to.' },
      'check-id': { kind: 'string', default: 'monitor', description: 'Id of this check; the result is <results-dir>/<check-id>.json.' },
      config: { kind: 'string', description: 'Project config file (its monitor section). Defaults to model-gates.yml when it exists.' },
    },
    outputs: {
      verdict: 'pass (healthy), marginal (a breach awaits confirmation, or drift warns) or fail (a failing alert).',
      alerting: 'true when this run alerts (a severe or confirmed breach).',
      breaches: 'The checks that breach in this run, comma-separated (vectors, pairs, triplets, retrieval, drift).',
      'issue-url': 'The alert issue, when one was created, updated or closed.',
      'rolled-back-to': 'The version production was rolled back to (on-fail: rollback), else empty.',
      'result-file': 'Path of the result JSON.',
    },
    async run(inputs, environment) {
      const startedAt = new Date();
      const time = startedAt.toISOString();
      const workspace = environment.context.workspace;
      const { log } = environment;
      const { config } = await loadConfig(inputs.config, workspace);
      const monitorConfig = config.monitor;
      const { model } = inputs;
      const target = inputs.environment;

      // Fail closed: the ledger, the snapshot, the probes and the endpoint must all be read.
      const ledgerSpec = inputs.ledger ?? defaultLedger(environment.runner);
      const ledger = await openLedger(ledgerSpec, { ...dependencies, token: inputs.githubToken, environment });
      const current = await ledger.current(model, target);
      if (!current) throw new ConfigurationError(`the ledger (${ledger.label}) has no successful full deployment of ${model} to ${target}: nothing to monitor`);
      const snapshot = readSnapshot(current);
      const suite = await loadSuite(resolve(workspace, inputs.probes ?? snapshot.probes.file));
      // A rollback must be able to move what serving reads: open the switch before anything is judged.
      const serving = inputs.onFail === 'rollback' ? await openSwitch(config.promote?.switch, inputs, environment, dependencies) : null;
      if (inputs.onFail === 'rollback') requireSwitch(await ledger.history(model, target, 50), serving);
      const source = await createSource(inputs.production, { role: 'production', workspace, config: config.embeddings, env: environment.env, setSecret: environment.setSecret, log });

      let drift: Parameters<typeof checkProduction>[0]['drift'];
      const notes: string[] = [];
      // What could not be judged or delivered fails the run at the end, but never stops what
      // comes after it: the alert and the rollback always run.
      const unjudged: string[] = [];
      if (inputs.sample) {
        let reference: SampleText[];
        if (inputs.reference) {
          reference = await readSample(resolve(workspace, inputs.reference));
        } else if (snapshot.reference) {
          const path = resolve(workspace, snapshot.reference.file);
          const bytes = await readFile(path).catch(() => {
            throw new ConfigurationError(`the reference sample recorded at promotion, ${snapshot.reference!.file}, cannot be read in this checkout`);
          });
          if (sha256(bytes) !== snapshot.reference.digest) throw new ConfigurationError(`the reference sample ${snapshot.reference.file} changed since promotion (digest ${snapshot.reference.digest} recorded)`);
          reference = await readSample(path);
        } else {
          throw new ConfigurationError(`a sample is given but there is no reference sample: the snapshot of ${model} ${current.version} has none (promote with monitor-reference), and the reference input is empty`);
        }
        const recent = await loadSample(inputs.sample, workspace);
        const settings = driftSettings(monitorConfig);
        const small = [['reference', reference.length], ['recent', recent.texts.length]].filter(([, rows]) => (rows as number) < settings.minSegmentSize);
        if (small.length > 0) {
          // Drift cannot be judged, and says so by failing the run; the probes still alert and roll back.
          unjudged.push(`drift was not tested: the ${small.map(([side, rows]) => `${side} sample has ${rows} rows`).join(' and the ')}, fewer than monitor.drift.minSegmentSize (${settings.minSegmentSize})`);
        } else {
          drift = { reference, current: recent.texts, settings, severity: inputs.onDrift === 'fail' ? 'failure' : 'warning' };
        }
      } else {
        notes.push('Drift was not checked: no sample input.');
      }

      const { figures, breaches } = await checkProduction({
        suite,
        snapshot,
        source,
        regression: config.regression ?? {},
        vectorFloor: monitorConfig?.vectorFloor ?? DEFAULT_VECTOR_FLOOR,
        ...(drift ? { drift } : {}),
        log,
      });

      const stateDir = resolve(workspace, inputs.stateDir);
      const file = stateFile(stateDir, model, target);
      const cacheKey = `model-gates-monitor-v1-${`${model}@${target}`.replace(/[^A-Za-z0-9._@-]/g, '_')}-`;
      if (environment.folderCache) await environment.folderCache.restore(stateDir, `${cacheKey}${environment.env.GITHUB_RUN_ID ?? 'local'}-${environment.env.GITHUB_RUN_ATTEMPT ?? '1'}`, [cacheKey]);
      // In Actions the streaks live in the Actions cache; where it cannot keep them, a breach
      // would wait for a confirmation that never comes: then nothing waits (fail closed).
      let confirmRuns = inputs.confirmRuns;
      if (environment.runner === 'actions' && confirmRuns > 1 && !(await environment.folderCache?.available())) {
        confirmRuns = 1;
        const why = 'the Actions cache is not available to this step, so breaches cannot be confirmed over consecutive runs: every breach alerts at once (confirm-runs 1)';
        log.warning(why);
        notes.push(why);
      }
      const decision = decideAlerts(breaches, await readState(file), { model, environment: target, version: current.version, time }, confirmRuns);
      await writeState(file, decision.state);
      if (environment.folderCache) await environment.folderCache.save(stateDir, `${cacheKey}${environment.env.GITHUB_RUN_ID ?? startedAt.getTime()}-${environment.env.GITHUB_RUN_ATTEMPT ?? '1'}`);

      const verdict: Verdict = decision.failed ? 'fail' : breaches.length > 0 ? 'marginal' : 'pass';
      const facts: RunFacts = { model, environment: target, version: current.version, time, runUrl: environment.context.runUrl };

      for (const why of unjudged) log.error(why);
      const deliver = async (what: string, step: () => Promise<void>) => {
        try {
          await step();
        } catch (error) {
          log.error(`${what}: ${errorMessage(error)}`);
          unjudged.push(`${what}: ${errorMessage(error)}`);
        }
      };

      // Metrics first: the figures are pushed whatever the alert does.
      const text = exposition(gauges(figures, breaches, decision.alerting, startedAt), { model, environment: target, version: current.version });
      if (inputs.metricsFile) await writeMetricsFile(resolve(workspace, inputs.metricsFile), text);
      if (inputs.pushgateway) {
        const gateway = inputs.pushgateway;
        await deliver('could not push the metrics', async () => log.info(`metrics pushed to ${await pushMetrics(gateway, { model, environment: target }, text)}`));
      }

      const mode = inputs.alerts === 'auto' ? (environment.runner === 'actions' ? 'issue' : 'none') : inputs.alerts;
      let alert: AlertOutcome = { action: 'none', number: null, url: null };
      if (mode === 'issue') {
        const repository = repositoryOf(environment.context);
        if (!inputs.githubToken) throw new ConfigurationError("alerts: issue needs the github-token input (issues: write)");
        if (!repository) throw new ConfigurationError('alerts: issue needs the repository (GITHUB_REPOSITORY=owner/name)');
        if (!dependencies.alerts) throw new ConfigurationError("alerts: issue is not available in this build; use alerts: none");
        environment.setSecret(inputs.githubToken);
        const open = dependencies.alerts;
        const token = inputs.githubToken;
        await deliver('could not update the alert issue', async () => {
          const publisher = await open(token, repository, environment);
          const subject = { model, environment: target };
          if (decision.alerting.length > 0) {
            const mentions = monitorConfig?.issue?.mentionOwners && inputs.contract ? await ownersOf(inputs.contract, workspace) : [];
            alert = await publisher.raise({
              ...subject,
              title: `model-gates monitor: ${model} in ${target} breaks its promises`,
              body: alertBody(facts, decision.alerting, decision.pending, figures),
              incidentComment: incidentComment(facts, decision.alerting, mentions),
              labels: monitorConfig?.issue?.labels ?? [],
              assignees: monitorConfig?.issue?.assignees ?? [],
            });
          } else if (breaches.length > 0) {
            // Only breaches awaiting confirmation: an open incident shows them instead of its old figures.
            alert = await publisher.refresh(subject, alertBody(facts, [], decision.pending, figures));
          } else if (unjudged.length === 0) {
            // Closed only when everything was judged healthy: an untested drift sample is no recovery.
            alert = await publisher.resolve(subject, recoveryComment(facts));
          }
          if (alert.action !== 'none') log.info(`alert issue #${alert.number}: ${alert.action} (${publisher.label})`);
        });
      }

      let rolledBackTo = '';
      if (decision.failed && inputs.onFail === 'rollback') {
        const reason = `monitor: ${decision.alerting.filter((b) => b.severity !== 'warning').map((b) => b.message).join('; ')}${alert.url ? ` (${alert.url})` : ''}`.slice(0, 1000);
        const evidence = [alert.url, environment.context.runUrl].filter((e): e is string => Boolean(e));
        const outcome = await rollback(ledger, { model, environment: target, reason, cause: { trigger: 'monitor', evidence }, actor: environment.env.GITHUB_ACTOR || environment.env.USER || null, runUrl: environment.context.runUrl, time }, serving);
        log.info(outcome.message);
        rolledBackTo = outcome.unchanged ? '' : (outcome.currentVersion ?? '');
        notes.push(outcome.message);
        if (outcome.entry && !outcome.unchanged) {
          const recordFile = await writeReleaseBesideLedger(ledgerSpec, workspace, outcome.entry);
          if (recordFile) log.info(`release record: ${recordFile}`);
        }
      }

      const summaryLine =
        decision.alerting.length > 0
          ? `alerting: ${decision.alerting.map((b) => b.check).join(', ')}`
          : breaches.length > 0
            ? `awaiting confirmation: ${breaches.map((b) => b.check).join(', ')}`
            : 'healthy: every check passes';
      const body = {
        id: inputs.checkId,
        kind: 'monitor' as const,
        subject: { model, candidateVersion: current.version, productionVersion: current.version, productionSource: source.description.slice(0, 512) },
        verdict,
        summary: summaryLine,
        metrics: flatMetrics(figures, decision.alerting.length > 0 ? 1 : 0),
        checks: sections(figures, breaches),
        findings: [
          ...breaches.map((b) => ({ rule: `monitor/${b.check}`, severity: b.severity === 'warning' ? ('warning' as const) : ('error' as const), message: b.message })),
          ...unjudged.map((message) => ({ rule: 'monitor/incomplete', severity: 'error' as const, message })),
        ],
        details: {
          environment: target,
          ledgerEntry: current.id,
          alerting: decision.alerting,
          pending: decision.pending,
          streaks: decision.state.streaks,
          issue: alert,
          rolledBackTo: rolledBackTo || null,
          drift: figures.drift,
        } as unknown as Record<string, unknown>,
      };
      const { file: resultFile } = await recordResult(body, { context: environment.context, resultsDir: inputs.resultsDir, digest: { of: { model, environment: target, version: current.version, production: inputs.production } }, startedAt });
      return {
        outputs: {
          verdict,
          alerting: String(decision.alerting.length > 0),
          breaches: breaches.map((b) => b.check).join(','),
          'issue-url': alert.url ?? '',
          'rolled-back-to': rolledBackTo,
          'result-file': resultFile,
        },
        summary: renderMonitorSummary(facts, verdict, decision.alerting, decision.pending, figures, [...notes, ...unjudged]),
        ...(decision.failed || unjudged.length > 0 ? { failure: [...(decision.failed ? [`${model} in ${target}: ${summaryLine}`] : []), ...unjudged].join('; ') } : {}),
      };
    },
  });
}
