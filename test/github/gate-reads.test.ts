import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createGitHubClient } from '../../src/github/client.js';
import { isActiveTeamMember, listLabelEvents, listReviews, setCommitStatus } from '../../src/github/gate-reads.js';
import { MemoryLogger } from '../../src/io/log.js';
import { fakeSha, startGitHubServer, type GitHubServer } from '../support/github-server/index.js';

let server: GitHubServer;
const REPO = 'acme/models';
const HEAD = fakeSha('gate-reads');

beforeAll(async () => {
  server = await startGitHubServer();
  server.addToken('t', { login: 'gate-app[bot]', permissions: { 'pull-requests': 'read', statuses: 'write', members: 'read' } });
  server.addToken('no-members', { login: 'github-actions[bot]', permissions: { 'pull-requests': 'read' } });
  server.state.addRepository(REPO);
  server.state.addPullRequest(REPO, { number: 3, head: { sha: HEAD } });
  server.state.addTeamMember('acme', 'ml', 'dave');
  server.state.addTeamMember('acme', 'ml', 'pat', { state: 'pending' });
});
afterEach(() => server.assertNoViolations());
afterAll(() => server.close());

const client = (token = 't') => createGitHubClient({ token, baseUrl: server.url, log: new MemoryLogger(), timeUnitMs: 1 });

describe('gate reads against the GitHub API test server', () => {
  it('team membership: active counts, pending and 404 do not, a missing permission names members: read and read:org', async () => {
    expect(await isActiveTeamMember(client(), 'acme/ml', 'dave')).toBe(true);
    expect(await isActiveTeamMember(client(), 'acme/ml', 'pat')).toBe(false);
    expect(await isActiveTeamMember(client(), 'acme/ml', 'nobody')).toBe(false);
    await expect(isActiveTeamMember(client('no-members'), 'acme/ml', 'dave')).rejects.toThrow(/`members: read`.*read:org/);
  });

  it('reads every page of reviews and label events', async () => {
    for (let i = 0; i < 130; i++) server.state.addReview(REPO, 3, { user: `user${i}`, state: 'COMMENTED', commitId: HEAD });
    server.state.addReview(REPO, 3, { user: 'last', state: 'APPROVED', commitId: HEAD, body: 'fine' });
    const reviews = await listReviews(client(), { owner: 'acme', repo: 'models' }, 3);
    expect(reviews).toHaveLength(131);
    expect(reviews.at(-1)).toMatchObject({ login: 'last', state: 'APPROVED', commitId: HEAD, body: 'fine' });
    server.state.labelIssue(REPO, 3, 'gate-override', 'lead');
    server.state.unlabelIssue(REPO, 3, 'gate-override', 'lead');
    const events = await listLabelEvents(client(), { owner: 'acme', repo: 'models' }, 3);
    expect(events.map((e) => [e.event, e.label, e.actor])).toEqual([
      ['labeled', 'gate-override', 'lead'],
      ['unlabeled', 'gate-override', 'lead'],
    ]);
  });

  it('cuts a status description to 140 characters', async () => {
    await setCommitStatus(client(), { owner: 'acme', repo: 'models' }, { sha: HEAD, state: 'failure', context: 'model-gates/gate', description: 'x'.repeat(300), targetUrl: null });
    expect(server.state.commitStatuses(REPO, HEAD)[0]?.description).toHaveLength(140);
  });
});
