import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createGitHubClient } from '../../src/github/client.js';
import { upsertStickyComment } from '../../src/github/sticky-comment.js';
import { MemoryLogger } from '../../src/io/log.js';
import { fakeSha, startGitHubServer, type GitHubServer } from '../support/github-server/index.js';

// Creating a comment is not idempotent: these tests lose GitHub's answer after it stored the
// comment, and check that the report still ends as exactly one comment.
const REPO = 'acme/search';
const repository = { owner: 'acme', repo: 'search' };
const MARKER = '<!-- model-gates:report:default -->';

let server: GitHubServer;
let nextPull = 1;

beforeAll(async () => {
  server = await startGitHubServer();
  server.addToken('t', { login: 'github-actions[bot]', permissions: { 'pull-requests': 'write' } });
  server.state.addRepository(REPO);
});
afterEach(() => server.assertNoViolations());
afterAll(() => server.close());

function pull(): number {
  const number = nextPull++;
  server.state.addPullRequest(REPO, { number, head: { sha: fakeSha(`sticky-${number}`), ref: `topic-${number}` } });
  return number;
}

const client = () => createGitHubClient({ token: 't', baseUrl: server.url, log: new MemoryLogger(), timeUnitMs: 1 });

const upsert = (issueNumber: number, body = `${MARKER}\nreport`) =>
  upsertStickyComment(client(), { repository, issueNumber, marker: MARKER, body, author: 'github-actions[bot]' });

const comments = (issueNumber: number) => server.state.issueComments(REPO, issueNumber).filter((c) => c.body.startsWith(MARKER));
const posts = () => server.requests.filter((r) => r.operation === 'issues/create-comment');

describe('the sticky comment when GitHub loses its answer to the POST', () => {
  it('a 502 after the comment was stored: it is found again, never posted twice', async () => {
    const number = pull();
    const before = posts().length;
    server.injectFault({ operation: 'issues/create-comment', kind: 'server-error-after', status: 502 });
    const outcome = await upsert(number);
    expect(comments(number)).toHaveLength(1);
    expect(outcome).toMatchObject({ id: comments(number)[0]!.id, action: 'created', deleted: [] });
    expect(posts().length - before).toBe(1);
  });

  it('a 502 before the comment was stored: it is posted once more', async () => {
    const number = pull();
    const before = posts().length;
    server.injectFault({ operation: 'issues/create-comment', kind: 'server-error', status: 502 });
    const outcome = await upsert(number);
    expect(comments(number)).toHaveLength(1);
    expect(outcome.action).toBe('created');
    expect(posts().length - before).toBe(2);
  });

  it('gives up after three posts that all fail, leaving no comment behind', async () => {
    const number = pull();
    server.injectFault({ operation: 'issues/create-comment', kind: 'server-error', status: 503, times: 3 });
    await expect(upsert(number)).rejects.toMatchObject({ status: 503 });
    expect(comments(number)).toHaveLength(0);
  });

  it('twenty concurrent runs, each losing the answer to its first POST, leave one comment', async () => {
    const number = pull();
    server.injectFault({ operation: 'issues/create-comment', kind: 'server-error-after', status: 502, times: 20 });
    await Promise.all(Array.from({ length: 20 }, () => upsert(number)));
    expect(comments(number)).toHaveLength(1);
  });
});
