import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createGitHubClient } from '../../src/github/client.js';
import { GitHubApiError, describeApiError, withApiError } from '../../src/github/errors.js';
import { ConfigurationError } from '../../src/io/errors.js';
import { MemoryLogger } from '../../src/io/log.js';
import { fakeSha, startGitHubServer, type GitHubServer } from '../support/github-server/index.js';

// The suite's Octokit client against the test server: retries, rate limits and the errors
// a user reads. Every wait is in time units of 2 ms, so a `retry-after: 3` waits 6 ms.

const REPO = 'acme/models';
const [owner, repo] = REPO.split('/') as [string, string];
const TOKEN = 'ghs_secretTokenValue123';
const UNIT = 2;

let server: GitHubServer;
let log: MemoryLogger;

beforeAll(async () => {
  server = await startGitHubServer();
  server.addToken(TOKEN, { login: 'github-actions[bot]', permissions: { 'pull-requests': 'read', contents: 'read' } });
  server.addToken('writer', { login: 'github-actions[bot]', permissions: { 'pull-requests': 'write' } });
  server.state.addPullRequest(REPO, { number: 3, head: { sha: fakeSha('head') } });
});

beforeEach(() => {
  server.clearFaults();
  server.requests.length = 0;
  log = new MemoryLogger();
});

afterEach(() => {
  server.assertNoViolations();
  // The token is never written to the log.
  expect(log.lines.some((line) => line.message.includes(TOKEN))).toBe(false);
});

afterAll(async () => {
  await server.close();
});

function client(options: { retries?: number; rateLimitRetries?: number; maxRateLimitWait?: number; token?: string } = {}) {
  return createGitHubClient({ token: options.token ?? TOKEN, baseUrl: server.url, log, timeUnitMs: UNIT, ...options });
}

describe('retries', () => {
  it('retries a 502 twice and then succeeds, logging each retry', async () => {
    server.injectFault({ operation: 'pulls/get', kind: 'server-error', times: 2 });
    const started = performance.now();
    const pull = await client().rest.pulls.get({ owner, repo, pull_number: 3 });
    const elapsed = performance.now() - started;
    expect(pull.data.number).toBe(3);
    expect(server.requests.map((r) => r.status)).toEqual([502, 502, 200]);
    expect(log.lines.filter((l) => l.level === 'info').map((l) => l.message)).toEqual([
      `GitHub answered 502 to GET /repos/${REPO}/pulls/3; retrying (1 of 3).`,
      `GitHub answered 502 to GET /repos/${REPO}/pulls/3; retrying (2 of 3).`,
    ]);
    // The backoff waits 1² then 2² time units.
    expect(elapsed).toBeGreaterThanOrEqual(5 * UNIT);
  });

  it('gives up after the configured retries with a clear error', async () => {
    server.injectFault({ operation: 'pulls/get', kind: 'server-error', status: 503, times: 10 });
    const error = await withApiError({ action: 'read pull request #3' }, () => client({ retries: 2 }).rest.pulls.get({ owner, repo, pull_number: 3 })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GitHubApiError);
    expect((error as GitHubApiError).status).toBe(503);
    expect((error as Error).message).toBe(
      `Could not read pull request #3: GitHub answered 503 to GET /repos/${REPO}/pulls/3, also after retries; GitHub may be unavailable (https://www.githubstatus.com), re-run later.`,
    );
    expect(server.count('pulls/get')).toBe(3);
  });

  it('does not retry a 404 or a 422', async () => {
    await expect(client().rest.pulls.get({ owner, repo, pull_number: 99 })).rejects.toMatchObject({ status: 404 });
    await expect(client({ token: 'writer' }).rest.issues.createComment({ owner, repo, issue_number: 3, body: 'x'.repeat(70_000) })).rejects.toMatchObject({ status: 422 });
    expect(server.requests.map((r) => r.status)).toEqual([404, 422]);
  });
});

describe('rate limits', () => {
  it('honours retry-after on a secondary rate limit, then succeeds', async () => {
    server.injectFault({ operation: 'issues/create-comment', kind: 'secondary-rate-limit', retryAfter: 3 });
    const started = performance.now();
    const created = await client({ token: 'writer' }).rest.issues.createComment({ owner, repo, issue_number: 3, body: 'report' });
    expect(created.status).toBe(201);
    expect(performance.now() - started).toBeGreaterThanOrEqual(3 * UNIT);
    expect(server.requests.map((r) => r.status)).toEqual([403, 201]);
    expect(log.lines.map((l) => l.message)).toEqual([
      `GitHub's secondary rate limit hit POST /repos/${REPO}/issues/3/comments; retrying after 3 s (1 of 2).`,
    ]);
    expect(server.state.issueComments(REPO, 3).map((c) => c.body)).toEqual(['report']);
  });

  it('treats a 429 secondary rate limit the same way, retried once only', async () => {
    server.injectFault({ operation: 'pulls/get', kind: 'secondary-rate-limit', status: 429, retryAfter: 1 });
    expect((await client().rest.pulls.get({ owner, repo, pull_number: 3 })).status).toBe(200);
    expect(server.requests.map((r) => r.status)).toEqual([429, 200]);
  });

  it('fails after a bounded number of secondary rate limits', async () => {
    server.injectFault({ operation: 'issues/list-comments', kind: 'secondary-rate-limit', retryAfter: 1, times: 10 });
    const error = await withApiError({ action: 'list the comments of #3' }, () => client().rest.issues.listComments({ owner, repo, issue_number: 3 })).catch((e: unknown) => e);
    expect((error as Error).message).toBe(
      `Could not list the comments of #3: GitHub's secondary rate limit stopped the call (GET /repos/${REPO}/issues/3/comments) and retrying did not get through; wait a few minutes and re-run.`,
    );
    expect(server.count('issues/list-comments')).toBe(3);
    expect(log.lines.map((l) => l.level)).toEqual(['info', 'info', 'warning']);
  });

  it('waits for a primary rate limit that resets soon, and fails fast on one that does not', async () => {
    server.injectFault({ operation: 'pulls/get', kind: 'rate-limit', resetAfter: 0 });
    expect((await client().rest.pulls.get({ owner, repo, pull_number: 3 })).status).toBe(200);
    expect(server.requests.map((r) => r.status)).toEqual([403, 200]);

    server.injectFault({ operation: 'pulls/get', kind: 'rate-limit', resetAfter: 3600 });
    const error = await withApiError({ action: 'read pull request #3' }, () => client().rest.pulls.get({ owner, repo, pull_number: 3 })).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/^Could not read pull request #3: the token's API rate limit is used up until \d{4}-\d\d-\d\dT/);
    expect(server.requests.map((r) => r.status)).toEqual([403, 200, 403]);
  });
});

describe('errors a user can act on', () => {
  it('names the missing permission on a 403 from a GITHUB_TOKEN', async () => {
    const error = await withApiError({ action: 'post the report on #3', permission: 'pull-requests: write' }, () =>
      client().rest.issues.createComment({ owner, repo, issue_number: 3, body: 'report' }),
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GitHubApiError);
    // The user's fix, not a bug: actions report it as an annotation, not an internal error.
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as GitHubApiError).permission).toBe('pull-requests: write');
    expect((error as Error).message).toBe(
      'Could not post the report on #3: the token lacks `pull-requests: write`; add it under `permissions:` in the workflow (or grant it to the token). ' +
        'On a pull request from a fork, GITHUB_TOKEN is read-only whatever the workflow asks ' +
        `(GitHub answered 403 "Resource not accessible by integration" to POST /repos/${REPO}/issues/3/comments).`,
    );
    expect((error as Error).message).not.toContain(TOKEN);
    expect(server.requests.map((r) => r.status)).toEqual([403]);
  });

  it('says when the token is rejected, without printing it', async () => {
    const error = await withApiError({ action: 'read pull request #3' }, () => client({ token: 'ghs_unknown' }).rest.pulls.get({ owner, repo, pull_number: 3 })).catch((e: unknown) => e);
    expect((error as Error).message).toBe("Could not read pull request #3: GitHub rejected the token (401 Bad credentials); check the `github-token` input.");
  });

  it('says what was not found and which permission might hide it', async () => {
    const error = await withApiError({ action: 'read pull request #99', permission: 'pull-requests: read' }, () => client().rest.pulls.get({ owner, repo, pull_number: 99 })).catch((e: unknown) => e);
    expect((error as Error).message).toBe(
      `Could not read pull request #99: GitHub answered 404 Not Found to GET /repos/${REPO}/pulls/99: it does not exist, or the token cannot see it (it needs \`pull-requests: read\`).`,
    );
  });

  it('gives the reasons of a 422', async () => {
    const error = await withApiError({ action: 'post the report on #3' }, () =>
      client({ token: 'writer' }).rest.issues.createComment({ owner, repo, issue_number: 3, body: 'x'.repeat(65_537) }),
    ).catch((e: unknown) => e);
    expect((error as Error).message).toBe(
      `Could not post the report on #3: GitHub answered 422 "Validation Failed" to POST /repos/${REPO}/issues/3/comments: body is too long (maximum is 65536 characters).`,
    );
  });

  it('says when GitHub cannot be reached at all', async () => {
    const closed = await startGitHubServer();
    const url = closed.url;
    await closed.close();
    const octokit = createGitHubClient({ token: TOKEN, baseUrl: url, log, timeUnitMs: UNIT, retries: 1 });
    const error = await withApiError({ action: 'read pull request #3' }, () => octokit.rest.pulls.get({ owner, repo, pull_number: 3 })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GitHubApiError);
    expect((error as Error).message).toBe(`Could not read pull request #3: no answer from ${url} (connect ECONNREFUSED ${url.slice('http://'.length)}); check GITHUB_API_URL and the network.`);
    expect(log.lines.map((l) => l.message)).toEqual([`No answer (connect ECONNREFUSED ${url.slice('http://'.length)}) for GET /repos/${REPO}/pulls/3; retrying (1 of 1).`]);
  });

  it('leaves an error that is not an HTTP answer alone: a bug stays a bug', async () => {
    const bug = new TypeError("Cannot read properties of undefined (reading 'id')");
    expect(describeApiError(bug, { action: 'read pull request #3' })).toBe(bug);
    await expect(withApiError({ action: 'read pull request #3' }, () => Promise.reject(bug))).rejects.toBe(bug);
  });
});

describe('where the client points', () => {
  it('defaults to GITHUB_API_URL, as on GitHub Enterprise Server', async () => {
    vi.stubEnv('GITHUB_API_URL', `${server.url}/`);
    const octokit = createGitHubClient({ token: TOKEN, log, timeUnitMs: UNIT });
    expect((await octokit.rest.pulls.get({ owner, repo, pull_number: 3 })).data.number).toBe(3);
    expect(server.count('pulls/get', 200)).toBe(1);
  });

  it('works under /api/v3, as on GitHub Enterprise Server, pagination included', async () => {
    const ghes = await startGitHubServer({ pathPrefix: '/api/v3' });
    try {
      ghes.addToken(TOKEN, { login: 'github-actions[bot]', permissions: { 'pull-requests': 'read' } });
      ghes.state.addPullRequest(REPO, { number: 1, head: { sha: fakeSha('ghes') } });
      for (let i = 0; i < 5; i++) ghes.state.addIssueComment(REPO, 1, { author: 'alice', body: `c${i}` });
      vi.stubEnv('GITHUB_API_URL', ghes.url);
      expect(ghes.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api\/v3$/);
      const octokit = createGitHubClient({ token: TOKEN, log, timeUnitMs: UNIT });
      const comments = await octokit.paginate(octokit.rest.issues.listComments, { owner, repo, issue_number: 1, per_page: 2 });
      expect(comments.map((c) => c.body)).toEqual(['c0', 'c1', 'c2', 'c3', 'c4']);
      expect(comments[0]!.url.startsWith(`${ghes.url}/repos/`)).toBe(true);
      expect(ghes.requests.map((r) => r.path)).toEqual(Array(3).fill(`/api/v3/repos/${REPO}/issues/1/comments`));
      ghes.assertNoViolations();
    } finally {
      await ghes.close();
    }
  });

  it('reads the time unit from MODEL_GATES_GITHUB_TIME_UNIT_MS and rejects a bad one', async () => {
    vi.stubEnv('MODEL_GATES_GITHUB_TIME_UNIT_MS', '1');
    server.injectFault({ operation: 'pulls/get', kind: 'secondary-rate-limit', retryAfter: 1 });
    const octokit = createGitHubClient({ token: TOKEN, baseUrl: server.url, log });
    expect((await octokit.rest.pulls.get({ owner, repo, pull_number: 3 })).status).toBe(200);
    vi.stubEnv('MODEL_GATES_GITHUB_TIME_UNIT_MS', 'fast');
    expect(() => createGitHubClient({ token: TOKEN, baseUrl: server.url, log })).toThrow(/MODEL_GATES_GITHUB_TIME_UNIT_MS must be a non-negative number/);
  });

  it('uses https://api.github.com when nothing else is given', () => {
    vi.stubEnv('GITHUB_API_URL', '');
    const octokit = createGitHubClient({ token: TOKEN, log });
    expect(octokit.request.endpoint.DEFAULTS.baseUrl).toBe('https://api.github.com');
  });
});

describe('twenty clients at once', () => {
  it('see one consistent store: every comment created once, each deleted exactly once', async () => {
    server.state.addPullRequest(REPO, { number: 20, head: { sha: fakeSha('twenty') } });
    const clients = Array.from({ length: 20 }, () => client({ token: 'writer' }));
    const created = await Promise.all(clients.map((octokit, i) => octokit.rest.issues.createComment({ owner, repo, issue_number: 20, body: `run ${i}` })));
    const listings = await Promise.all(clients.map((octokit) => octokit.paginate(octokit.rest.issues.listComments, { owner, repo, issue_number: 20, per_page: 7 })));
    const ids = created.map((c) => c.data.id).sort((a, b) => a - b);
    for (const listing of listings) expect(listing.map((c) => c.id)).toEqual(ids);
    // Client i removes three of the newer comments, starting at the i-th: each is targeted
    // about three times, and the races end in 404s, never in a comment deleted twice or
    // one left behind.
    const outcomes = await Promise.all(
      clients.flatMap((octokit, i) =>
        [0, 1, 2].map((k) =>
          octokit.rest.issues.deleteComment({ owner, repo, comment_id: ids[1 + ((i + k) % 19)]! }).then(
            (r) => r.status,
            (e: { status: number }) => e.status,
          ),
        ),
      ),
    );
    expect(outcomes.filter((s) => s === 204)).toHaveLength(19);
    expect(outcomes.filter((s) => s === 404)).toHaveLength(60 - 19);
    expect(server.state.issueComments(REPO, 20).map((c) => c.id)).toEqual([ids[0]]);
  });
});
