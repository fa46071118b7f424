import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApiError, handlerFor, type HandlerContext, type Reply } from './handlers.js';
import { checkRequest, checkResponse, matchOperation, operationsById, type Operation } from './openapi.js';
import type { Urls } from './render.js';
import { GitHubState, type Account, type GitHubStateOptions } from './state.js';

/** A permission a GITHUB_TOKEN or fine-grained token can hold, as `permissions:` names it. */
export type PermissionScope =
  | 'actions'
  | 'checks'
  | 'contents'
  | 'deployments'
  /** A GitHub App or fine-grained token permission; a GITHUB_TOKEN never has it. */
  | 'environments'
  | 'issues'
  | 'members'
  | 'metadata'
  | 'pull-requests'
  | 'statuses';

export type PermissionLevel = 'read' | 'write';

/** Who a token is and what it may do. `'all'` grants everything (a classic personal token). */
export interface TokenOptions {
  /** The token's identity. `github-actions[bot]` (or any `…[bot]` login) is a bot. */
  login: string;
  permissions: Partial<Record<PermissionScope, PermissionLevel>> | 'all';
}

/**
 * The permission each operation needs; any one of the alternatives suffices (issue
 * endpoints on a pull request accept `pull-requests` as well as `issues`). `metadata: read`
 * every token has.
 */
export const OPERATION_PERMISSIONS: Record<string, `${PermissionScope}: ${PermissionLevel}`[]> = {
  'users/get-authenticated': [],
  'repos/get': ['metadata: read'],
  'repos/get-content': ['contents: read'],
  'pulls/list': ['pull-requests: read'],
  'pulls/get': ['pull-requests: read'],
  'pulls/list-reviews': ['pull-requests: read'],
  'repos/list-pull-requests-associated-with-commit': ['pull-requests: read'],
  'issues/list-for-repo': ['issues: read'],
  'issues/create': ['issues: write'],
  'issues/update': ['issues: write'],
  'issues/create-label': ['issues: write'],
  'issues/get': ['issues: read', 'pull-requests: read'],
  'issues/list-comments': ['issues: read', 'pull-requests: read'],
  'issues/create-comment': ['issues: write', 'pull-requests: write'],
  'issues/update-comment': ['issues: write', 'pull-requests: write'],
  'issues/delete-comment': ['issues: write', 'pull-requests: write'],
  'issues/list-events': ['issues: read', 'pull-requests: read'],
  'issues/list-labels-on-issue': ['issues: read', 'pull-requests: read'],
  // An organisation permission: no GITHUB_TOKEN has it, only app and personal tokens.
  'teams/get-membership-for-user-in-org': ['members: read'],
  'repos/create-commit-status': ['statuses: write'],
  'repos/list-commit-statuses-for-ref': ['statuses: read'],
  'checks/list-for-ref': ['checks: read'],
  'actions/list-workflow-runs-for-repo': ['actions: read'],
  'actions/get-workflow-run': ['actions: read'],
  'actions/list-workflow-run-artifacts': ['actions: read'],
  'actions/download-artifact': ['actions: read'],
  'actions/get-reviews-for-run': ['actions: read'],
  'repos/list-deployments': ['deployments: read'],
  'repos/create-deployment': ['deployments: write'],
  'repos/get-deployment': ['deployments: read'],
  'repos/list-deployment-statuses': ['deployments: read'],
  'repos/create-deployment-status': ['deployments: write'],
  // Environment variables: an App or fine-grained token's Environments permission, which the
  // workflow's permissions: cannot grant a GITHUB_TOKEN.
  'actions/list-environment-variables': ['environments: read'],
  'actions/get-environment-variable': ['environments: read'],
  'actions/create-environment-variable': ['environments: write'],
  'actions/update-environment-variable': ['environments: write'],
  'repos/create-or-update-file-contents': ['contents: write'],
  'repos/get-release-by-tag': ['contents: read'],
  'repos/create-release': ['contents: write'],
};

/** Which requests a fault applies to. Every field given must match; none given matches all. */
export interface FaultMatch {
  method?: string;
  /** GitHub's operation id, such as `issues/create-comment`. */
  operation?: string;
  /** The operation's path (no query, no `pathPrefix`), exactly or by pattern. */
  path?: string | RegExp;
}

export type FaultKind =
  /** A 5xx from GitHub's edge, with an HTML body (502 by default). */
  | { kind: 'server-error'; status?: 500 | 502 | 503 | 504 }
  /** The request is served (its effect is stored), then the answer is lost: a 5xx from the edge instead (502 by default). */
  | { kind: 'server-error-after'; status?: 500 | 502 | 503 | 504 }
  /** GitHub's secondary rate limit: 403 (or 429) with `retry-after` seconds. */
  | { kind: 'secondary-rate-limit'; retryAfter?: number; status?: 403 | 429 }
  /** The primary rate limit: `x-ratelimit-remaining: 0`, reset `resetAfter` seconds from now. */
  | { kind: 'rate-limit'; status?: 403 | 429; resetAfter?: number }
  | { kind: 'not-found' }
  | { kind: 'forbidden'; message?: string }
  /** Holds the request `ms` milliseconds, then serves it normally. */
  | { kind: 'delay'; ms: number };

export type FaultOptions = FaultMatch & FaultKind & { /** How many matching requests it hits (default 1). */ times?: number };

/** An injected fault; `remaining` counts down as requests hit it. */
export interface Fault {
  readonly options: FaultOptions;
  remaining: number;
}

export interface RequestLogEntry {
  method: string;
  /** Path without the query string. */
  path: string;
  /** The operation id, when the request matched one. */
  operation?: string;
  status: number;
  /** Login of the token, when it was known. */
  login?: string;
  /** The fault that answered, if any. */
  fault?: FaultKind['kind'];
}

export interface Violation {
  kind: 'request' | 'response' | 'unknown-route';
  method: string;
  path: string;
  operation?: string;
  problems: string[];
}

export interface GitHubServerOptions extends GitHubStateOptions {
  /** Tokens known from the start; more with `addToken`. */
  tokens?: Record<string, TokenOptions>;
  /** Host of `html_url`s (default https://github.com). */
  webUrl?: string;
  /**
   * A path the API lives under, as `/api/v3` on GitHub Enterprise Server; `url` includes
   * it. Default: none, as on api.github.com.
   */
  pathPrefix?: string;
}

export const SECONDARY_RATE_LIMIT_MESSAGE =
  'You have exceeded a secondary rate limit. Please wait a few minutes before you try again. ' +
  'If you reach out to GitHub Support for help, please include the request ID';

const RATE_LIMIT_DOCS = 'https://docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api';

const EDGE_ERROR_PAGE = (status: number) =>
  `<!DOCTYPE html>\n<html>\n  <head><title>Unicorn! · GitHub</title></head>\n  <body>\n    <p>We had issues producing the response to your request.</p>\n    <p>Sorry about that. Please try refreshing and contact us if the problem persists.</p>\n    <!-- ${status} -->\n  </body>\n</html>\n`;

function hasPermission(token: TokenOptions, required: string[]): boolean {
  if (token.permissions === 'all' || required.length === 0) return true;
  return required.some((entry) => {
    const [scope, level] = entry.split(': ') as [PermissionScope, PermissionLevel];
    if (scope === 'metadata') return true;
    const held = (token.permissions as Partial<Record<PermissionScope, PermissionLevel>>)[scope];
    return held === 'write' || held === level;
  });
}

function readBody(request: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

function queryObject(url: URL): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const key of new Set(url.searchParams.keys())) {
    const values = url.searchParams.getAll(key);
    out[key] = values.length === 1 ? values[0]! : values;
  }
  return out;
}

/**
 * A GitHub REST API on 127.0.0.1 for tests: in-memory state (`state`), tokens with
 * permissions, injected faults, a request log, and OpenAPI validation of every request and
 * response (`violations`). Start it with `startGitHubServer`.
 */
export class GitHubServer {
  readonly state: GitHubState;
  /** Every request served, in order of arrival of the answer. */
  readonly requests: RequestLogEntry[] = [];
  /** Requests or responses that broke GitHub's OpenAPI description, and unknown routes. */
  readonly violations: Violation[] = [];
  private readonly tokens = new Map<string, TokenOptions>();
  private readonly faults: Fault[] = [];
  private readonly downloads = new Map<string, { bytes: Uint8Array; contentType: string }>();
  private readonly webUrl: string;
  private readonly pathPrefix: string;
  private readonly server = createServer((request, response) => {
    this.serve(request, response).catch((error: unknown) => {
      this.violations.push({ kind: 'response', method: request.method ?? '?', path: request.url ?? '?', problems: [`server crashed: ${String(error)}`] });
      if (!response.headersSent) response.writeHead(500, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ message: `test server error: ${String(error)}` }));
    });
  });
  private baseUrl = '';

  constructor(options: GitHubServerOptions = {}) {
    this.state = new GitHubState(options);
    this.webUrl = options.webUrl ?? 'https://github.com';
    this.pathPrefix = (options.pathPrefix ?? '').replace(/\/+$/, '');
    if (this.pathPrefix !== '' && !this.pathPrefix.startsWith('/')) throw new Error(`pathPrefix must start with '/', got '${options.pathPrefix}'`);
    for (const [token, identity] of Object.entries(options.tokens ?? {})) this.addToken(token, identity);
  }

  /** `http://127.0.0.1:<port>` (and the path prefix): the value for `GITHUB_API_URL` or the client's `baseUrl`. */
  get url(): string {
    return `${this.baseUrl}${this.pathPrefix}`;
  }

  /**
   * Environment for an action bundle run as a child process: the API URL, and a client time
   * unit of 1 ms so retries and write spacing do not slow the test down.
   */
  env(): { GITHUB_API_URL: string; MODEL_GATES_GITHUB_TIME_UNIT_MS: string } {
    return { GITHUB_API_URL: this.url, MODEL_GATES_GITHUB_TIME_UNIT_MS: '1' };
  }

  async listen(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(0, '127.0.0.1', () => resolve());
    });
    const { port } = this.server.address() as AddressInfo;
    this.baseUrl = `http://127.0.0.1:${port}`;
  }

  /** Stops the server; open keep-alive connections are closed. */
  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve, reject) => this.server.close((error) => (error ? reject(error) : resolve())));
  }

  /** Makes `token` valid, acting as `login` with `permissions`. Returns the token. */
  addToken(token: string, options: TokenOptions): string {
    this.tokens.set(token, options);
    this.state.account(options.login);
    return token;
  }

  /** Queues a fault; the first queued fault that matches a request and has hits left answers it. */
  injectFault(options: FaultOptions): Fault {
    if (options.operation !== undefined && !operationsById.has(options.operation)) {
      throw new Error(`unknown operation '${options.operation}'; known: ${[...operationsById.keys()].join(', ')}`);
    }
    const fault: Fault = { options, remaining: options.times ?? 1 };
    this.faults.push(fault);
    return fault;
  }

  /** Drops every fault not yet used up. */
  clearFaults(): void {
    this.faults.length = 0;
  }

  /** Requests logged for an operation id (or all requests), optionally only those with a status. */
  count(operation?: string, status?: number): number {
    return this.requests.filter((r) => (operation === undefined || r.operation === operation) && (status === undefined || r.status === status)).length;
  }

  /**
   * Throws when any request or response broke the OpenAPI description since the last call,
   * listing each; for `afterEach`. The list is emptied either way, so one test's violations
   * are reported once, by that test.
   */
  assertNoViolations(): void {
    if (this.violations.length === 0) return;
    const found = this.violations.splice(0);
    const lines = found.map((v) => `${v.kind}: ${v.method} ${v.path}${v.operation ? ` (${v.operation})` : ''}\n    ${v.problems.join('\n    ')}`);
    throw new Error(`the GitHub API test server saw ${found.length} violation(s):\n  ${lines.join('\n  ')}`);
  }

  private takeFault(method: string, path: string, operation: Operation | undefined): FaultOptions | undefined {
    const fault = this.faults.find((f) => {
      const o = f.options;
      if (f.remaining <= 0) return false;
      if (o.method !== undefined && o.method.toUpperCase() !== method) return false;
      if (o.operation !== undefined && o.operation !== operation?.id) return false;
      if (o.path !== undefined && (typeof o.path === 'string' ? o.path !== path : !o.path.test(path))) return false;
      return true;
    });
    if (!fault) return undefined;
    fault.remaining--;
    return fault.options;
  }

  private async serve(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const method = (request.method ?? 'GET').toUpperCase();
    const url = new URL(request.url ?? '/', this.baseUrl);
    const path = url.pathname;
    // The operation's path: without the prefix (a path outside it matches no operation).
    const apiPath = this.pathPrefix === '' ? path : path.startsWith(`${this.pathPrefix}/`) ? path.slice(this.pathPrefix.length) : '';
    const rawBody = await readBody(request);

    if (method === 'GET' && path.startsWith('/_downloads/')) {
      const download = this.downloads.get(path.slice('/_downloads/'.length));
      this.requests.push({ method, path, operation: 'download', status: download ? 200 : 404 });
      if (!download) {
        response.writeHead(404, { 'content-type': 'text/plain' }).end('expired or unknown download link');
        return;
      }
      response.writeHead(200, { 'content-type': download.contentType, 'content-length': String(download.bytes.byteLength) });
      response.end(download.bytes);
      return;
    }

    const matched = matchOperation(method, apiPath);
    const operation = matched?.operation;
    const log: RequestLogEntry = { method, path, status: 0 };
    if (operation) log.operation = operation.id;

    const send = (reply: Reply, validate: boolean) => {
      let body: string | Uint8Array | undefined;
      const headers: Record<string, string> = {
        'x-github-request-id': randomUUID().toUpperCase(),
        'x-github-media-type': 'github.v3; format=json',
        ...reply.headers,
      };
      if (reply.raw !== undefined) {
        body = reply.raw;
        headers['content-type'] = reply.contentType ?? 'application/octet-stream';
      } else if (reply.body !== undefined) {
        body = typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body);
        headers['content-type'] = reply.contentType ?? 'application/json; charset=utf-8';
      }
      if (validate && operation) {
        const problems = reply.raw !== undefined ? checkResponse(operation, reply.status, undefined, 'raw') : checkResponse(operation, reply.status, reply.body);
        if (problems.length > 0) {
          this.violations.push({ kind: 'response', method, path, operation: operation.id, problems });
          reply = { status: 500, body: { message: `test server: the response to ${operation.id} does not match GitHub's OpenAPI description: ${problems.join('; ')}` } };
          body = JSON.stringify(reply.body);
          headers['content-type'] = 'application/json; charset=utf-8';
          delete headers.location;
        }
      }
      log.status = reply.status;
      this.requests.push(log);
      response.writeHead(reply.status, headers);
      response.end(body);
    };
    const error = (status: number, message: string, extra: Record<string, unknown> = {}, headers?: Record<string, string>): Reply => ({
      status,
      body: { message, ...extra, documentation_url: operation?.documentationUrl ?? 'https://docs.github.com/rest', status: String(status) },
      headers,
    });

    if (!operation) {
      this.violations.push({ kind: 'unknown-route', method, path, problems: ['no operation of the OpenAPI subset matches this method and path'] });
      send(error(404, 'Not Found'), false);
      return;
    }

    // Authentication, as GitHub checks it before anything else.
    const authorization = request.headers.authorization ?? '';
    const token = /^(?:token|bearer)\s+(.+)$/i.exec(authorization)?.[1];
    if (!token) {
      send(error(401, 'Requires authentication'), true);
      return;
    }
    const identity = this.tokens.get(token);
    if (!identity) {
      send(error(401, 'Bad credentials'), true);
      return;
    }
    log.login = identity.login;

    // The request against the description.
    let body: unknown;
    if (rawBody.length > 0) {
      try {
        body = JSON.parse(rawBody.toString('utf8'));
      } catch {
        this.violations.push({ kind: 'request', method, path, operation: operation.id, problems: ['body is not JSON'] });
        send(error(400, 'Problems parsing JSON'), true);
        return;
      }
    }
    const checked = checkRequest(operation, matched!.params, queryObject(url), body);
    if (checked.problems.length > 0) {
      this.violations.push({ kind: 'request', method, path, operation: operation.id, problems: checked.problems });
      send({ status: 500, body: { message: `test server: the request to ${operation.id} does not match GitHub's OpenAPI description: ${checked.problems.join('; ')}` } }, false);
      return;
    }

    // Faults come after the request is checked, so a malformed request is always caught.
    const fault = this.takeFault(method, apiPath, operation);
    if (fault?.kind === 'delay') await new Promise((resolve) => setTimeout(resolve, fault.ms));
    if (fault && fault.kind !== 'delay' && fault.kind !== 'server-error-after') {
      log.fault = fault.kind;
      send(this.faultReply(fault, operation, error), fault.kind !== 'server-error');
      return;
    }

    if (!hasPermission(identity, OPERATION_PERMISSIONS[operation.id] ?? [])) {
      send(error(403, 'Resource not accessible by integration'), true);
      return;
    }

    const handler = handlerFor(operation.id);
    if (!handler) {
      this.violations.push({ kind: 'unknown-route', method, path, operation: operation.id, problems: ['the test server has no handler for this operation'] });
      send(error(404, 'Not Found'), false);
      return;
    }
    const account: Account = this.state.account(identity.login);
    const context: HandlerContext = {
      params: matched!.params,
      query: checked.query,
      body: body as Record<string, unknown> | undefined,
      account,
      state: this.state,
      urls: this.urls(),
      accept: String(request.headers.accept ?? ''),
      page: (items) => this.page(items, url, checked.query),
      downloadUrl: (bytes, contentType) => {
        const key = randomUUID();
        this.downloads.set(key, { bytes, contentType });
        return `${this.baseUrl}/_downloads/${key}`;
      },
    };
    let reply: Reply;
    try {
      reply = handler(context);
    } catch (thrown) {
      if (!(thrown instanceof ApiError)) throw thrown;
      reply = error(thrown.status, thrown.message, thrown.extra);
    }
    if (fault?.kind === 'server-error-after') {
      log.fault = fault.kind;
      send(this.faultReply(fault, operation, error), false);
      return;
    }
    send(reply, true);
  }

  private urls(): Urls {
    return { api: this.url, web: this.webUrl };
  }

  private faultReply(fault: FaultOptions, operation: Operation, error: (status: number, message: string, extra?: Record<string, unknown>, headers?: Record<string, string>) => Reply): Reply {
    const nowSeconds = Math.floor(Date.now() / 1000);
    switch (fault.kind) {
      case 'server-error':
      case 'server-error-after': {
        const status = fault.status ?? 502;
        return { status, body: EDGE_ERROR_PAGE(status), contentType: 'text/html; charset=utf-8' };
      }
      case 'secondary-rate-limit': {
        const reply = error(fault.status ?? 403, `${SECONDARY_RATE_LIMIT_MESSAGE} ${randomUUID().toUpperCase()}.`, {}, { 'retry-after': String(fault.retryAfter ?? 60) });
        (reply.body as Record<string, unknown>).documentation_url = `${RATE_LIMIT_DOCS}#about-secondary-rate-limits`;
        return reply;
      }
      case 'rate-limit': {
        const reset = nowSeconds + (fault.resetAfter ?? 3600);
        const reply = error(fault.status ?? 403, 'API rate limit exceeded for installation ID 1000.', {}, {
          'x-ratelimit-limit': '1000',
          'x-ratelimit-remaining': '0',
          'x-ratelimit-used': '1000',
          'x-ratelimit-reset': String(reset),
          'x-ratelimit-resource': 'core',
        });
        (reply.body as Record<string, unknown>).documentation_url = `${RATE_LIMIT_DOCS}#about-the-primary-rate-limit`;
        return reply;
      }
      case 'not-found':
        return error(404, 'Not Found');
      case 'forbidden':
        return error(403, fault.message ?? 'Resource not accessible by integration');
      case 'delay':
        throw new Error(`a delay is not an answer (${operation.id})`);
    }
  }

  /** One page of a list, GitHub's way: `per_page` (default 30, at most 100) and `page`, 1-based. */
  private page<T>(items: T[], url: URL, query: Record<string, unknown>): { items: T[]; headers: Record<string, string> } {
    const perPage = Math.min(100, Math.max(1, Number(query.per_page ?? 30) || 30));
    const lastPage = Math.max(1, Math.ceil(items.length / perPage));
    const page = Math.max(1, Number(query.page ?? 1) || 1);
    const slice = items.slice((page - 1) * perPage, page * perPage);
    const link = (n: number, rel: string) => {
      const target = new URL(url.pathname + url.search, this.baseUrl);
      target.searchParams.set('per_page', String(perPage));
      target.searchParams.set('page', String(n));
      return `<${target.toString()}>; rel="${rel}"`;
    };
    const links: string[] = [];
    if (page > 1) links.push(link(Math.min(page - 1, lastPage), 'prev'));
    if (page < lastPage) links.push(link(page + 1, 'next'), link(lastPage, 'last'));
    if (page > 1) links.push(link(1, 'first'));
    return { items: slice, headers: links.length > 0 ? { link: links.join(', ') } : {} };
  }
}

/** Starts a GitHub API test server on 127.0.0.1 (a free port). Call `close()` when done. */
export async function startGitHubServer(options: GitHubServerOptions = {}): Promise<GitHubServer> {
  const server = new GitHubServer(options);
  await server.listen();
  return server;
}
