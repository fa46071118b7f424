import { describe, expect, it } from 'vitest';
import { createGitHubClient } from '../../src/github/client.js';
import { createIssueAlerts, GitHubIssueAlerts, lockLabel } from '../../src/github/monitor-issue.js';
import { MemoryLogger } from '../../src/io/log.js';
import { alertMarker, incidentComment } from '../../src/monitor/render.js';
import type { Alert } from '../../src/monitor/types.js';
import { useGitHubServer } from '../support/github-server/vitest.js';

// The sticky alert issue against the OpenAPI-validating GitHub API test server.

const TOKEN = 'ghs_monitor';
const BOT = 'github-actions[bot]';
const github = useGitHubServer({}, (server) => {
  server.addToken(TOKEN, { login: BOT, permissions: { issues: 'write' } });
});

let repositories = 0;
function repository(): string {
  const name = `acme/monitor-${++repositories}`;
  github().state.addRepository(name);
  return name;
}

function ref(name: string) {
  const [owner, repo] = name.split('/') as [string, string];
  return { owner, repo };
}

function client() {
  return createGitHubClient({ token: TOKEN, baseUrl: github().url, log: new MemoryLogger(), timeUnitMs: 1 });
}

function alert(body = 'figures v1'): Alert {
  return {
    model: 'search-embedder',
    environment: 'production',
    title: 'model-gates monitor: search-embedder in production breaks its promises',
    body: `${alertMarker('search-embedder', 'production')}\n${body}`,
    incidentComment: 'New incident',
    labels: ['model-alert'],
    assignees: ['oncall'],
  };
}

const subject = { model: 'search-embedder', environment: 'production' };

describe('the incident comment', () => {
  it('mentions well-formed owners only (a leading @ allowed): a handle changed to fit could notify somebody else', () => {
    const facts = { model: 'm', environment: 'production', version: '1.0.0', time: '2026-12-04T06:00:00Z', runUrl: null };
    const breach = { check: 'vectors' as const, severity: 'severe' as const, message: 'changed' };
    const comment = incidentComment(facts, [breach], ['alice', 'acme/ml.search-team', 'bob.smith', '@carol', 'a--b', '-dan', 'x'.repeat(40), 'eve-1']);
    expect(comment.split('\n').at(-1)).toBe('cc @alice @acme/ml.search-team @carol @eve-1');
    expect(incidentComment(facts, [breach], ['bob.smith'])).not.toMatch(/cc|@/);
  });
});

describe('the alert issue', () => {
  it('is created with the incident comment on the first alert, updated in place while it lasts, closed with a comment on recovery, reopened with one comment per new incident', async () => {
    const repo = repository();
    const alerts = await createIssueAlerts(client(), ref(repo));
    const state = github().state;

    const created = await alerts.raise(alert());
    expect(created.action).toBe('created');
    const [issue] = state.plainIssues(repo);
    expect([issue?.number, issue?.labels, issue?.assignees?.map((a) => a.login), issue?.author.login]).toEqual([created.number, [lockLabel(subject), 'model-alert'], ['oncall'], BOT]);
    expect(state.issueComments(repo, created.number!).map((c) => c.body)).toEqual(['New incident']);

    expect((await alerts.raise(alert())).action).toBe('unchanged');
    expect((await alerts.raise(alert('figures v2'))).action).toBe('updated');
    expect(state.findIssue(repo, created.number!)?.body).toMatch(/figures v2$/);
    // Breaches only awaiting confirmation: the open incident shows them, without a comment.
    expect(await alerts.refresh(subject, alert('pending only').body)).toMatchObject({ action: 'updated', number: created.number });
    expect((await alerts.refresh(subject, alert('pending only').body)).action).toBe('unchanged');
    expect(state.findIssue(repo, created.number!)?.body).toMatch(/pending only$/);
    expect(state.issueComments(repo, created.number!)).toHaveLength(1);

    const closed = await alerts.resolve(subject, 'Recovered');
    expect(closed).toMatchObject({ action: 'closed', number: created.number });
    expect([state.findIssue(repo, created.number!)?.state, state.findIssue(repo, created.number!)?.stateReason]).toEqual(['closed', 'completed']);
    expect((await alerts.resolve(subject, 'Recovered')).action).toBe('none');
    expect((await alerts.refresh(subject, alert('pending again').body)).action).toBe('none');

    expect((await alerts.raise(alert('figures v3'))).action).toBe('reopened');
    expect(state.findIssue(repo, created.number!)?.state).toBe('open');
    expect(state.issueComments(repo, created.number!).map((c) => c.body)).toEqual(['New incident', 'Recovered', 'New incident']);
    expect(state.plainIssues(repo)).toHaveLength(1);
  });

  it('posts the incident comment once even when GitHub loses its answer', async () => {
    const repo = repository();
    const alerts = await createIssueAlerts(client(), ref(repo));
    github().injectFault({ operation: 'issues/create-comment', kind: 'server-error-after', status: 502 });
    await expect(alerts.raise(alert())).rejects.toThrow(/502/);
    const [issue] = github().state.plainIssues(repo);
    expect(github().state.issueComments(repo, issue!.number).map((c) => c.body)).toEqual(['New incident']);
    expect((await alerts.raise(alert())).action).toBe('unchanged');
  });

  it('twenty concurrent runs leave one issue', async () => {
    const repo = repository();
    const runs = await Promise.all(Array.from({ length: 20 }, () => createIssueAlerts(client(), ref(repo))));
    const outcomes = await Promise.all(runs.map((run) => run.raise(alert())));
    const issues = github().state.plainIssues(repo);
    expect(issues).toHaveLength(1);
    expect(outcomes.filter((o) => o.action === 'created')).toHaveLength(1);
    expect(new Set(outcomes.map((o) => o.number))).toEqual(new Set([issues[0]?.number]));
  });

  it('finds its issue on a later page, and ignores issues of other authors that carry the marker', async () => {
    const repo = repository();
    const state = github().state;
    for (let i = 0; i < 150; i++) state.addIssue(repo, { title: `bug ${i}`, author: 'someone' });
    state.addIssue(repo, { title: 'forged', body: alert().body, author: 'mallory' });
    const alerts = await createIssueAlerts(client(), ref(repo));
    const created = await alerts.raise(alert());
    expect(created.action).toBe('created');
    expect(created.number).toBeGreaterThan(151);
    expect((await alerts.raise(alert('figures v2'))).action).toBe('updated');
    expect(state.findIssue(repo, 151)?.body).toBe(alert().body);
    expect(github().count('issues/list-for-repo', 200)).toBeGreaterThan(2);
  });

  it('a run that waited in vain for another run\'s issue creates it, keeps the oldest and closes its own copy as a duplicate', async () => {
    const repo = repository();
    const state = github().state;
    // The lock exists (its holder died before creating the issue).
    state.createLabel(repo, lockLabel(subject));
    const alerts = new GitHubIssueAlerts(client(), { repository: ref(repo), author: BOT, waitMs: 1, waits: 2 });
    expect((await alerts.raise(alert())).action).toBe('created');
    expect(state.plainIssues(repo)).toHaveLength(1);
  });

  it('names the missing permission', async () => {
    const repo = repository();
    github().addToken('ghs_read', { login: BOT, permissions: { issues: 'read' } });
    const alerts = await createIssueAlerts(createGitHubClient({ token: 'ghs_read', baseUrl: github().url, log: new MemoryLogger(), timeUnitMs: 1 }), ref(repo));
    await expect(alerts.raise(alert())).rejects.toThrow(/issues: write/);
  });
});
