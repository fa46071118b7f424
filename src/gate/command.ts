import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { defineCommand, repositoryOf, type Environment, type RepositoryRef } from '../command.js';
import type { GateConfig } from '../config/types.js';
import { loadConfig } from '../config/load.js';
import { ConfigurationError, errorMessage, formatProblem } from '../io/errors.js';
import { neutraliseCommands } from '../io/log.js';
import { mergeResults } from '../regression/merge.js';
import { recordResult } from '../results/record.js';
import { readResults } from '../results/store.js';
import type { CheckSection, Finding, Result, Row, Subject } from '../results/types.js';
import { evaluateGate, gatedResults, membershipQueries, type GateInput } from './policy.js';
import { renderGateSummary } from './summary.js';
import type { EnvironmentApproval, GateDecision, GateReads, PullRequestFacts } from './types.js';

/** Default context of the commit status the gate sets. */
export const DEFAULT_STATUS_CONTEXT = 'model-gates/gate';

/** What the gate needs from outside the engine: its reads of a repository, with a token. */
export interface GateServices {
  reads(token: string, repository: RepositoryRef, environment: Environment): GateReads;
}

interface Gathered {
  results: Result[];
  /** The run whose artifacts were read, when there was one. */
  runId: number | null;
  artifacts: string[];
}

interface Facts {
  policy: GateConfig;
  statusContext: string;
  headSha: string | null;
  pullRequest: number | null;
  decision: GateDecision;
  subject: Subject;
  source: Gathered | null;
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

function describeError(error: unknown): string {
  if (error instanceof ConfigurationError) return error.problems.map(formatProblem).join('; ');
  return errorMessage(error);
}

/** A decision that could not be evaluated: fail, with the cause as the only reason. */
function failedEvaluation(cause: string): GateDecision {
  const sentence = `The gate could not be evaluated: ${cause}`;
  return {
    decision: 'fail',
    reasons: [sentence],
    conditions: [{ id: 'evaluation', status: 'failed', sentence, waivable: false }],
    approvals: null,
    marginalApprovals: null,
    environmentApprovers: null,
    override: null,
  };
}

function subjectOf(results: readonly Result[]): Subject {
  const first = results[0];
  if (!first) return { model: 'unknown', candidateVersion: 'unknown', productionVersion: null };
  const production = results.map((r) => r.subject.productionVersion).find((v) => v !== undefined && v !== null) ?? null;
  return { model: first.subject.model, candidateVersion: first.subject.candidateVersion, productionVersion: production };
}

const ROW_VERDICT = { met: 'pass', failed: 'fail' } as const;
const clip = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

/** The gate's own result (`kind: 'gate'`), which `promote` requires for the same commit and version. */
function gateResultBody(checkId: string, facts: Facts, evaluationFailed: boolean): Omit<Result, 'schema' | 'provenance'> {
  const { decision } = facts;
  const rows: Row[] = decision.conditions.map((c) => {
    const row: Row = { metric: clip(c.id, 200), note: clip(`${c.status}: ${c.sentence}`, 1000) };
    if (c.status === 'met' || c.status === 'failed') row.verdict = ROW_VERDICT[c.status];
    if (typeof c.observed === 'number') row.candidate = c.observed;
    return row;
  });
  const verdict = decision.decision === 'pass' ? 'pass' : evaluationFailed ? 'error' : 'fail';
  const check: CheckSection = { id: 'conditions', title: 'Gate conditions', verdict, rows };
  const findings: Finding[] = decision.conditions
    .filter((c) => c.status !== 'met' && c.status !== 'skipped')
    .map((c) => ({ rule: `gate/${c.id}`.slice(0, 128), severity: c.status === 'failed' ? 'error' : c.status === 'pending' ? 'warning' : 'notice', message: clip(c.sentence, 4000) }));
  const count = (status: string) => decision.conditions.filter((c) => c.status === status).length;
  const summary =
    decision.decision === 'pass'
      ? `The gate passed: ${count('met')} condition(s) met${count('waived') > 0 ? `, ${count('waived')} waived by override` : ''}.`
      : `The gate is ${decision.decision}: ${decision.reasons[0] ?? ''}`;
  return {
    id: checkId,
    kind: 'gate',
    subject: facts.subject,
    verdict,
    summary: clip(summary, 2000),
    metrics: {
      'gate.failed': count('failed'),
      'gate.pending': count('pending'),
      'gate.waived': count('waived'),
      'gate.approvals': decision.approvals?.counted.length ?? null,
    },
    checks: [check],
    findings,
    details: {
      decision: decision.decision,
      reasons: decision.reasons,
      commit: facts.headSha,
      pullRequest: facts.pullRequest,
      statusContext: facts.statusContext,
      conditions: decision.conditions,
      approvals: decision.approvals,
      marginalApprovals: decision.marginalApprovals,
      environmentApprovers: decision.environmentApprovers,
      override: decision.override,
      resultsFrom: facts.source ? { runId: facts.source.runId, artifacts: facts.source.artifacts, ids: facts.source.results.map((r) => r.id) } : null,
    },
  };
}

/** A result id, as result.schema.json allows it. */
const CHECK_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

const STATUS_STATE = { pass: 'success', fail: 'failure', pending: 'pending' } as const;

function statusDescription(decision: GateDecision): string {
  if (decision.decision === 'pass') return decision.override?.applied ? `Passed by override of ${decision.override.appliedBy}` : 'All gate conditions met';
  const first = decision.reasons[0] ?? '';
  const more = decision.reasons.length > 1 ? ` (+${decision.reasons.length - 1} more)` : '';
  return clip(`${decision.decision === 'fail' ? 'Failed' : 'Pending'}: ${first}`, 140 - more.length) + more;
}

/**
 * Builds the gate command around its services. It never throws for a reason that concerns
 * the decision: a bad config, unreadable results or an API error become a `fail` decision
 * with the cause, a result file, a commit status and a job summary.
 */
export function createGateCommand(services: GateServices) {
  return defineCommand({
    name: 'gate',
    description: 'Decide whether the commit may be promoted: check results, thresholds and the right approvals, failing closed',
    inputs: {
      'results-dir': { kind: 'string', default: 'model-gates-results', description: 'Directory holding the check results (*.json, shards included). The gate result is written there too.' },
      'github-token': {
        kind: 'string',
        actionDefault: '${{ github.token }}',
        description: 'Token for the GitHub API (pull-requests: read, statuses: write, actions: read). Team rules need a token with read:org. Empty on the CLI: approvals are not evaluated.',
      },
      config: { kind: 'string', description: 'Project config file with the gate section. Defaults to model-gates.yml when it exists.' },
      'pull-request': { kind: 'number', integer: true, min: 1, description: "Pull request number; defaults to the event's pull request." },
      sha: { kind: 'string', description: "Commit to decide for; defaults to the pull request's head. It must be the head: approvals count only on the head commit." },
      'status-context': { kind: 'string', description: "Context of the commit status (default: the config's gate.statusContext, else model-gates/gate)." },
      'set-status': { kind: 'boolean', default: true, description: 'Set the commit status on the head commit (statuses: write).' },
      'fail-on-pending': { kind: 'boolean', default: true, description: 'Exit 1 when the decision is pending (only approvals missing). false: exit 0, the commit status stays pending.' },
      'run-id': {
        kind: 'number',
        integer: true,
        min: 1,
        description: 'Read the results from the artifacts of this workflow run. On pull_request_review, defaults to the latest completed run of the head commit that has such artifacts.',
      },
      'artifact-name': { kind: 'string', default: 'model-gates-results*', description: 'Names of the artifacts holding results, for run-id (* matches anything).' },
      'check-id': { kind: 'string', default: 'gate', description: 'Id of the gate result; it is written to <results-dir>/<check-id>.json.' },
    },
    outputs: {
      decision: 'pass, fail or pending (pending: only approvals are missing).',
      reasons: 'Every unmet condition, one plain sentence per line (also in the result as JSON).',
      'result-file': 'Path of the gate result JSON.',
    },
    async run(inputs, environment) {
      const startedAt = new Date();
      if (!CHECK_ID.test(inputs.checkId)) {
        throw new ConfigurationError(`input 'check-id': '${inputs.checkId}' must be 1 to 128 letters, digits, '.', '_' or '-', starting with a letter or digit`);
      }
      const workspace = environment.context.workspace;
      const repository = repositoryOf(environment.context);
      const token = inputs.githubToken;
      if (token) environment.setSecret(token);
      let reads: GateReads | null = null;
      const github = (): GateReads => {
        if (!token) throw new ConfigurationError("input 'github-token' is empty: the gate needs a token to read the pull request");
        if (!repository) throw new ConfigurationError('GITHUB_REPOSITORY (owner/name) is not set: the gate needs the repository to read the pull request');
        reads ??= services.reads(token, repository, environment);
        return reads;
      };

      const facts: Facts = {
        policy: {},
        statusContext: inputs.statusContext ?? DEFAULT_STATUS_CONTEXT,
        headSha: inputs.sha ?? environment.context.commit,
        pullRequest: inputs.pullRequest ?? environment.context.pullRequest,
        decision: failedEvaluation('not evaluated'),
        subject: subjectOf([]),
        source: null,
      };
      let evaluationFailed = false;
      try {
        const { config } = await loadConfig(inputs.config, workspace);
        facts.policy = config.gate ?? {};
        facts.statusContext = inputs.statusContext ?? facts.policy.statusContext ?? DEFAULT_STATUS_CONTEXT;
        facts.decision = await decide(inputs, environment, facts, github, token !== undefined && repository !== null);
      } catch (error) {
        evaluationFailed = true;
        facts.decision = failedEvaluation(describeError(error));
      }

      let decision = facts.decision;
      const canWrite = inputs.setStatus && token !== undefined && repository !== null && facts.headSha !== null;
      if (canWrite) {
        try {
          await github().setCommitStatus({
            sha: facts.headSha!,
            state: STATUS_STATE[decision.decision],
            context: facts.statusContext,
            description: statusDescription(decision),
            targetUrl: environment.context.runUrl,
          });
        } catch (error) {
          const sentence = `The commit status could not be set: ${describeError(error)}`;
          decision = { ...decision, decision: 'fail', reasons: [...decision.reasons, sentence], conditions: [...decision.conditions, { id: 'status', status: 'failed', sentence, waivable: false }] };
          facts.decision = decision;
        }
      } else if (inputs.setStatus) {
        environment.log.info('No commit status set: it needs a github-token, the repository and the commit.');
      }

      const { file } = await recordResult(gateResultBody(inputs.checkId, facts, evaluationFailed), {
        context: { ...environment.context, commit: facts.headSha },
        resultsDir: inputs.resultsDir,
        digest: { of: { inputs: { ...inputs, githubToken: token ? '***' : '' }, policy: facts.policy } },
        startedAt,
      });
      for (const reason of decision.reasons) environment.log.info(neutraliseCommands(reason));
      environment.log.info(`gate: ${decision.decision}`);
      const outcome = {
        outputs: { decision: decision.decision, reasons: decision.reasons.join('\n'), 'result-file': file },
        summary: renderGateSummary(decision, { headSha: facts.headSha, pullRequest: facts.pullRequest, statusContext: facts.statusContext }),
      };
      const failing = decision.decision === 'fail' || (decision.decision === 'pending' && inputs.failOnPending);
      return failing ? { ...outcome, failure: `decision ${decision.decision}: ${clip(decision.reasons[0] ?? '', 500)}` } : outcome;
    },
  });
}

/** Reads everything the policy needs and evaluates it. Throws on anything it cannot read. */
async function decide(
  inputs: { resultsDir: string; runId: number | undefined; artifactName: string; sha: string | undefined },
  environment: Environment,
  facts: Facts,
  github: () => GateReads,
  online: boolean,
): Promise<GateDecision> {
  const { policy } = facts;
  let pullRequest: PullRequestFacts | null = null;
  let noPullRequestBecause = 'no pull request';
  if (facts.pullRequest !== null) {
    const reads = github();
    const number = facts.pullRequest;
    const { author, headSha } = await reads.pullRequest(number);
    if (inputs.sha !== undefined && inputs.sha !== headSha) {
      throw new ConfigurationError(`input 'sha' is ${inputs.sha}, but the head of pull request #${number} is ${headSha}; approvals count only on the head commit`);
    }
    facts.headSha = headSha;
    const needsEvents = policy.override !== undefined;
    pullRequest = {
      number,
      author,
      headSha,
      reviews: await reads.reviews(number),
      labelEvents: needsEvents ? await reads.labelEvents(number) : [],
      comments: needsEvents ? await reads.comments(number) : [],
    };
  } else if (!online) {
    noPullRequestBecause = 'no pull request and no github-token';
  }

  facts.source = await gatherResults(inputs, environment, facts.headSha, online ? github : null);
  const results = mergeResults(facts.source.results);
  facts.subject = subjectOf(gatedResults(results));
  environment.log.info(`gate: ${results.length} result(s): ${results.map((r) => `${r.id} (${r.kind}) ${r.verdict}`).join(', ') || 'none'}`);

  let environmentApprovals: EnvironmentApproval[] | null = null;
  let noEnvironmentBecause = 'no workflow run';
  const ownRun = Number(environment.env.GITHUB_RUN_ID);
  if (policy.environment && online && environment.runner === 'actions' && Number.isInteger(ownRun) && ownRun > 0) {
    environmentApprovals = await github().runApprovals(ownRun);
  } else if (policy.environment && environment.runner === 'actions' && !online) {
    noEnvironmentBecause = 'no github-token';
  }

  const input: Omit<GateInput, 'teamsOf'> = { policy, results, pullRequest, noPullRequestBecause, environmentApprovals, noEnvironmentBecause };
  const teamsOf: Record<string, string[]> = {};
  for (const { login, team } of membershipQueries(input)) {
    if (await github().isActiveTeamMember(team, login)) (teamsOf[login] ??= []).push(team);
  }
  return evaluateGate({ ...input, teamsOf });
}

/**
 * The results to judge: the results directory, plus, with `run-id` (or on a
 * `pull_request_review` event, the latest completed run of the head commit with result
 * artifacts), the results in that run's artifacts.
 */
async function gatherResults(
  inputs: { resultsDir: string; runId: number | undefined; artifactName: string },
  environment: Environment,
  headSha: string | null,
  github: (() => GateReads) | null,
): Promise<Gathered> {
  const dir = resolve(environment.context.workspace, inputs.resultsDir);
  const onReview = environment.env.GITHUB_EVENT_NAME === 'pull_request_review';
  const fetch = inputs.runId !== undefined || onReview;
  const local = !fetch || (await isDirectory(dir)) ? await readResults(dir) : [];
  if (!fetch) return { results: local, runId: null, artifacts: [] };
  if (!github) throw new ConfigurationError("reading another run's artifacts needs the 'github-token' input and GITHUB_REPOSITORY");
  const reads = github();
  let runId = inputs.runId ?? null;
  if (runId === null) {
    if (!headSha) throw new ConfigurationError('the head commit is unknown, so the run holding its results cannot be found; set sha or run-id');
    const own = Number(environment.env.GITHUB_RUN_ID);
    runId = await reads.latestRunWithArtifacts(headSha, inputs.artifactName, Number.isInteger(own) ? own : undefined);
    if (runId === null) {
      throw new ConfigurationError(`no completed workflow run of ${headSha.slice(0, 7)} has an artifact named '${inputs.artifactName}'; run the checks first, or set run-id`);
    }
    environment.log.info(`gate: reading results from run ${runId}, the latest completed run of ${headSha.slice(0, 7)} with results`);
  }
  const downloaded = await reads.downloadRunResults(runId, inputs.artifactName);
  if (downloaded.artifacts.length === 0) throw new ConfigurationError(`run ${runId} has no artifact named '${inputs.artifactName}'`);
  return { results: [...local, ...downloaded.results], runId, artifacts: downloaded.artifacts };
}
