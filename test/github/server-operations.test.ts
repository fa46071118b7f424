import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createGitHubClient, type GitHubClient } from '../../src/github/client.js';
import { MemoryLogger } from '../../src/io/log.js';
import { fakeSha, operations, startGitHubServer, type GitHubServer } from '../support/github-server/index.js';

// Every operation of the OpenAPI subset, called through the suite's own client against
// seeded state: the server's answers must satisfy GitHub's description (no violations)
// and carry the seeded data.

const REPO = 'acme/models';
const [owner, repo] = REPO.split('/') as [string, string];
const HEAD = fakeSha('head');
const BASE = fakeSha('base');

let server: GitHubServer;
let octokit: GitHubClient;
const called = new Set<string>();

beforeAll(async () => {
  server = await startGitHubServer();
  server.addToken('pat', { login: 'maintainer', permissions: 'all' });
  octokit = createGitHubClient({ token: 'pat', baseUrl: server.url, log: new MemoryLogger(), timeUnitMs: 1 });
  const s = server.state;
  s.addRepository(REPO, { defaultBranchSha: BASE });
  s.setRef(REPO, 'topic', HEAD);
  s.setFile(REPO, 'main', 'models/a/contract.yml', 'name: a\nversion: 1.0.0\n');
  s.setFile(REPO, HEAD, 'models/a/contract.yml', 'name: a\nversion: 2.0.0\n');
  s.addPullRequest(REPO, { number: 7, author: 'alice', head: { sha: HEAD, ref: 'topic' }, labels: ['model'] });
  s.addIssueComment(REPO, 7, { author: 'bob', body: 'looks good' });
  s.addReview(REPO, 7, { user: 'bob', state: 'APPROVED', commitId: HEAD });
  s.labelIssue(REPO, 7, 'override', 'carol');
  s.addTeamMember('acme', 'ml-owners', 'bob');
  s.addStatus(REPO, HEAD, { state: 'success', context: 'ci' });
  s.addCheckRun(REPO, { headSha: HEAD, name: 'embedding-regression' });
  const run = s.addWorkflowRun(REPO, { headSha: HEAD, headBranch: 'topic', pullRequests: [7] });
  s.addArtifact(REPO, run.id, { name: 'model-gates-results', zip: new Uint8Array([0x50, 0x4b, 0x05, 0x06, ...new Array<number>(18).fill(0)]) });
  s.addRunApproval(REPO, run.id, { environments: ['production'], state: 'approved', user: 'bob', comment: 'ship it' });
  const deployment = s.addDeployment(REPO, { sha: BASE, ref: 'main', payload: { model: 'a', version: '1.0.0' } });
  s.addDeploymentStatus(REPO, deployment.id, { state: 'success' });
});

afterEach(() => server.assertNoViolations());
afterAll(async () => {
  await server.close();
});

function track(operation: string) {
  called.add(operation);
}

describe('every operation of the subset answers as GitHub describes it', () => {
  it('users, repositories and contents', async () => {
    track('users/get-authenticated');
    expect((await octokit.rest.users.getAuthenticated()).data.login).toBe('maintainer');
    track('repos/get');
    expect((await octokit.rest.repos.get({ owner, repo })).data.default_branch).toBe('main');
    track('repos/get-content');
    const file = await octokit.rest.repos.getContent({ owner, repo, path: 'models/a/contract.yml', ref: HEAD });
    expect(Buffer.from((file.data as { content: string }).content, 'base64').toString()).toBe('name: a\nversion: 2.0.0\n');
    const directory = await octokit.rest.repos.getContent({ owner, repo, path: 'models' });
    expect((directory.data as { name: string; type: string }[]).map((e) => [e.name, e.type])).toEqual([['a', 'dir']]);
  });

  it('pull requests and reviews', async () => {
    track('pulls/get');
    const pull = (await octokit.rest.pulls.get({ owner, repo, pull_number: 7 })).data;
    expect([pull.head.sha, pull.base.sha, pull.user.login, pull.labels.map((l) => l.name)]).toEqual([HEAD, BASE, 'alice', ['model', 'override']]);
    track('pulls/list');
    expect((await octokit.rest.pulls.list({ owner, repo })).data.map((p) => p.number)).toEqual([7]);
    track('pulls/list-reviews');
    const reviews = (await octokit.rest.pulls.listReviews({ owner, repo, pull_number: 7 })).data;
    expect(reviews.map((r) => [r.user?.login, r.state, r.commit_id])).toEqual([['bob', 'APPROVED', HEAD]]);
    track('repos/list-pull-requests-associated-with-commit');
    expect((await octokit.rest.repos.listPullRequestsAssociatedWithCommit({ owner, repo, commit_sha: HEAD })).data.map((p) => p.number)).toEqual([7]);
  });

  it('issues, comments, events and labels', async () => {
    track('issues/get');
    expect((await octokit.rest.issues.get({ owner, repo, issue_number: 7 })).data.pull_request).toBeDefined();
    track('issues/create-comment');
    const created = (await octokit.rest.issues.createComment({ owner, repo, issue_number: 7, body: 'report' })).data;
    expect(created.user?.login).toBe('maintainer');
    expect(created.html_url).toBe(`https://github.com/${REPO}/pull/7#issuecomment-${created.id}`);
    track('issues/update-comment');
    expect((await octokit.rest.issues.updateComment({ owner, repo, comment_id: created.id, body: 'report v2' })).data.body).toBe('report v2');
    track('issues/list-comments');
    expect((await octokit.rest.issues.listComments({ owner, repo, issue_number: 7 })).data.map((c) => c.body)).toEqual(['looks good', 'report v2']);
    track('issues/delete-comment');
    expect((await octokit.rest.issues.deleteComment({ owner, repo, comment_id: created.id })).status).toBe(204);
    track('issues/list-events');
    const events = (await octokit.rest.issues.listEvents({ owner, repo, issue_number: 7 })).data;
    expect(events.map((e) => [e.event, e.actor?.login, (e as { label?: { name: string } }).label?.name])).toEqual([['labeled', 'carol', 'override']]);
    track('issues/list-labels-on-issue');
    expect((await octokit.rest.issues.listLabelsOnIssue({ owner, repo, issue_number: 7 })).data.map((l) => l.name)).toEqual(['model', 'override']);
  });

  it('plain issues and repository labels', async () => {
    track('issues/create-label');
    expect((await octokit.rest.issues.createLabel({ owner, repo, name: 'alert', color: 'b60205' })).status).toBe(201);
    track('issues/create');
    const issue = (await octokit.rest.issues.create({ owner, repo, title: 'drift', body: 'figures', labels: ['alert'], assignees: ['bob'] })).data;
    expect([issue.state, issue.user?.login, issue.assignees?.map((a) => a.login), issue.labels.map((l) => (typeof l === 'string' ? l : l.name))]).toEqual(['open', 'maintainer', ['bob'], ['alert']]);
    track('issues/update');
    const closed = (await octokit.rest.issues.update({ owner, repo, issue_number: issue.number, state: 'closed', state_reason: 'completed' })).data;
    expect([closed.state, closed.state_reason]).toEqual(['closed', 'completed']);
    track('issues/list-for-repo');
    const open = (await octokit.rest.issues.listForRepo({ owner, repo, state: 'open' })).data.map((i) => i.number);
    const all = (await octokit.rest.issues.listForRepo({ owner, repo, state: 'all', direction: 'asc', per_page: 100 })).data.map((i) => i.number);
    expect(open).toEqual([7]);
    expect(all).toEqual([7, issue.number]);
  });

  it('teams, statuses and checks', async () => {
    track('teams/get-membership-for-user-in-org');
    expect((await octokit.rest.teams.getMembershipForUserInOrg({ org: 'acme', team_slug: 'ml-owners', username: 'bob' })).data.state).toBe('active');
    track('repos/create-commit-status');
    await octokit.rest.repos.createCommitStatus({ owner, repo, sha: HEAD, state: 'pending', context: 'model-gates/gate', description: 'waiting' });
    track('repos/list-commit-statuses-for-ref');
    const statuses = (await octokit.rest.repos.listCommitStatusesForRef({ owner, repo, ref: HEAD })).data;
    expect(statuses.map((s) => [s.context, s.state])).toEqual([
      ['model-gates/gate', 'pending'],
      ['ci', 'success'],
    ]);
    track('checks/list-for-ref');
    const checks = (await octokit.rest.checks.listForRef({ owner, repo, ref: HEAD })).data;
    expect(checks.check_runs.map((c) => [c.name, c.conclusion])).toEqual([['embedding-regression', 'success']]);
  });

  it('workflow runs, artifacts and approvals', async () => {
    track('actions/list-workflow-runs-for-repo');
    const runs = (await octokit.rest.actions.listWorkflowRunsForRepo({ owner, repo, head_sha: HEAD })).data;
    expect(runs.total_count).toBe(1);
    const run = runs.workflow_runs[0]!;
    expect(run.pull_requests?.map((p) => p.number)).toEqual([7]);
    track('actions/get-workflow-run');
    expect((await octokit.rest.actions.getWorkflowRun({ owner, repo, run_id: run.id })).data.head_sha).toBe(HEAD);
    track('actions/list-workflow-run-artifacts');
    const artifacts = (await octokit.rest.actions.listWorkflowRunArtifacts({ owner, repo, run_id: run.id })).data.artifacts;
    expect(artifacts.map((a) => [a.name, a.size_in_bytes])).toEqual([['model-gates-results', 22]]);
    track('actions/download-artifact');
    const download = await octokit.rest.actions.downloadArtifact({ owner, repo, artifact_id: artifacts[0]!.id, archive_format: 'zip' });
    expect(new Uint8Array(download.data as ArrayBuffer).slice(0, 4)).toEqual(new Uint8Array([0x50, 0x4b, 0x05, 0x06]));
    track('actions/get-reviews-for-run');
    const approvals = (await octokit.rest.actions.getReviewsForRun({ owner, repo, run_id: run.id })).data;
    expect(approvals.map((a) => [a.user.login, a.state, a.environments.map((e) => e.name)])).toEqual([['bob', 'approved', ['production']]]);
  });

  it('deployments and their statuses', async () => {
    track('repos/create-deployment');
    const created = await octokit.rest.repos.createDeployment({ owner, repo, ref: 'topic', environment: 'staging', payload: { model: 'a' }, required_contexts: [] });
    expect(created.status).toBe(201);
    const id = (created.data as { id: number }).id;
    track('repos/create-deployment-status');
    await octokit.rest.repos.createDeploymentStatus({ owner, repo, deployment_id: id, state: 'success', description: 'canary-5' });
    track('repos/get-deployment');
    expect((await octokit.rest.repos.getDeployment({ owner, repo, deployment_id: id })).data.sha).toBe(HEAD);
    track('repos/list-deployment-statuses');
    expect((await octokit.rest.repos.listDeploymentStatuses({ owner, repo, deployment_id: id })).data.map((s) => s.state)).toEqual(['success']);
    track('repos/list-deployments');
    const deployments = (await octokit.rest.repos.listDeployments({ owner, repo })).data;
    expect(deployments.map((d) => d.environment)).toEqual(['staging', 'production']);
  });

  it('environment variables', async () => {
    const names = { owner, repo, environment_name: 'production' };
    track('actions/create-environment-variable');
    expect((await octokit.rest.actions.createEnvironmentVariable({ ...names, name: 'MODEL_A_VERSION', value: '1.0.0' })).status).toBe(201);
    track('actions/update-environment-variable');
    expect((await octokit.rest.actions.updateEnvironmentVariable({ ...names, name: 'MODEL_A_VERSION', value: '2.0.0' })).status).toBe(204);
    track('actions/get-environment-variable');
    expect((await octokit.rest.actions.getEnvironmentVariable({ ...names, name: 'MODEL_A_VERSION' })).data.value).toBe('2.0.0');
    track('actions/list-environment-variables');
    expect((await octokit.rest.actions.listEnvironmentVariables(names)).data.variables.map((v) => v.name)).toEqual(['MODEL_A_VERSION']);
  });

  it('file commits and releases', async () => {
    track('repos/create-or-update-file-contents');
    const content = Buffer.from('{"flags":{}}\n').toString('base64');
    const created = await octokit.rest.repos.createOrUpdateFileContents({ owner, repo, path: 'flags/production.json', message: 'add', content });
    expect(created.status).toBe(201);
    const sha = created.data.content!.sha!;
    expect((await octokit.rest.repos.createOrUpdateFileContents({ owner, repo, path: 'flags/production.json', message: 'update', content, sha })).status).toBe(200);
    track('repos/create-release');
    const release = await octokit.rest.repos.createRelease({ owner, repo, tag_name: 'a-v1.0.0', name: 'a 1.0.0', body: 'notes' });
    expect(release.data.tag_name).toBe('a-v1.0.0');
    track('repos/get-release-by-tag');
    expect((await octokit.rest.repos.getReleaseByTag({ owner, repo, tag: 'a-v1.0.0' })).data.body).toBe('notes');
  });

  it('called every operation of the subset', () => {
    expect([...called].sort()).toEqual(operations.map((o) => o.id).sort());
    expect(server.requests.every((r) => r.status < 400)).toBe(true);
  });
});
