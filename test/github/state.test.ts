import { describe, expect, it } from 'vitest';
import { createGitHubClient } from '../../src/github/client.js';
import { MemoryLogger } from '../../src/io/log.js';
import { GitHubState, fakeSha } from '../support/github-server/index.js';
import { useGitHubServer } from '../support/github-server/vitest.js';

const REPO = 'acme/models';
const [owner, repo] = REPO.split('/') as [string, string];

describe('GitHubState', () => {
  it('stamps records from its clock, at second resolution, never backwards', () => {
    let now = Date.parse('2026-03-01T10:00:00.900Z');
    const state = new GitHubState({ now: () => now });
    state.addPullRequest(REPO, { number: 1, head: { sha: fakeSha('a') } });
    const first = state.addIssueComment(REPO, 1, { author: 'alice', body: 'a' });
    now -= 60_000; // a clock that goes back
    const second = state.addIssueComment(REPO, 1, { author: 'alice', body: 'b' });
    now = Date.parse('2026-03-01T10:05:00Z');
    const third = state.addIssueComment(REPO, 1, { author: 'alice', body: 'c' });
    expect([first.createdAt, second.createdAt, third.createdAt]).toEqual(['2026-03-01T10:00:00Z', '2026-03-01T10:00:00Z', '2026-03-01T10:05:00Z']);
    expect(first.id < second.id && second.id < third.id).toBe(true);
  });

  it('makes bots of [bot] logins, and 40-hex fake shas that differ by seed', () => {
    const state = new GitHubState();
    expect(state.account('github-actions[bot]').type).toBe('Bot');
    expect(state.account('alice').type).toBe('User');
    expect(state.account('Alice')).toBe(state.account('alice'));
    expect(fakeSha('x')).toMatch(/^[0-9a-f]{40}$/);
    expect(fakeSha('x')).toBe(fakeSha('x'));
    expect(fakeSha('x')).not.toBe(fakeSha('y'));
  });

  it('refuses seeds that cannot be right', () => {
    const state = new GitHubState();
    expect(() => state.addRepository('no-slash')).toThrow(/'owner\/name'/);
    expect(() => state.setFile(REPO, 'unknown-branch', 'a.txt', 'x')).toThrow(/unknown ref 'unknown-branch'/);
    expect(() => state.addIssueComment(REPO, 5, { author: 'a', body: 'b' })).toThrow(/acme\/models#5 does not exist/);
    state.addPullRequest(REPO, { number: 5, head: { sha: fakeSha('h') } });
    expect(() => state.addPullRequest(REPO, { number: 5, head: { sha: fakeSha('h') } })).toThrow(/exists already/);
    expect(() => state.addArtifact(REPO, 1, { name: 'x', zip: new Uint8Array() })).toThrow(/workflow run 1 does not exist/);
  });
});

describe('deployments, as GitHub keeps them', () => {
  const github = useGitHubServer({}, (server) => {
    server.addToken('deployer', { login: 'github-actions[bot]', permissions: { deployments: 'write' } });
    server.state.addRepository(REPO);
  });
  const client = () => createGitHubClient({ token: 'deployer', baseUrl: github().url, log: new MemoryLogger(), timeUnitMs: 1 });

  it('refuses with 409 a deployment of a commit whose statuses are not all success', async () => {
    const sha = fakeSha('red');
    github().state.addStatus(REPO, sha, { state: 'success', context: 'ci' });
    github().state.addStatus(REPO, sha, { state: 'failure', context: 'model-gates/gate' });
    const refused = await client().rest.repos.createDeployment({ owner, repo, ref: sha, environment: 'production' }).catch((e: { status: number; response: { data: { message: string } } }) => e);
    expect([refused.status, (refused as { response: { data: { message: string } } }).response.data.message]).toEqual([409, `Conflict: Commit status checks failed for ${sha}.`]);
    // Naming the contexts that matter, or none, deploys.
    expect((await client().rest.repos.createDeployment({ owner, repo, ref: sha, required_contexts: ['ci'] })).status).toBe(201);
  });

  it('marks earlier successful deployments to a non-production environment inactive', async () => {
    const octokit = client();
    const ids: number[] = [];
    for (const version of ['1', '2']) {
      const created = await octokit.rest.repos.createDeployment({ owner, repo, ref: fakeSha(version), environment: 'staging', required_contexts: [], payload: { version } });
      const id = (created.data as { id: number }).id;
      ids.push(id);
      await octokit.rest.repos.createDeploymentStatus({ owner, repo, deployment_id: id, state: 'success' });
    }
    const states = async (id: number) => (await octokit.rest.repos.listDeploymentStatuses({ owner, repo, deployment_id: id })).data.map((s) => s.state);
    expect(await states(ids[0]!)).toEqual(['inactive', 'success']);
    expect(await states(ids[1]!)).toEqual(['success']);
  });

  it('leaves earlier production deployments alone, and refuses a description over 140 characters', async () => {
    const octokit = client();
    const first = github().state.addDeployment(REPO, { sha: fakeSha('p1'), environment: 'production' });
    github().state.addDeploymentStatus(REPO, first.id, { state: 'success' });
    const second = github().state.addDeployment(REPO, { sha: fakeSha('p2'), environment: 'production' });
    await octokit.rest.repos.createDeploymentStatus({ owner, repo, deployment_id: second.id, state: 'success', description: 'full' });
    expect(github().state.deploymentStatusesOf(first.id).map((s) => s.state)).toEqual(['success']);
    await expect(octokit.rest.repos.createDeploymentStatus({ owner, repo, deployment_id: second.id, state: 'failure', description: 'x'.repeat(141) })).rejects.toMatchObject({ status: 422 });
  });
});
