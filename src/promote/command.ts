import { access } from 'node:fs/promises';
import { resolve } from 'node:path';
import { defineCommand, type Environment } from '../command.js';
import { loadConfig } from '../config/load.js';
import type { PromoteConfig } from '../config/types.js';
import { ConfigurationError } from '../io/errors.js';
import { readYamlFile } from '../io/yaml.js';
import { escapeMarkdown } from '../io/markdown.js';
import { historyLines, promote, renderHistory, rollback, statusOf, type LedgerOutcome } from '../ledger/operations.js';
import { defaultLedger, openLedger, type LedgerServices } from '../ledger/open.js';
import { describeServing, servingDisagreement, servingOf, type ServingSwitch } from '../ledger/switch.js';
import {
  currentOf,
  inFlightOf,
  LEDGER_RECORD_SCHEMA,
  LedgerConflictError,
  stagePercent,
  type ArtifactCheck,
  type GateEvidence,
  type Ledger,
  type LedgerEntry,
  type LedgerRecord,
  type ReleaseFacts,
  type ReleaseLineage,
} from '../ledger/types.js';
import { promotionSnapshot } from '../monitor/snapshot.js';
import type { MonitorSnapshot } from '../monitor/types.js';
import { readResults } from '../results/store.js';
import type { Result } from '../results/types.js';
import { openSwitch, switchTokenInput, type SwitchServices } from '../serving/open.js';
import { ArtifactMismatchError, verifyArtifact } from './artifact.js';
import { canaryVerdictOf, citeResult, releaseRecordOf, renderReleaseHistory, renderReleaseRecord, writeReleaseBesideLedger, type ReleasePublisher } from '../ledger/release-record.js';

/** The stages `advance` walks when the config names none. */
export const DEFAULT_STAGES = ['canary-5', 'canary-25', 'canary-50', 'full'] as const;
const DEFAULT_STAGE_MAX_MINUTES = 120;
const DEFAULT_ARTIFACT_MAX_BYTES = 2 * 1024 ** 3;

/**
 * What the promote command needs from GitHub, handed in by the action entry and the CLI
 * wiring: the domain never constructs a GitHub client itself.
 */
export interface PromoteServices extends LedgerServices, SwitchServices {
  /** Publishes the release record of a full promotion as a GitHub Release. */
  releasePublisher?(options: { token: string; repository: string; environment: Environment }): Promise<ReleasePublisher>;
}

const modelInput = { kind: 'string', required: true, description: 'Model name, as in its contract (`name`).' } as const;
const environmentInput = { kind: 'string', default: 'production', description: 'Deployment environment the ledger keeps the history of.' } as const;
const ledgerInput = {
  kind: 'string',
  description: 'Where the ledger lives: github (GitHub Deployments of this repository) or file:<path> (an append-only JSONL file). Default: github in Actions, file:.model-gates/ledger.jsonl on the CLI.',
} as const;
const tokenInput = { kind: 'string', actionDefault: '${{ github.token }}', description: 'Token for the github ledger; needs `deployments: write` (and `contents: read`).' } as const;
const configInput = { kind: 'string', description: 'Project config file. Defaults to model-gates.yml when it exists.' } as const;

const outputs = {
  'deployment-id': 'Id of the record written (promote, rollback) or of the current deployment (status): a GitHub deployment id, or the record id in the file ledger.',
  'model-uri': 'The artifact URI of the recorded version, for the traffic-shifting step.',
  'traffic-percent': 'Share of traffic the recorded stage gets: the canary percent, or 100 for full and rollback.',
  'current-version': 'The current production version (latest successful full deployment) after the operation.',
  'previous-version': 'The version that was current before the operation (status: the one before the current).',
  stage: 'The stage recorded (advance: the stage it moved to; rollback: full); empty when nothing was recorded.',
  serving: 'What the serving switch reads after the operation, e.g. `1.0.0, canary 2.0.0 at 10%`; empty without a switch.',
  'serving-agrees': 'true when the serving switch reads what the ledger says (or there is no switch), false when they disagree.',
  'release-record': 'Path of the release record JSON written beside a file ledger; empty for the github ledger (it is in the deployment payload).',
  'release-url': 'URL of the GitHub Release published for a full promotion (promote.publishRelease); empty otherwise.',
  'rolled-back': 'true when the operation rolled back (rollback, or advance on a failed or overdue stage), else false.',
} as const;

export const promoteInputs = {
  operation: {
    kind: 'enum',
    values: ['promote', 'advance', 'rollback', 'status'],
    default: 'promote',
    description:
      'promote records a stage; advance moves the rollout in flight to its next configured stage when a canary analysis of the current stage passed (and rolls back on a failed or overdue stage); rollback returns to the last good full deployment; status prints the history and the serving switch.',
  },
  model: modelInput,
  version: { kind: 'string', description: 'Version to promote (required for promote); for rollback, the version to return to (default: the one before the current).' },
  environment: environmentInput,
  stage: { kind: 'string', default: 'full', description: 'Stage to record: canary-<percent> (1 to 99) or full.' },
  ledger: ledgerInput,
  'expected-current': {
    kind: 'string',
    description: "The production version the gate evaluated against (none for a first release); default: the gate result's production version. Promotion is refused when production is no longer it.",
  },
  'results-dir': {
    kind: 'string',
    default: 'model-gates-results',
    description: "Directory holding the gate's result (promote needs a passing gate for this commit and version) and the canary-analysis results (advance reads them).",
  },
  contract: {
    kind: 'string',
    description: "Path of the model's contract: its artifact (verified against its digest), and its lineage go into the release record, and production: ledger reads it back at this commit.",
  },
  'artifact-uri': { kind: 'string', description: "The model's artifact URI (overrides the contract's); given to the traffic-shifting step as model-uri." },
  reason: { kind: 'string', description: 'Why (rollback); recorded in the ledger and the release record.' },
  trigger: {
    kind: 'enum',
    values: ['manual', 'canary-analysis', 'stage-overdue', 'monitor'],
    default: 'manual',
    description: "What triggered a rollback, for the release record (advance sets canary-analysis or stage-overdue itself).",
  },
  evidence: { kind: 'string', description: 'Evidence for a rollback (a link, a result id); recorded in the release record.' },
  'monitor-probes': { kind: 'string', description: "Probe suite (a regression suite file) to record the monitor's baseline snapshot with the record: probe vectors, related-pair and triplet similarities, retrieval scores." },
  'monitor-source': { kind: 'string', description: "With monitor-probes: the promoted version's embeddings (openai:<url>, command:<program> or file:<path>), embedded without the cache." },
  'monitor-reference': { kind: 'string', description: 'With monitor-probes: the reference sample of production inputs (JSONL, CSV, TSV or Parquet with a text field) that monitor tests drift against; its path and digest are recorded.' },
  'github-token': tokenInput,
  'switch-token': switchTokenInput,
  config: configInput,
} as const;

function outputsOf(outcome: LedgerOutcome, extra: { serving?: string; agrees?: boolean; releaseRecord?: string; releaseUrl?: string; rolledBack?: boolean } = {}): Record<string, string> {
  return {
    'deployment-id': outcome.entry ? String(outcome.entry.id) : '',
    'model-uri': outcome.entry?.artifact.uri ?? '',
    'traffic-percent': outcome.entry ? String(outcome.entry.trafficPercent) : '',
    'current-version': outcome.currentVersion ?? '',
    'previous-version': outcome.previousVersion ?? '',
    stage: outcome.entry && !outcome.unchanged ? outcome.entry.stage : '',
    serving: extra.serving ?? '',
    'serving-agrees': String(extra.agrees ?? true),
    'release-record': extra.releaseRecord ?? '',
    'release-url': extra.releaseUrl ?? '',
    'rolled-back': String(extra.rolledBack ?? false),
  };
}

interface Context {
  ledger: Ledger;
  ledgerSpec: string;
  serving: ServingSwitch | null;
  config: PromoteConfig;
  model: string;
  target: string;
  environment: Environment;
}

/** The ledger and the switch compared, for status and after every operation. */
async function servingReport(ctx: Context): Promise<{ text: string; agrees: boolean; lines: string[] }> {
  const history = await ctx.ledger.history(ctx.model, ctx.target, 50);
  if (!ctx.serving) {
    const moved = history.find((e) => e.switch);
    if (!moved) return { text: '', agrees: true, lines: [] };
    return { text: '', agrees: false, lines: [`DISAGREEMENT: record #${moved.id} moved serving through ${moved.switch}, but no serving switch is configured here, so what serving reads cannot be checked; run with the config (promote.switch) and its token.`] };
  }
  const expected = servingOf(history);
  const actual = await ctx.serving.read(ctx.model, ctx.target);
  const problems = servingDisagreement(expected, actual);
  const current = currentOf(history);
  const pending = history.filter((e) => (!current || e.id > current.id) && e.status === 'in_progress');
  const lines = [`Serving (${ctx.serving.label}): ${describeServing(actual)}${actual?.record ? ` (set by #${actual.record})` : ''}; the ledger says ${describeServing(expected)}.`];
  for (const p of problems) lines.push(`DISAGREEMENT: ${p}.`);
  for (const e of pending) {
    problems.push(`the ledger claimed #${e.id} (${e.operation} ${e.version} ${e.stage}) but it is unfinished: ${e.statusDescription || 'no status yet'}`);
    lines.push(`DISAGREEMENT: #${e.id} ${e.operation} ${e.version} ${e.stage} is in progress (${e.statusDescription || 'no status yet'}); rerun the same command to complete it, or roll back.`);
  }
  return { text: describeServing(actual), agrees: problems.length === 0, lines };
}

async function finish(ctx: Context, title: string, outcome: LedgerOutcome, releaseUrl: string | null = null) {
  ctx.environment.log.info(outcome.message);
  const report = await servingReport(ctx);
  for (const line of report.lines) ctx.environment.log.info(line);
  // The file beside a file ledger names the published Release; a deployment payload cannot change once written.
  const entry = outcome.entry && releaseUrl && outcome.entry.release ? { ...outcome.entry, release: { ...outcome.entry.release, publishedUrl: releaseUrl } } : outcome.entry;
  const releaseRecord = entry && !outcome.unchanged ? await writeReleaseBesideLedger(ctx.ledgerSpec, ctx.environment.context.workspace, entry) : '';
  const history = await ctx.ledger.history(ctx.model, ctx.target, 10);
  const summary = [renderHistory(title, history, outcome.message), ...(releaseUrl ? [`Release: ${escapeMarkdown(releaseUrl)}`] : []), ...report.lines.map(escapeMarkdown)].join('\n\n');
  const rolledBack = outcome.entry?.operation === 'rollback';
  return { outputs: outputsOf(outcome, { serving: report.text, agrees: report.agrees, releaseRecord, releaseUrl: releaseUrl ?? '', rolledBack }), summary };
}

async function status(ctx: Context) {
  const history = await ctx.ledger.history(ctx.model, ctx.target, 50);
  const outcome = statusOf(history, ctx.model, ctx.target);
  ctx.environment.log.info(outcome.message);
  for (const line of historyLines(history)) ctx.environment.log.info(line);
  const report = await servingReport(ctx);
  for (const line of report.lines) ctx.environment.log.info(line);
  const summary = [renderHistory(`${ctx.model} in ${ctx.target} (${ctx.ledger.label})`, history, outcome.message), ...report.lines.map(escapeMarkdown)].join('\n\n');
  return {
    outputs: outputsOf(outcome, { serving: report.text, agrees: report.agrees }),
    summary,
    ...(report.agrees ? {} : { failure: `the serving switch disagrees with the ledger: ${report.lines.filter((l) => l.startsWith('DISAGREEMENT')).join(' ')}` }),
  };
}

function loginsOf(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(loginsOf);
  if (typeof value === 'string') return [value];
  if (value && typeof value === 'object') {
    const entry = value as { login?: unknown; user?: unknown; counted?: unknown };
    if (Array.isArray(entry.counted)) return loginsOf(entry.counted);
    if (typeof entry.login === 'string') return [entry.login];
    if (typeof entry.user === 'string') return [entry.user];
    if (entry.user && typeof entry.user === 'object') return loginsOf(entry.user);
  }
  return [];
}

/** Logins from a gate result's `details.approvals`: the tally's `counted`, or a list of logins or objects with `login` or `user`. */
export function approvalsOf(gate: Result): string[] {
  return [...new Set(loginsOf(gate.details?.approvals))].slice(0, 20);
}

/** The approvals of a gate result for the release record: reviewers, environment approvers, override. */
function releaseApprovals(gate: Result): ReleaseFacts['approvals'] {
  const details = gate.details ?? {};
  const reviewers = [...new Set([...loginsOf(details.approvals), ...loginsOf(details.marginalApprovals)])].slice(0, 50);
  const environment = (Array.isArray(details.environmentApprovers) ? details.environmentApprovers : [])
    .filter((a): a is { login: string; state?: unknown; comment?: unknown } => !!a && typeof a === 'object' && typeof (a as { login?: unknown }).login === 'string')
    .map((a) => ({ login: a.login, state: String(a.state ?? ''), comment: String(a.comment ?? '').slice(0, 300) }))
    .slice(0, 50);
  const o = details.override as { label?: unknown; appliedBy?: unknown; reason?: unknown; applied?: unknown } | null | undefined;
  const override = o && o.applied === true && typeof o.label === 'string' && typeof o.appliedBy === 'string' ? { label: o.label, by: o.appliedBy, reason: typeof o.reason === 'string' ? o.reason.slice(0, 500) : null } : null;
  return { reviewers, environment, override };
}

/**
 * The gate result that allows this promotion: a `gate` result for the same model, version and
 * commit whose decision is `pass`. Returns it, or why promotion is refused.
 */
export function findGatePass(results: readonly Result[], model: string, version: string, commit: string | null): { gate: Result } | { refusal: string } {
  const gates = results.filter((r) => r.kind === 'gate' && r.subject.model === model && r.subject.candidateVersion === version);
  if (gates.length === 0) return { refusal: `no gate result for ${model} ${version}; run the gate action first and pass its results directory` };
  if (!commit) return { refusal: 'the commit of this run is unknown (no GITHUB_SHA, not a git checkout), so the gate result cannot be matched to it' };
  const sameCommit = gates.filter((r) => r.provenance.commit === commit);
  if (sameCommit.length === 0) {
    return { refusal: `the gate result for ${model} ${version} evaluated commit ${gates[0]?.provenance.commit ?? 'unknown'}, not this run's commit ${commit}` };
  }
  const passing = sameCommit.find((r) => r.details?.decision === 'pass');
  if (!passing) {
    const decision = String(sameCommit[0]?.details?.decision ?? 'missing');
    return { refusal: `the gate did not pass ${model} ${version} (decision: ${decision}); promotion needs decision pass` };
  }
  return { gate: passing };
}

interface ContractFacts {
  path: string;
  uri: string | null;
  digest: string | null;
  lineage: ReleaseLineage | null;
}

async function readContractFacts(path: string, workspace: string, model: string, version: string): Promise<ContractFacts> {
  const source = await readYamlFile(resolve(workspace, path), 'contract file');
  const data = (source.data ?? {}) as { name?: unknown; version?: unknown; artifact?: { uri?: unknown; digest?: unknown }; lineage?: unknown };
  if (data.name !== model || data.version !== version) {
    throw new ConfigurationError(`the contract is ${String(data.name)} ${String(data.version)}, but the inputs promote ${model} ${version}`, { file: path });
  }
  return {
    path,
    uri: typeof data.artifact?.uri === 'string' ? data.artifact.uri : null,
    digest: typeof data.artifact?.digest === 'string' ? data.artifact.digest : null,
    lineage: data.lineage && typeof data.lineage === 'object' ? (data.lineage as ReleaseLineage) : null,
  };
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

/** Canary-analysis results of a version judged since `since` (ISO time), newest first. */
function canaryResultsSince(results: readonly Result[], model: string, version: string, since: string): Result[] {
  return results
    .filter((r) => r.kind === 'canary-analysis' && r.subject.model === model && r.subject.candidateVersion === version && r.provenance.finishedAt >= since)
    .sort((a, b) => b.provenance.finishedAt.localeCompare(a.provenance.finishedAt));
}

/** Publishes the release record of a full promotion as a GitHub Release when configured; its URL, or null. */
async function publishIfFull(ctx: Context, services: PromoteServices, token: string | undefined, entry: LedgerEntry): Promise<string | null> {
  if (!ctx.config.publishRelease || entry.stage !== 'full' || entry.operation !== 'promote') return null;
  const repository = ctx.environment.context.repository;
  if (!services.releasePublisher || !token || !repository) {
    ctx.environment.log.warning('promote.publishRelease is set, but there is no github-token or repository to publish the GitHub Release with; the release record stays with the ledger.');
    return null;
  }
  const record = releaseRecordOf(entry);
  const publisher = await services.releasePublisher({ token, repository, environment: ctx.environment });
  const url = await publisher.publish(record, renderReleaseRecord(record));
  ctx.environment.log.info(`Published the release record as ${url}`);
  return url;
}

/** Builds the promote command around its GitHub services (see `PromoteServices`). */
export function createPromoteCommand(services: PromoteServices = {}) {
  return defineCommand({
    name: 'promote',
    description: 'Record a promotion stage, advance or roll back a rollout, in the ledger and the serving switch together; print the history and what serving reads',
    inputs: promoteInputs,
    outputs,
    async run(inputs, environment) {
      const { config } = await loadConfig(inputs.config, environment.context.workspace);
      const ledgerSpec = inputs.ledger ?? defaultLedger(environment.runner);
      const ledger = await openLedger(ledgerSpec, { ...services, token: inputs.githubToken, environment });
      const serving = await openSwitch(config.promote?.switch, inputs, environment, services);
      const ctx: Context = { ledger, ledgerSpec, serving, config: config.promote ?? {}, model: inputs.model, target: inputs.environment, environment };
      const { model, target } = ctx;
      if (inputs.operation === 'status') return status(ctx);

      const actor = environment.env.GITHUB_ACTOR || environment.env.USER || null;
      const time = new Date().toISOString();
      const resultsDir = resolve(environment.context.workspace, inputs.resultsDir);
      const results = (await exists(resultsDir)) ? await readResults(resultsDir) : [];
      const refuse = (why: string) => ({
        outputs: {},
        summary: `### ${escapeMarkdown(`${inputs.operation} of ${model} in ${target}`)} refused\n\n${escapeMarkdown(why)}`,
        failure: `${inputs.operation} refused: ${why}`,
      });

      const doRollback = async (reason: string, trigger: string, evidence: string[], canary: ReleaseFacts['canary'] = []) => {
        try {
          const outcome = await rollback(
            ledger,
            { model, environment: target, ...(inputs.version && inputs.operation === 'rollback' ? { version: inputs.version } : {}), reason, cause: { trigger, evidence, canary }, actor, runUrl: environment.context.runUrl, time },
            serving,
          );
          return finish(ctx, `Rollback of ${model} in ${target}`, outcome);
        } catch (error) {
          if (error instanceof LedgerConflictError) return refuse(error.message);
          throw error;
        }
      };

      if (inputs.operation === 'rollback') {
        return doRollback(inputs.reason ?? 'rollback requested', inputs.trigger, inputs.evidence ? [inputs.evidence] : []);
      }

      if (inputs.operation === 'advance') {
        const history = await ledger.history(model, target, 50);
        const current = currentOf(history);
        const inFlight = inFlightOf(history);
        if (!inFlight || inFlight.stage === 'full') {
          throw new ConfigurationError(`nothing to advance: ${model} has no canary stage in flight in ${target}; start one with operation promote and a canary stage`);
        }
        if (inFlight.status === 'in_progress') return refuse(`#${inFlight.id} (${inFlight.version} ${inFlight.stage}) is still in progress; rerun the promote that started it, or roll back`);
        const stages = ctx.config.stages ?? [...DEFAULT_STAGES];
        const index = stages.indexOf(inFlight.stage);
        if (index < 0) throw new ConfigurationError(`the stage in flight, ${inFlight.stage}, is not one of promote.stages (${stages.join(', ')})`);
        const next = stages[index + 1];
        if (!next) throw new ConfigurationError(`${inFlight.stage} is the last of promote.stages (${stages.join(', ')}); nothing to advance to`);
        const judged = canaryResultsSince(results, model, inFlight.version, inFlight.time);
        const verdict = judged[0];
        const earlier = inFlight.release?.canary ?? [];
        if (verdict && (verdict.verdict === 'fail' || verdict.verdict === 'error')) {
          const facts = canaryVerdictOf(verdict, inFlight.stage);
          return doRollback(`canary analysis of ${inFlight.stage}: ${verdict.verdict}`, 'canary-analysis', [`${verdict.id} ${verdict.verdict}: ${verdict.summary.slice(0, 200)}`, facts.digest], [...earlier, facts]);
        }
        const ageMinutes = (Date.now() - Date.parse(inFlight.time)) / 60_000;
        const maxMinutes = ctx.config.stageMaxMinutes ?? DEFAULT_STAGE_MAX_MINUTES;
        if (!verdict || verdict.verdict !== 'pass') {
          const what = verdict ? `the canary analysis of ${inFlight.stage} is ${verdict.verdict}, not pass` : `no canary analysis of ${inFlight.version} since ${inFlight.stage} started (${inFlight.time})`;
          if (ageMinutes > maxMinutes) {
            return doRollback(`${inFlight.stage} ran ${Math.round(ageMinutes)} minutes, past promote.stageMaxMinutes (${maxMinutes}), without a passing canary analysis`, 'stage-overdue', [what], earlier);
          }
          return refuse(`${what}; advance needs a passing canary analysis of the current stage in ${inputs.resultsDir} (the stage is rolled back after ${maxMinutes} minutes)`);
        }
        const percent = stagePercent(next) as number;
        const release: ReleaseFacts = {
          ...(inFlight.release ?? { lineage: null, artifactCheck: { status: 'not-checked', detail: 'no release record of the stage before' }, results: [], approvals: { reviewers: [], environment: [], override: null }, rollback: null }),
          canary: [...earlier, canaryVerdictOf(verdict, inFlight.stage)],
          rollback: null,
          publishedUrl: null,
        };
        const record: LedgerRecord = {
          ...stripEntry(inFlight),
          stage: next,
          trafficPercent: percent,
          reason: inputs.reason ?? `canary analysis ${verdict.id} passed ${inFlight.stage}`,
          runUrl: environment.context.runUrl,
          actor,
          time,
          release,
        };
        return runPromotion(ctx, services, inputs.githubToken, record, current?.version ?? null, refuse, `Advance of ${model} ${inFlight.version} in ${target}: ${inFlight.stage} → ${next}`);
      }

      const version = inputs.version;
      if (!version) throw new ConfigurationError("input 'version' is required for operation promote");
      const trafficPercent = stagePercent(inputs.stage);
      if (trafficPercent === undefined) throw new ConfigurationError(`input 'stage': '${inputs.stage}' is not a stage; use canary-<percent> (1 to 99) or full`);
      // A version already rolling out moves on only by advance, on the evidence of its current stage.
      const rolling = inFlightOf(await ledger.history(model, target, 50));
      if (rolling && rolling.version === version && rolling.stage !== inputs.stage) {
        return refuse(
          `${version} is already rolling out in ${target} at ${rolling.stage} (#${rolling.id}); operation advance moves it to its next stage with a passing canary analysis of that stage, and a plain promote to ${inputs.stage} would skip that evidence. Roll it back to start over`,
        );
      }
      if (!(await exists(resultsDir))) return refuse(`the results directory ${inputs.resultsDir} does not exist; promote needs the gate's result in it`);
      const found = findGatePass(results, model, version, environment.context.commit);
      if ('refusal' in found) return refuse(found.refusal);
      const gate = found.gate;
      const expected = inputs.expectedCurrent !== undefined ? (inputs.expectedCurrent === 'none' ? null : inputs.expectedCurrent) : (gate.subject.productionVersion ?? null);
      const facts = inputs.contract ? await readContractFacts(inputs.contract, environment.context.workspace, model, version) : undefined;
      const artifact = { uri: inputs.artifactUri ?? facts?.uri ?? null, digest: facts?.digest ?? null };
      let artifactCheck: ArtifactCheck;
      try {
        artifactCheck = await verifyArtifact(artifact.uri, artifact.digest, { workspace: environment.context.workspace, maxBytes: ctx.config.artifactMaxBytes ?? DEFAULT_ARTIFACT_MAX_BYTES });
      } catch (error) {
        if (error instanceof ArtifactMismatchError) return refuse(error.message);
        throw error;
      }
      environment.log.info(`Artifact digest: ${artifactCheck.status} (${artifactCheck.detail}).`);
      const snapshot = await promotionSnapshot({
        model,
        version,
        probes: inputs.monitorProbes,
        source: inputs.monitorSource,
        reference: inputs.monitorReference,
        workspace: environment.context.workspace,
        embeddings: config.embeddings,
        env: environment.env,
        setSecret: environment.setSecret,
        log: environment.log,
        time,
      });
      const evidence: GateEvidence = { decision: 'pass', resultId: gate.id, approvals: approvalsOf(gate), commit: gate.provenance.commit ?? null };
      const subjectResults = results.filter((r) => r.subject.model === model && r.subject.candidateVersion === version && r.kind !== 'canary-analysis' && r.kind !== 'promote');
      const release: ReleaseFacts = {
        lineage: facts?.lineage ?? null,
        artifactCheck,
        results: subjectResults.map(citeResult).slice(0, 50),
        approvals: releaseApprovals(gate),
        canary: [],
        rollback: null,
        publishedUrl: null,
      };
      const record: LedgerRecord = {
        schema: LEDGER_RECORD_SCHEMA,
        operation: 'promote',
        model,
        version,
        environment: target,
        stage: inputs.stage,
        trafficPercent,
        artifact,
        contract: { path: facts?.path ?? null, commit: environment.context.commit },
        gate: evidence,
        results: gate.summary.slice(0, 300),
        previousVersion: expected,
        reason: inputs.reason ?? null,
        rolledBack: [],
        runUrl: environment.context.runUrl,
        actor,
        time,
        release,
        ...(snapshot ? { snapshot } : {}),
      };
      const tooLarge = recordTooLarge(record, ledger);
      if (tooLarge) return refuse(tooLarge);
      return runPromotion(ctx, services, inputs.githubToken, record, expected, refuse, `Promotion of ${model} ${version} to ${target}: ${inputs.stage}`);
    },
  });
}

/** Room a promotion leaves in a size-limited ledger for what later stages and a rollback add (canary verdicts, reasons, evidence). */
const RECORD_HEADROOM_BYTES = 8 * 1024;

/**
 * Why a promotion's record is too large for its ledger, or null. Checked when a rollout
 * starts, with room to spare, so that its later stages and a rollback (which carry the same
 * snapshot) always fit.
 */
function recordTooLarge(record: LedgerRecord, ledger: Ledger): string | null {
  if (ledger.maxRecordBytes === undefined) return null;
  const bytes = Buffer.byteLength(JSON.stringify(record));
  const limit = ledger.maxRecordBytes - RECORD_HEADROOM_BYTES;
  if (bytes <= limit) return null;
  const kib = (n: number) => `${(n / 1024).toFixed(1)} KiB`;
  // A promotion's record carries the snapshot this command took.
  const snapshot = record.snapshot?.inline as MonitorSnapshot | undefined;
  const parts = snapshot
    ? `; its monitor snapshot takes ${kib(Buffer.byteLength(JSON.stringify(record.snapshot)))}: ${snapshot.vectors.length} probe vectors of ${snapshot.dimension} dimensions, ${snapshot.pairs.length} pair, ${snapshot.triplets.length} triplet and ${snapshot.retrieval?.queries.length ?? 0} query scores. Use a probe suite with fewer pairs, triplets or retrieval queries for monitor-probes, or a file ledger`
    : '';
  return `the ledger record of ${record.model} ${record.version} is ${kib(bytes)}; ${ledger.label} keeps records up to ${kib(ledger.maxRecordBytes)}, and a promotion may take ${kib(limit)} (the rest is room for later stages and a rollback)${parts}`;
}

/** A record's own fields, without what reading it back added. */
function stripEntry(entry: LedgerEntry): LedgerRecord {
  const { id: _id, status: _status, statusDescription: _description, ...record } = entry;
  return record;
}

async function runPromotion(
  ctx: Context,
  services: PromoteServices,
  token: string | undefined,
  record: LedgerRecord,
  expected: string | null,
  refuse: (why: string) => { outputs: Record<string, string>; summary: string; failure: string },
  title: string,
) {
  let outcome: LedgerOutcome;
  try {
    outcome = await promote(ctx.ledger, record, expected, ctx.serving);
  } catch (error) {
    if (error instanceof LedgerConflictError) return refuse(error.message);
    throw error;
  }
  const releaseUrl = outcome.entry ? await publishIfFull(ctx, services, token, outcome.entry) : null;
  return finish(ctx, title, outcome, releaseUrl);
}

const historyInputs = {
  model: modelInput,
  environment: environmentInput,
  ledger: ledgerInput,
  format: {
    kind: 'enum',
    values: ['table', 'markdown', 'json'],
    default: 'table',
    description: 'table: one line per record on the log; markdown: the release records as one Markdown document on stdout; json: the release records as a JSON array on stdout.',
  },
  'github-token': tokenInput,
  config: configInput,
} as const;

/** `model-gates history`: the audit trail of a model, newest first. */
export function createHistoryCommand(services: LedgerServices = {}) {
  return defineCommand({
  name: 'history',
  description: 'Print the audit trail of a model from the ledger, newest first: a table, or its release records as Markdown or JSON',
  inputs: historyInputs,
  outputs: { 'deployment-id': outputs['deployment-id'], 'current-version': outputs['current-version'], 'previous-version': outputs['previous-version'] },
  async run(inputs, environment) {
    await loadConfig(inputs.config, environment.context.workspace);
    const ledger = await openLedger(inputs.ledger ?? defaultLedger(environment.runner), { ...services, token: inputs.githubToken, environment });
    const history = await ledger.history(inputs.model, inputs.environment, 200);
    const outcome = statusOf(history, inputs.model, inputs.environment);
    const out = { 'deployment-id': outcome.entry ? String(outcome.entry.id) : '', 'current-version': outcome.currentVersion ?? '', 'previous-version': outcome.previousVersion ?? '' };
    const records = history.map(releaseRecordOf);
    if (inputs.format === 'json') return { outputs: out, stdout: `${JSON.stringify(records, null, 2)}\n` };
    if (inputs.format === 'markdown') return { outputs: out, stdout: renderReleaseHistory(inputs.model, inputs.environment, records) };
    environment.log.info(outcome.message);
    for (const line of historyLines(history)) environment.log.info(line);
    return { outputs: out, summary: renderHistory(`${inputs.model} in ${inputs.environment} (${ledger.label})`, history, outcome.message) };
  },
  });
}

/** `model-gates status`: the ledger and the serving switch side by side (promote --operation status). */
export function createStatusCommand(services: PromoteServices = {}) {
  const { operation: _operation, ...inputs } = promoteInputs;
  const promoteCommand = createPromoteCommand(services);
  return defineCommand({
    name: 'status',
    description: 'Show what the ledger says is deployed and what the serving switch reads, and fail when they disagree (promote --operation status)',
    inputs,
    outputs,
    run: (values, environment) => promoteCommand.run({ ...values, operation: 'status' }, environment),
  });
}
