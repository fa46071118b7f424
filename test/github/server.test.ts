import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SECONDARY_RATE_LIMIT_MESSAGE, fakeSha, startGitHubServer, type GitHubServer } from '../support/github-server/index.js';
import { checkResponse, operationsById } from '../support/github-server/openapi.js';

// The test server's own behaviour, through plain fetch so that every header and status is
// seen as a client would see it.

const REPO = 'acme/models';
let server: GitHubServer;

beforeAll(async () => {
  server = await startGitHubServer();
  server.addToken('bot', { login: 'github-actions[bot]', permissions: { 'pull-requests': 'write', contents: 'read' } });
  server.addToken('reader', { login: 'github-actions[bot]', permissions: { 'pull-requests': 'read' } });
  server.addToken('pat', { login: 'maintainer', permissions: 'all' });
  server.state.addPullRequest(REPO, { number: 1, head: { sha: fakeSha('head') } });
  for (let i = 0; i < 250; i++) server.state.addIssueComment(REPO, 1, { author: i % 2 ? 'alice' : 'bob', body: `comment ${i}` });
});

beforeEach(() => {
  server.clearFaults();
  server.requests.length = 0;
});

afterAll(async () => {
  await server.close();
});

async function call(method: string, path: string, options: { token?: string; body?: unknown } = {}) {
  const headers: Record<string, string> = { accept: 'application/vnd.github+json' };
  if (options.token !== null) headers.authorization = `token ${options.token ?? 'pat'}`;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${server.url}${path}`, {
    method,
    headers,
    redirect: 'manual',
    ...(options.body !== undefined ? { body: typeof options.body === 'string' ? options.body : JSON.stringify(options.body) } : {}),
  });
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json: json as Record<string, unknown> & unknown[] };
}

/** The `rel → URL` pairs of a Link header. */
function links(header: string | null): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (header ?? '').split(',')) {
    const match = /<([^>]+)>;\s*rel="(\w+)"/.exec(part);
    if (match) out[match[2]!] = match[1]!;
  }
  return out;
}

describe('pagination', () => {
  afterEach(() => server.assertNoViolations());

  it('answers 30 items by default with Link next and last', async () => {
    const first = await call('GET', `/repos/${REPO}/issues/1/comments`);
    expect(first.json).toHaveLength(30);
    expect((first.json[0] as { body: string }).body).toBe('comment 0');
    const rel = links(first.headers.get('link'));
    expect(Object.keys(rel).sort()).toEqual(['last', 'next']);
    expect(new URL(rel.next!).searchParams.get('page')).toBe('2');
    expect(new URL(rel.last!).searchParams.get('page')).toBe('9'); // ceil(250 / 30)
    expect(rel.next!.startsWith(server.url)).toBe(true);
  });

  it('caps per_page at 100 and gives prev and first on later pages', async () => {
    const third = await call('GET', `/repos/${REPO}/issues/1/comments?per_page=500&page=3`);
    expect(third.json.map((c) => (c as { body: string }).body)).toEqual(Array.from({ length: 50 }, (_, i) => `comment ${200 + i}`));
    const rel = links(third.headers.get('link'));
    expect(Object.keys(rel).sort()).toEqual(['first', 'prev']);
    expect(new URL(rel.prev!).searchParams.get('page')).toBe('2');
    expect(new URL(rel.prev!).searchParams.get('per_page')).toBe('100');
  });

  it('follows next links to every item, once each', async () => {
    const seen: string[] = [];
    let next: string | undefined = `/repos/${REPO}/issues/1/comments?per_page=100`;
    while (next) {
      const page = await call('GET', next);
      seen.push(...page.json.map((c) => (c as { body: string }).body));
      next = links(page.headers.get('link')).next?.slice(server.url.length);
    }
    expect(seen).toHaveLength(250);
    expect(new Set(seen).size).toBe(250);
    expect(server.count('issues/list-comments')).toBe(3);
  });

  it('answers an empty page past the end without Link next', async () => {
    const past = await call('GET', `/repos/${REPO}/issues/1/comments?page=20`);
    expect(past.json).toEqual([]);
    expect(links(past.headers.get('link')).next).toBeUndefined();
  });
});

describe('validation against the OpenAPI description', () => {
  it('records a malformed query parameter and answers 500 with the reason', async () => {
    const answer = await call('GET', `/repos/${REPO}/issues/1/comments?per_page=many`);
    expect(answer.status).toBe(500);
    expect(answer.json.message).toMatch(/query\/per_page must be integer/);
    expect(server.violations.splice(0)).toEqual([
      expect.objectContaining({ kind: 'request', operation: 'issues/list-comments', problems: ['query/per_page must be integer'] }),
    ]);
  });

  it('records an undocumented query parameter', async () => {
    const answer = await call('GET', `/repos/${REPO}/issues/1/comments?sort=created`);
    expect(answer.status).toBe(500);
    expect(server.violations.splice(0)[0]?.problems).toEqual(["query has unknown property 'sort'"]);
  });

  it('records a malformed JSON body', async () => {
    const missing = await call('POST', `/repos/${REPO}/issues/1/comments`, { body: { text: 'hello' } });
    expect(missing.status).toBe(500);
    const wrongType = await call('POST', `/repos/${REPO}/issues/1/comments`, { body: { body: 42 } });
    expect(wrongType.status).toBe(500);
    const notJson = await call('POST', `/repos/${REPO}/issues/1/comments`, { body: '{"body": ' });
    expect(notJson.status).toBe(400);
    expect(server.violations.splice(0).map((v) => v.problems)).toEqual([
      ["body must have required property 'body'", "body has unknown property 'text'"],
      ['body/body must be string'],
      ['body is not JSON'],
    ]);
    expect(server.state.issueComments(REPO, 1)).toHaveLength(250);
  });

  it('records an undocumented body property, which GitHub would silently ignore', async () => {
    server.state.setRef(REPO, 'main', fakeSha('main'));
    const answer = await call('POST', `/repos/${REPO}/deployments`, { body: { ref: 'main', enviroment: 'staging' } });
    expect(answer.status).toBe(500);
    expect(server.violations.splice(0)[0]?.problems).toEqual(["body has unknown property 'enviroment'"]);
    expect(server.state.deployments).toEqual([]);
  });

  it('records a response that breaks the description, seeded on purpose', async () => {
    const comment = server.state.addIssueComment(REPO, 1, { author: 'mallory', body: 'broken' });
    (comment as { createdAt: string }).createdAt = 'yesterday';
    const answer = await call('GET', `/repos/${REPO}/issues/1/comments?per_page=100&page=3`);
    expect(answer.status).toBe(500);
    expect(answer.json.message).toMatch(/response\/50\/created_at must match format "date-time"/);
    expect(server.violations.splice(0)).toEqual([expect.objectContaining({ kind: 'response', operation: 'issues/list-comments' })]);
    server.state.comments.splice(server.state.comments.indexOf(comment), 1);
  });

  it('checks the status code as well as the body', () => {
    const create = operationsById.get('issues/create-comment')!;
    expect(checkResponse(create, 200, {})).toEqual(['status 200 is not a documented response of issues/create-comment (documented: 201, 403, 404, 410, 422)']);
    // An undocumented error status must still carry GitHub's error body.
    expect(checkResponse(create, 500, { message: 'x', documentation_url: 'https://docs.github.com/rest' })).toEqual([]);
    expect(checkResponse(create, 500, { message: 42 })).toEqual(['response/message must be string']);
    expect(checkResponse(operationsById.get('issues/delete-comment')!, 204, { deleted: true })).toEqual([
      'status 204 of issues/delete-comment has no body in the description, but one was sent',
    ]);
  });

  it('records an unknown route and answers 404 with GitHub body', async () => {
    const answer = await call('GET', `/repos/${REPO}/issues/1/reactions`);
    expect(answer.status).toBe(404);
    expect(answer.json).toMatchObject({ message: 'Not Found', documentation_url: expect.stringMatching(/^https:\/\/docs\.github\.com/) });
    const wrongMethod = await call('PUT', `/repos/${REPO}/issues/1/comments`, { body: {} });
    expect(wrongMethod.status).toBe(404);
    expect(server.violations.splice(0).map((v) => [v.kind, v.method, v.path])).toEqual([
      ['unknown-route', 'GET', `/repos/${REPO}/issues/1/reactions`],
      ['unknown-route', 'PUT', `/repos/${REPO}/issues/1/comments`],
    ]);
  });

  it('assertNoViolations lists the violations and then forgets them', async () => {
    await call('GET', '/nowhere');
    expect(() => server.assertNoViolations()).toThrow(/1 violation\(s\):\n {2}unknown-route: GET \/nowhere/);
    expect(() => server.assertNoViolations()).not.toThrow();
  });
});

describe('tokens and permissions', () => {
  afterEach(() => server.assertNoViolations());

  it('answers 401 without a token and for an unknown one', async () => {
    expect((await call('GET', `/repos/${REPO}`, { token: null as unknown as string })).json).toMatchObject({ message: 'Requires authentication', status: '401' });
    expect((await call('GET', `/repos/${REPO}`, { token: 'stolen' })).json).toMatchObject({ message: 'Bad credentials', status: '401' });
  });

  it('answers GET /user with 403 for the Actions bot, as for a GITHUB_TOKEN', async () => {
    const answer = await call('GET', '/user', { token: 'bot' });
    expect(answer.status).toBe(403);
    expect(answer.json).toEqual({
      message: 'Resource not accessible by integration',
      documentation_url: 'https://docs.github.com/rest/users/users#get-the-authenticated-user',
      status: '403',
    });
    expect((await call('GET', '/user', { token: 'pat' })).json).toMatchObject({ login: 'maintainer', type: 'User' });
  });

  it('answers 403 when the token lacks the operation permission, and changes nothing', async () => {
    const denied = await call('POST', `/repos/${REPO}/issues/1/comments`, { token: 'reader', body: { body: 'hi' } });
    expect(denied.status).toBe(403);
    expect(denied.json).toEqual({
      message: 'Resource not accessible by integration',
      documentation_url: 'https://docs.github.com/rest/issues/comments#create-an-issue-comment',
      status: '403',
    });
    expect(server.state.issueComments(REPO, 1)).toHaveLength(250);
    expect((await call('POST', `/repos/${REPO}/statuses/${fakeSha('head')}`, { token: 'bot', body: { state: 'success' } })).status).toBe(403);
    expect((await call('GET', `/repos/${REPO}/issues/1/comments`, { token: 'reader' })).status).toBe(200);
  });

  it('creates comments as the token identity, a Bot for github-actions[bot]', async () => {
    const created = await call('POST', `/repos/${REPO}/issues/1/comments`, { token: 'bot', body: { body: 'report' } });
    expect(created.status).toBe(201);
    expect(created.json.user).toMatchObject({ login: 'github-actions[bot]', type: 'Bot' });
    expect(await call('DELETE', `/repos/${REPO}/issues/comments/${created.json.id as number}`, { token: 'bot' })).toMatchObject({ status: 204, text: '' });
  });

  it('rejects a comment longer than 65536 characters with 422', async () => {
    const tooLong = await call('POST', `/repos/${REPO}/issues/1/comments`, { body: { body: 'x'.repeat(65_537) } });
    expect(tooLong.status).toBe(422);
    expect(tooLong.json).toMatchObject({ message: 'Validation Failed', errors: [{ field: 'body', message: 'body is too long (maximum is 65536 characters)' }] });
    expect((await call('POST', `/repos/${REPO}/issues/1/comments`, { body: { body: 'x'.repeat(65_536) } })).status).toBe(201);
    server.state.comments.pop();
  });

  it('answers 404 for what does not exist', async () => {
    expect((await call('GET', '/repos/acme/unknown')).status).toBe(404);
    expect((await call('GET', `/repos/${REPO}/pulls/99`)).status).toBe(404);
    expect((await call('DELETE', `/repos/${REPO}/issues/comments/1`)).status).toBe(404);
  });
});

describe('faults', () => {
  afterEach(() => server.assertNoViolations());

  it('answers a 502 from the edge with an HTML body, the given number of times', async () => {
    server.injectFault({ operation: 'issues/list-comments', kind: 'server-error', times: 2 });
    const first = await call('GET', `/repos/${REPO}/issues/1/comments`);
    expect(first.status).toBe(502);
    expect(first.headers.get('content-type')).toMatch(/text\/html/);
    expect(first.text).toMatch(/<html>/);
    expect((await call('GET', `/repos/${REPO}/issues/1/comments`)).status).toBe(502);
    expect((await call('GET', `/repos/${REPO}/issues/1/comments`)).status).toBe(200);
    expect(server.requests.map((r) => r.fault)).toEqual(['server-error', 'server-error', undefined]);
  });

  it('matches faults by method and path pattern, leaving other requests alone', async () => {
    server.injectFault({ method: 'POST', path: /\/comments$/, kind: 'server-error', status: 503 });
    expect((await call('GET', `/repos/${REPO}/issues/1/comments`)).status).toBe(200);
    expect((await call('GET', `/repos/${REPO}/pulls/1`)).status).toBe(200);
    expect((await call('POST', `/repos/${REPO}/issues/1/comments`, { body: { body: 'x' } })).status).toBe(503);
    expect(server.state.issueComments(REPO, 1)).toHaveLength(250);
  });

  it('answers a secondary rate limit with retry-after and GitHub message', async () => {
    server.injectFault({ operation: 'issues/create-comment', kind: 'secondary-rate-limit', retryAfter: 7 });
    const limited = await call('POST', `/repos/${REPO}/issues/1/comments`, { body: { body: 'x' } });
    expect(limited.status).toBe(403);
    expect(limited.headers.get('retry-after')).toBe('7');
    expect(String(limited.json.message).startsWith(SECONDARY_RATE_LIMIT_MESSAGE)).toBe(true);
    expect(limited.json.message).toMatch(/^You have exceeded a secondary rate limit/);
  });

  it('answers a primary rate limit with x-ratelimit-remaining 0 and the reset time', async () => {
    server.injectFault({ kind: 'rate-limit', status: 429, resetAfter: 120 });
    const before = Math.floor(Date.now() / 1000);
    const limited = await call('GET', `/repos/${REPO}`);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('x-ratelimit-remaining')).toBe('0');
    const reset = Number(limited.headers.get('x-ratelimit-reset'));
    expect(reset - before).toBeGreaterThanOrEqual(120);
    expect(reset - before).toBeLessThanOrEqual(125); // allows for a slow machine
    expect(limited.json.message).toMatch(/^API rate limit exceeded/);
  });

  it('answers 404 and 403 with GitHub error bodies', async () => {
    server.injectFault({ operation: 'pulls/get', kind: 'not-found' });
    server.injectFault({ operation: 'pulls/get', kind: 'forbidden', message: 'Must have admin rights to Repository.' });
    expect((await call('GET', `/repos/${REPO}/pulls/1`)).json).toEqual({
      message: 'Not Found',
      documentation_url: 'https://docs.github.com/rest/pulls/pulls#get-a-pull-request',
      status: '404',
    });
    const forbidden = await call('GET', `/repos/${REPO}/pulls/1`);
    expect([forbidden.status, forbidden.json.message]).toEqual([403, 'Must have admin rights to Repository.']);
  });

  it('delays a request, then serves it normally', async () => {
    server.injectFault({ operation: 'repos/get', kind: 'delay', ms: 150 });
    const started = performance.now();
    expect((await call('GET', `/repos/${REPO}`)).status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
  });

  it('refuses a fault for an operation it does not know', () => {
    expect(() => server.injectFault({ operation: 'issues/create-reaction', kind: 'not-found' })).toThrow(/unknown operation 'issues\/create-reaction'/);
  });
});

describe('one consistent store under concurrency', () => {
  afterEach(() => server.assertNoViolations());

  it('keeps 20 clients creating, listing and deleting at once consistent', async () => {
    server.state.addPullRequest(REPO, { number: 2, head: { sha: fakeSha('two') } });
    const ids = await Promise.all(
      Array.from({ length: 20 }, async (_, i) => {
        const created = await call('POST', `/repos/${REPO}/issues/2/comments`, { token: 'bot', body: { body: `run ${i}` } });
        const listed = await call('GET', `/repos/${REPO}/issues/2/comments?per_page=100`, { token: 'bot' });
        expect(listed.json.map((c) => (c as { id: number }).id)).toContain(created.json.id);
        return created.json.id as number;
      }),
    );
    expect(new Set(ids).size).toBe(20);
    const keep = Math.min(...ids);
    const deletions = await Promise.all(ids.filter((id) => id !== keep).map((id) => call('DELETE', `/repos/${REPO}/issues/comments/${id}`, { token: 'bot' })));
    expect(deletions.every((d) => d.status === 204)).toBe(true);
    expect(server.state.issueComments(REPO, 2).map((c) => c.id)).toEqual([keep]);
  });
});
