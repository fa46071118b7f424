import { access } from 'node:fs/promises';
import { resolve } from 'node:path';
import { defineCommand, type Environment } from '../command.js';
import { loadConfig } from '../config/load.js';
import { ConfigurationError } from '../io/errors.js';
import { readYamlFile } from '../io/yaml.js';
import { code, escapeMarkdown } from '../io/markdown.js';
import { historyLines, promote, renderHistory, rollback, statusOf, type LedgerOutcome } from '../ledger/operations.js';
import { defaultLedger, openLedger, type LedgerServices } from '../ledger/open.js';
import { LEDGER_RECORD_SCHEMA, LedgerConflictError, stagePercent, type GateEvidence, type Ledger, type LedgerRecord } from '../ledger/types.js';
import { promotionSnapshot } from '../monitor/snapshot.js';
import { readResults } from '../results/store.js';
import type { Result } from '../results/types.js';

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
  'model-uri': "The artifact URI of the recorded version, for the traffic-shifting step.",
  'traffic-percent': 'Share of traffic the recorded stage gets: the canary percent, or 100 for full and rollback.',
  'current-version': 'The current production version (latest successful full deployment) after the operation.',
  'previous-version': 'The version that was current before the operation (status: the one before the current).',
} as const;

/** The ledger the `ledger` input names, with the runner's default. */
function ledgerFor(inputs: { ledger: string | undefined; githubToken: string | undefined }, environment: Environment, services: LedgerServices): Promise<Ledger> {
  const spec = inputs.ledger ?? defaultLedger(environment.runner);
  return openLedger(spec, { ...services, token: inputs.githubToken, environment });
}

function outputsOf(outcome: LedgerOutcome): Record<string, string> {
  return {
    'deployment-id': outcome.entry ? String(outcome.entry.id) : '',
    'model-uri': outcome.entry?.artifact.uri ?? '',
    'traffic-percent': outcome.entry ? String(outcome.entry.trafficPercent) : '',
    'current-version': outcome.currentVersion ?? '',
    'previous-version': outcome.previousVersion ?? '',
  };
}

async function status(ledger: Ledger, model: string, environment: string, env: Environment) {
  const history = await ledger.history(model, environment, 50);
  const outcome = statusOf(history, model, environment);
  env.log.info(outcome.message);
  for (const line of historyLines(history)) env.log.info(line);
  return { outputs: outputsOf(outcome), summary: renderHistory(`${model} in ${environment} (${ledger.label})`, history, outcome.message) };
}

/** Logins from a gate result's `details.approvals`: strings, or objects with `login` or `user`. */
function approvalsOf(gate: Result): string[] {
  const list = gate.details?.approvals;
  if (!Array.isArray(list)) return [];
  return list
    .map((item: unknown) => {
      if (typeof item === 'string') return item;
      if (item && typeof item === 'object') {
        const entry = item as { login?: unknown; user?: unknown };
        if (typeof entry.login === 'string') return entry.login;
        if (typeof entry.user === 'string') return entry.user;
        if (entry.user && typeof entry.user === 'object' && typeof (entry.user as { login?: unknown }).login === 'string') return (entry.user as { login: string }).login;
      }
      return undefined;
    })
    .filter((login): login is string => login !== undefined)
    .slice(0, 20);
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
}

async function readContractFacts(path: string, workspace: string, model: string, version: string): Promise<ContractFacts> {
  const source = await readYamlFile(resolve(workspace, path), 'contract file');
  const data = (source.data ?? {}) as { name?: unknown; version?: unknown; artifact?: { uri?: unknown; digest?: unknown } };
  if (data.name !== model || data.version !== version) {
    throw new ConfigurationError(`the contract is ${String(data.name)} ${String(data.version)}, but the inputs promote ${model} ${version}`, { file: path });
  }
  return {
    path,
    uri: typeof data.artifact?.uri === 'string' ? data.artifact.uri : null,
    digest: typeof data.artifact?.digest === 'string' ? data.artifact.digest : null,
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

/** Builds the promote command around the ledgers it can open. */
export function createPromoteCommand(services: LedgerServices) {
  return defineCommand({
    name: 'promote',
    description: 'Record a promotion stage, a rollback or the deployment history of a model in the ledger',
    inputs: {
      operation: { kind: 'enum', values: ['promote', 'rollback', 'status'], default: 'promote', description: 'promote records a stage; rollback returns to the last good full deployment; status prints the history.' },
      model: modelInput,
      version: { kind: 'string', description: 'Version to promote (required for promote); for rollback, the version to return to (default: the one before the current).' },
      environment: environmentInput,
      stage: { kind: 'string', default: 'full', description: 'Stage to record: canary-<percent> (1 to 99) or full.' },
      ledger: ledgerInput,
      'expected-current': {
        kind: 'string',
        description: "The production version the gate evaluated against (none for a first release); default: the gate result's production version. Promotion is refused when production is no longer it.",
      },
      'results-dir': { kind: 'string', default: 'model-gates-results', description: "Directory holding the gate's result; promote needs a passing gate for this commit and version." },
      contract: { kind: 'string', description: "Path of the model's contract: its artifact URI and digest go into the record, and production: ledger reads it back at this commit." },
      'artifact-uri': { kind: 'string', description: "The model's artifact URI (overrides the contract's); given to the traffic-shifting step as model-uri." },
      reason: { kind: 'string', description: 'Why (rollback); recorded in the ledger.' },
      'monitor-probes': { kind: 'string', description: 'Probe suite (a regression suite file) to record the monitor\'s baseline snapshot with the record: probe vectors, related-pair and triplet similarities, retrieval scores.' },
      'monitor-source': { kind: 'string', description: 'With monitor-probes: the promoted version\'s embeddings (openai:<url>, command:<program> or file:<path>), embedded without the cache.' },
      'monitor-reference': { kind: 'string', description: 'With monitor-probes: the reference sample of production inputs (JSONL, CSV, TSV or Parquet with a text field) that monitor tests drift against; its path and digest are recorded.' },
      'github-token': tokenInput,
      config: configInput,
    },
    outputs,
    async run(inputs, environment) {
      const { config } = await loadConfig(inputs.config, environment.context.workspace);
      const ledger = await ledgerFor(inputs, environment, services);
      const { model } = inputs;
      const target = inputs.environment;
      if (inputs.operation === 'status') return status(ledger, model, target, environment);

      const actor = environment.env.GITHUB_ACTOR || environment.env.USER || null;
      const time = new Date().toISOString();
      if (inputs.operation === 'rollback') {
        const outcome = await rollback(ledger, {
          model,
          environment: target,
          ...(inputs.version ? { version: inputs.version } : {}),
          reason: inputs.reason ?? 'rollback requested',
          actor,
          runUrl: environment.context.runUrl,
          time,
        });
        environment.log.info(outcome.message);
        const history = await ledger.history(model, target, 10);
        return { outputs: outputsOf(outcome), summary: renderHistory(`Rollback of ${model} in ${target}`, history, outcome.message) };
      }

      const version = inputs.version;
      if (!version) throw new ConfigurationError("input 'version' is required for operation promote");
      const trafficPercent = stagePercent(inputs.stage);
      if (trafficPercent === undefined) throw new ConfigurationError(`input 'stage': '${inputs.stage}' is not a stage; use canary-<percent> (1 to 99) or full`);
      const resultsDir = resolve(environment.context.workspace, inputs.resultsDir);
      const refuse = (why: string) => ({
        outputs: {},
        summary: `### Promotion of ${code(model)} ${code(version)} refused\n\n${escapeMarkdown(why)}`,
        failure: `promotion refused: ${why}`,
      });
      if (!(await exists(resultsDir))) return refuse(`the results directory ${inputs.resultsDir} does not exist; promote needs the gate's result in it`);
      const found = findGatePass(await readResults(resultsDir), model, version, environment.context.commit);
      if ('refusal' in found) return refuse(found.refusal);
      const gate = found.gate;
      const expected = inputs.expectedCurrent !== undefined ? (inputs.expectedCurrent === 'none' ? null : inputs.expectedCurrent) : (gate.subject.productionVersion ?? null);
      const facts = inputs.contract ? await readContractFacts(inputs.contract, environment.context.workspace, model, version) : undefined;
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
      const record: LedgerRecord = {
        schema: LEDGER_RECORD_SCHEMA,
        operation: 'promote',
        model,
        version,
        environment: target,
        stage: inputs.stage,
        trafficPercent,
        artifact: { uri: inputs.artifactUri ?? facts?.uri ?? null, digest: facts?.digest ?? null },
        contract: { path: facts?.path ?? null, commit: environment.context.commit },
        gate: evidence,
        results: gate.summary.slice(0, 300),
        previousVersion: expected,
        reason: inputs.reason ?? null,
        rolledBack: [],
        runUrl: environment.context.runUrl,
        actor,
        time,
        ...(snapshot ? { snapshot } : {}),
      };
      let outcome: LedgerOutcome;
      try {
        outcome = await promote(ledger, record, expected);
      } catch (error) {
        if (error instanceof LedgerConflictError) return refuse(error.message);
        throw error;
      }
      environment.log.info(outcome.message);
      const history = await ledger.history(model, target, 10);
      return { outputs: outputsOf(outcome), summary: renderHistory(`Promotion of ${model} ${version} to ${target}: ${inputs.stage}`, history, outcome.message) };
    },
  });
}

/** `model-gates history`: the CLI's name for `promote --operation status`. */
export function createHistoryCommand(services: LedgerServices) {
  return defineCommand({
    name: 'history',
    description: 'Print the deployment history of a model from the ledger, newest first (promote --operation status)',
    inputs: { model: modelInput, environment: environmentInput, ledger: ledgerInput, 'github-token': tokenInput, config: configInput },
    outputs,
    async run(inputs, environment) {
      await loadConfig(inputs.config, environment.context.workspace);
      return status(await ledgerFor(inputs, environment, services), inputs.model, inputs.environment, environment);
    },
  });
}
