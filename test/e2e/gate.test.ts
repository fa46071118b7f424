import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Result } from '../../src/results/types.js';
import { result } from '../gate/fixtures.js';
import { runActionBundle, type ActionRun } from '../support/action-runner.js';
import { fakeSha, startGitHubServer, type GitHubServer } from '../support/github-server/index.js';
import { storedZip } from '../support/zip.js';
import { tempDir } from '../support/temp.js';

// The gate bundle (dist/gate/index.js, built by `npx ncc build src/actions/gate.ts -o dist/gate`)
// under Node 24 against the GitHub API test server, which validates every request and
// response against GitHub's OpenAPI description.

const TOKEN = 'gate-token';
const NO_STATUS_TOKEN = 'gate-token-without-statuses';
const NO_MEMBERS_TOKEN = 'gate-token-like-github-token';
const NO_ACTIONS_TOKEN = 'gate-token-without-actions';
const NO_PULLS_TOKEN = 'gate-token-without-pull-requests';
const ORG = 'acme';

let server: GitHubServer;
let counter = 0;

beforeAll(async () => {
  server = await startGitHubServer();
  const read = { 'pull-requests': 'read', statuses: 'write', actions: 'read', members: 'read' } as const;
  server.addToken(TOKEN, { login: 'gate-app[bot]', permissions: read });
  server.addToken(NO_STATUS_TOKEN, { login: 'gate-app[bot]', permissions: { 'pull-requests': 'read', actions: 'read', members: 'read' } });
  server.addToken(NO_MEMBERS_TOKEN, { login: 'github-actions[bot]', permissions: { 'pull-requests': 'read', statuses: 'write', actions: 'read' } });
  server.addToken(NO_ACTIONS_TOKEN, { login: 'gate-app[bot]', permissions: { 'pull-requests': 'read', statuses: 'write', members: 'read' } });
  server.addToken(NO_PULLS_TOKEN, { login: 'gate-app[bot]', permissions: { statuses: 'write', actions: 'read', members: 'read' } });
  server.state.addTeamMember(ORG, 'ml-reviewers', 'dave');
  server.state.addTeamMember(ORG, 'search-ml', 'olga');
  server.state.addTeamMember(ORG, 'ml-reviewers', 'pat', { state: 'pending' });
});
afterEach(() => server.assertNoViolations());
afterAll(() => server.close());

const BASE_POLICY = `
version: 1
gate:
  requiredChecks:
    kinds: [contract, embedding-regression]
  thresholds:
    - { metric: retrieval.ndcg.change, op: '>=', value: -0.02 }
  approvals:
    count: 1
    from: { users: [alice, bob], teams: [acme/ml-reviewers] }
  marginal:
    count: 1
    from: owners
  override:
    label: gate-override
    authorised: { users: [lead] }
`;

interface Scenario {
  repo: string;
  pr: number;
  head: string;
  workspace: string;
}

function passingResults(verdict: Result['verdict'] = 'pass'): Result[] {
  return [
    result({ id: 'contract', kind: 'contract', details: { owners: ['@alice', 'acme/search-ml'] } }),
    result({ id: 'regression', verdict, metrics: { 'retrieval.ndcg.change': -0.004 } }),
  ];
}

/** A repository with an open pull request by `author`, and a workspace with the config and results. */
async function scenario(options: { policy?: string; results?: Result[]; author?: string } = {}): Promise<Scenario> {
  counter += 1;
  const repo = `${ORG}/models-${counter}`;
  const head = fakeSha(`head-${counter}`);
  server.state.addRepository(repo);
  const pull = server.state.addPullRequest(repo, { author: options.author ?? 'author', head: { sha: head } });
  const workspace = await tempDir('mg-gate-');
  await writeFile(join(workspace, 'model-gates.yml'), options.policy ?? BASE_POLICY);
  const dir = join(workspace, 'model-gates-results');
  await mkdir(dir, { recursive: true });
  for (const r of options.results ?? passingResults()) await writeFile(join(dir, `${r.id}.json`), JSON.stringify(r));
  return { repo, pr: pull.number, head, workspace };
}

async function runGate(s: Scenario, options: { inputs?: Record<string, string>; env?: Record<string, string>; eventName?: string; token?: string } = {}): Promise<ActionRun> {
  return runActionBundle('gate', {
    workspace: s.workspace,
    inputs: { 'github-token': options.token ?? TOKEN, ...options.inputs },
    event: { pull_request: { number: s.pr, head: { sha: s.head } } },
    env: { ...server.env(), GITHUB_REPOSITORY: s.repo, GITHUB_EVENT_NAME: options.eventName ?? 'pull_request', ...options.env },
  });
}

function latestStatus(s: Scenario) {
  return server.state.commitStatuses(s.repo, s.head)[0];
}

async function gateResult(s: Scenario): Promise<Result> {
  return JSON.parse(await readFile(join(s.workspace, 'model-gates-results', 'gate.json'), 'utf8')) as Result;
}

describe('gate bundle under Node 24', () => {
  it('passes with an approval on the head commit; sets the status and writes the gate result', async () => {
    const s = await scenario();
    server.state.addReview(s.repo, s.pr, { user: 'alice', state: 'APPROVED', commitId: s.head });
    const run = await runGate(s);
    expect(run.exitCode, run.stdout).toBe(0);
    expect(run.outputs.decision).toBe('pass');
    expect(run.outputs.reasons).toBe('');
    expect(latestStatus(s)).toMatchObject({ state: 'success', context: 'model-gates/gate' });
    const written = await gateResult(s);
    expect(run.outputs['result-file']).toBe(join(s.workspace, 'model-gates-results', 'gate.json'));
    expect(written).toMatchObject({ kind: 'gate', verdict: 'pass', subject: { model: 'search-embedder', candidateVersion: '2.1.0', productionVersion: '2.0.0' } });
    expect(written.provenance.commit).toBe(s.head);
    expect(written.details).toMatchObject({ decision: 'pass', approvals: { counted: ['alice'] } });
    expect(run.summary).toContain('model-gates gate: pass');
  });

  it('a stale approval (made before the latest push) leaves the gate pending: exit 1, status pending', async () => {
    const s = await scenario();
    server.state.addReview(s.repo, s.pr, { user: 'alice', state: 'APPROVED', commitId: s.head });
    const pushed = fakeSha(`pushed-${counter}`);
    server.state.pushToPullRequest(s.repo, s.pr, pushed);
    const run = await runGate({ ...s, head: pushed });
    expect(run.outputs.decision).toBe('pending');
    expect(run.exitCode).toBe(1);
    expect(run.outputs.reasons).toMatch(/the approval of alice was made before the latest push and is stale/);
    expect(server.state.commitStatuses(s.repo, pushed)[0]).toMatchObject({ state: 'pending', context: 'model-gates/gate' });
    const lenient = await runGate({ ...s, head: pushed }, { inputs: { 'fail-on-pending': 'false' } });
    expect(lenient.exitCode).toBe(0);
    expect(lenient.outputs.decision).toBe('pending');
    const oldSha = await runGate({ ...s, head: pushed }, { inputs: { sha: s.head } });
    expect(oldSha.outputs.decision).toBe('fail');
    expect(oldSha.outputs.reasons).toContain(`input 'sha' is ${s.head}, but the head of pull request #${s.pr} is ${pushed}`);
  });

  it('a self-approval does not count', async () => {
    const s = await scenario({ author: 'alice' });
    server.state.addReview(s.repo, s.pr, { user: 'alice', state: 'APPROVED', commitId: s.head });
    const run = await runGate(s);
    expect(run.outputs.decision).toBe('pending');
    expect(run.outputs.reasons).toContain('the approval of alice does not count: alice is the author of the pull request');
  });

  it('an approval from a non-member does not count; an active team member does; a pending membership does not', async () => {
    const s = await scenario();
    server.state.addReview(s.repo, s.pr, { user: 'carol', state: 'APPROVED', commitId: s.head });
    server.state.addReview(s.repo, s.pr, { user: 'pat', state: 'APPROVED', commitId: s.head });
    const run = await runGate(s);
    expect(run.outputs.decision).toBe('pending');
    expect(run.outputs.reasons).toContain('carol does not count: carol is not among the approvers');
    expect(run.outputs.reasons).toContain('pat does not count');
    server.state.addReview(s.repo, s.pr, { user: 'dave', state: 'APPROVED', commitId: s.head });
    const again = await runGate(s);
    expect(again.outputs.decision).toBe('pass');
    expect(server.count('teams/get-membership-for-user-in-org')).toBeGreaterThan(0);
  });

  it('changes requested, then an approval by the same person on the head, passes; the other way round blocks', async () => {
    const s = await scenario();
    server.state.addReview(s.repo, s.pr, { user: 'bob', state: 'CHANGES_REQUESTED', commitId: s.head });
    server.state.addReview(s.repo, s.pr, { user: 'bob', state: 'APPROVED', commitId: s.head });
    expect((await runGate(s)).outputs.decision).toBe('pass');
    server.state.addReview(s.repo, s.pr, { user: 'alice', state: 'CHANGES_REQUESTED', commitId: s.head });
    const blocked = await runGate(s);
    expect(blocked.outputs.decision).toBe('pending');
    expect(blocked.outputs.reasons).toMatch(/Changes requested by alice is outstanding/);
  });

  it('an override label applied by an unauthorised user is ignored; by an authorised one with a reason it waives', async () => {
    const s = await scenario({ results: [passingResults()[0]!, result({ id: 'regression', verdict: 'fail', summary: 'nDCG@10 dropped', metrics: { 'retrieval.ndcg.change': -0.05 } })] });
    server.state.labelIssue(s.repo, s.pr, 'gate-override', 'lead');
    server.state.addIssueComment(s.repo, s.pr, { author: 'lead', body: '/override incident 42: the drop is in a deprecated segment' });
    server.state.unlabelIssue(s.repo, s.pr, 'gate-override', 'mallory');
    server.state.labelIssue(s.repo, s.pr, 'gate-override', 'mallory');
    server.state.addIssueComment(s.repo, s.pr, { author: 'mallory', body: '/override trust me' });
    const run = await runGate(s);
    expect(run.outputs.decision).toBe('fail');
    expect(run.exitCode).toBe(1);
    expect(run.outputs.reasons).toContain("The override label 'gate-override' was applied by mallory, who is not authorised to override; it is ignored.");
    expect(latestStatus(s)?.state).toBe('failure');

    server.state.unlabelIssue(s.repo, s.pr, 'gate-override', 'lead');
    server.state.labelIssue(s.repo, s.pr, 'gate-override', 'lead');
    const waived = await runGate(s);
    expect(waived.outputs.decision).toBe('pass');
    expect(waived.outputs.reasons).toContain('Override by lead: incident 42: the drop is in a deprecated segment');
    expect((await gateResult(s)).details).toMatchObject({ override: { appliedBy: 'lead', authorised: true, applied: true } });
    expect(latestStatus(s)).toMatchObject({ state: 'success', description: 'Passed by override of lead' });
  });

  it("a marginal verdict needs the owners' approval: pending without, pass with (a team owner)", async () => {
    const s = await scenario({ results: passingResults('marginal') });
    server.state.addReview(s.repo, s.pr, { user: 'bob', state: 'APPROVED', commitId: s.head });
    const without = await runGate(s);
    expect(without.outputs.decision).toBe('pending');
    expect(without.outputs.reasons).toMatch(/Marginal verdict: the owners' approvals: 0 of 1/);
    server.state.addReview(s.repo, s.pr, { user: 'olga', state: 'APPROVED', commitId: s.head });
    const withOwner = await runGate(s);
    expect(withOwner.outputs.decision).toBe('pass');
    expect((await gateResult(s)).details).toMatchObject({ marginalApprovals: { counted: ['olga'] } });
  });

  it('a missing result fails, never passes; so does an empty or unreadable results directory', async () => {
    const s = await scenario({ results: [passingResults()[0]!] });
    server.state.addReview(s.repo, s.pr, { user: 'alice', state: 'APPROVED', commitId: s.head });
    const run = await runGate(s);
    expect(run.outputs.decision).toBe('fail');
    expect(run.outputs.reasons).toContain('The required embedding-regression result is missing.');
    expect(latestStatus(s)?.state).toBe('failure');

    const broken = await scenario();
    await writeFile(join(broken.workspace, 'model-gates-results', 'regression.json'), '{"schema": "model-gates/result@1"');
    const unreadable = await runGate(broken);
    expect(unreadable.outputs.decision).toBe('fail');
    expect(unreadable.outputs.reasons).toMatch(/could not be evaluated: .*regression\.json: not valid JSON/);
    expect((await gateResult(broken)).verdict).toBe('error');
  });

  it('a 502 while listing reviews ends in fail after the retries, never pass', async () => {
    const s = await scenario();
    server.state.addReview(s.repo, s.pr, { user: 'alice', state: 'APPROVED', commitId: s.head });
    const before = server.count('pulls/list-reviews');
    server.injectFault({ operation: 'pulls/list-reviews', kind: 'server-error', status: 502, times: 10 });
    const run = await runGate(s);
    server.clearFaults();
    expect(run.outputs.decision).toBe('fail');
    expect(run.exitCode).toBe(1);
    expect(run.outputs.reasons).toMatch(/GitHub answered 502 to GET \/repos\/acme\/models-\d+\/pulls\/\d+\/reviews, also after retries/);
    expect(server.count('pulls/list-reviews') - before).toBe(4);
    expect(latestStatus(s)?.state).toBe('failure');
  });

  it('environment approvals: allowed approvers pass, a disallowed one fails; approvers are recorded', async () => {
    const policy = `${BASE_POLICY}  environment:\n    name: model-production\n    required: true\n    allowed: { users: [ops-lead], teams: [acme/ml-reviewers] }\n`;
    const s = await scenario({ policy });
    server.state.addReview(s.repo, s.pr, { user: 'alice', state: 'APPROVED', commitId: s.head });
    const run = server.state.addWorkflowRun(s.repo, { headSha: s.head, status: 'in_progress', event: 'pull_request' });
    server.state.addRunApproval(s.repo, run.id, { environments: ['model-production'], state: 'approved', user: 'ops-lead', comment: 'ship it' });
    const allowed = await runGate(s, { env: { GITHUB_RUN_ID: String(run.id) } });
    expect(allowed.outputs.decision).toBe('pass');
    expect((await gateResult(s)).details).toMatchObject({ environmentApprovers: [{ login: 'ops-lead', state: 'approved', environments: ['model-production'] }] });

    const other = server.state.addWorkflowRun(s.repo, { headSha: s.head, status: 'in_progress', event: 'pull_request' });
    server.state.addRunApproval(s.repo, other.id, { environments: ['model-production'], state: 'approved', user: 'mallory' });
    const disallowed = await runGate(s, { env: { GITHUB_RUN_ID: String(other.id) } });
    expect(disallowed.outputs.decision).toBe('fail');
    expect(disallowed.outputs.reasons).toContain("The run was approved for environment 'model-production' by mallory, who is not among the allowed approvers");

    const none = server.state.addWorkflowRun(s.repo, { headSha: s.head, status: 'in_progress', event: 'pull_request' });
    const unapproved = await runGate(s, { env: { GITHUB_RUN_ID: String(none.id) } });
    expect(unapproved.outputs.decision).toBe('fail');
    expect(unapproved.outputs.reasons).toMatch(/no environment approval for environment 'model-production'/);
  });

  it('a missing permission is named: statuses: write, and members: read for team rules', async () => {
    const s = await scenario();
    server.state.addReview(s.repo, s.pr, { user: 'alice', state: 'APPROVED', commitId: s.head });
    const noStatus = await runGate(s, { token: NO_STATUS_TOKEN });
    expect(noStatus.outputs.decision).toBe('fail');
    expect(noStatus.outputs.reasons).toMatch(/The commit status could not be set: .*the token lacks `statuses: write`/);

    server.state.addReview(s.repo, s.pr, { user: 'dave', state: 'APPROVED', commitId: s.head });
    const noMembers = await runGate(s, { token: NO_MEMBERS_TOKEN });
    expect(noMembers.outputs.decision).toBe('fail');
    expect(noMembers.outputs.reasons).toMatch(/`members: read`.*read:org/);
    expect(latestStatus(s)?.state).toBe('failure');

    const noPulls = await runGate(s, { token: NO_PULLS_TOKEN });
    expect(noPulls.outputs.decision).toBe('fail');
    expect(noPulls.outputs.reasons).toMatch(/Could not read pull request #\d+: the token lacks `pull-requests: read`/);

    const noActions = await runGate({ ...s, workspace: await tempDir('mg-gate-review-') }, { token: NO_ACTIONS_TOKEN, eventName: 'pull_request_review' });
    expect(noActions.outputs.decision).toBe('fail');
    expect(noActions.outputs.reasons).toMatch(/the token lacks `actions: read`/);
  });

  it('on pull_request_review, reads the results from the latest completed run of the head commit', async () => {
    const s = await scenario({ results: [] });
    server.state.addReview(s.repo, s.pr, { user: 'alice', state: 'APPROVED', commitId: s.head });
    const files = Object.fromEntries(passingResults().map((r) => [`${r.id}.json`, JSON.stringify(r)]));
    const older = server.state.addWorkflowRun(s.repo, { headSha: s.head });
    server.state.addArtifact(s.repo, older.id, { name: 'model-gates-results', zip: storedZip({ 'regression.json': JSON.stringify(result({ id: 'regression', verdict: 'fail' })) }) });
    const checks = server.state.addWorkflowRun(s.repo, { headSha: s.head });
    server.state.addArtifact(s.repo, checks.id, { name: 'model-gates-results', zip: storedZip(files) });
    server.state.addWorkflowRun(s.repo, { headSha: s.head, name: 'Gate on review' });
    const own = server.state.addWorkflowRun(s.repo, { headSha: s.head, status: 'in_progress', event: 'pull_request_review' });
    const run = await runGate({ ...s, workspace: await tempDir('mg-gate-review-') }, { eventName: 'pull_request_review', env: { GITHUB_RUN_ID: String(own.id) } });
    expect(run.exitCode, run.stdout).toBe(0);
    expect(run.outputs.decision).toBe('pass');
    expect(run.stdout).toContain(`reading results from run ${checks.id}`);
    expect(server.count('actions/download-artifact')).toBeGreaterThan(0);

    const broken = await scenario({ results: [] });
    const empty = await runGate({ ...broken, workspace: await tempDir('mg-gate-review-') }, { eventName: 'pull_request_review' });
    expect(empty.outputs.decision).toBe('fail');
    expect(empty.outputs.reasons).toMatch(/no completed workflow run of [0-9a-f]{7} has an artifact named 'model-gates-results\*'/);
  });

  it('without a token or pull request, approvals are not evaluated and the decision is pending', async () => {
    const s = await scenario();
    const run = await runActionBundle('gate', { workspace: s.workspace, env: { GITHUB_EVENT_NAME: 'push', GITHUB_SHA: s.head } });
    expect(run.outputs.decision).toBe('pending');
    expect(run.outputs.reasons).toBe('Approvals not evaluated (no pull request and no github-token); 1 required.');
    expect(run.exitCode).toBe(1);
    const badId = await runActionBundle('gate', { workspace: s.workspace, inputs: { 'check-id': '../gate' } });
    expect(badId.exitCode).toBe(1);
    expect(badId.annotations[0]?.message).toContain("input 'check-id': '../gate' must be");
  });
});
