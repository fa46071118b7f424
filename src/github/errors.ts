import { ConfigurationError } from '../io/errors.js';

/** The parts of Octokit's RequestError (`name: 'HttpError'`) this module reads. */
interface RequestError extends Error {
  status: number;
  request: { method: string; url: string };
  response?: { data?: unknown; headers: Record<string, string | number | undefined> };
}

/**
 * A GitHub API call that failed, with a message that says what to do about it. `status`
 * is the HTTP status (0 when no answer came back); `permission` is set when the token lacked
 * the permission the call needs. It is a ConfigurationError, not a bug in model-gates: the
 * fix is the user's (the workflow's `permissions:`, the token) or a re-run once GitHub answers.
 */
export class GitHubApiError extends ConfigurationError {
  readonly status: number;
  readonly permission: string | undefined;

  constructor(message: string, options: { status: number; permission?: string; cause?: unknown }) {
    super(message);
    this.cause = options.cause;
    this.name = 'GitHubApiError';
    this.status = options.status;
    this.permission = options.permission;
  }
}

/** What the caller was doing, for the message: `'list the comments of pull request #4'`. */
export interface ApiErrorContext {
  action: string;
  /** The `permissions:` entry the call needs, such as `pull-requests: write`. */
  permission?: string;
}

function responseMessage(error: RequestError): string {
  const data = error.response?.data as { message?: unknown } | string | undefined;
  if (data && typeof data === 'object' && typeof data.message === 'string') return data.message;
  return '';
}

/** The details of a 422 "Validation Failed" (`errors[].message`, or `field code`). */
function validationDetails(error: RequestError): string[] {
  const data = error.response?.data as { errors?: unknown } | undefined;
  if (!data || typeof data !== 'object' || !Array.isArray(data.errors)) return [];
  return data.errors
    .map((entry: unknown) => {
      if (typeof entry === 'string') return entry;
      const item = entry as { message?: unknown; field?: unknown; code?: unknown };
      if (typeof item.message === 'string') return item.message;
      return [item.field, item.code].filter((part) => typeof part === 'string').join(' ');
    })
    .filter((text: string) => text !== '');
}

function isRequestError(error: unknown): error is RequestError {
  if (!(error instanceof Error) || error.name !== 'HttpError') return false;
  const candidate = error as Partial<RequestError>;
  return typeof candidate.status === 'number' && typeof candidate.request?.url === 'string';
}

/**
 * Turns what an Octokit call threw into a `GitHubApiError` whose message names the cause and
 * the fix: a missing permission (GitHub's 403 "Resource not accessible by integration"),
 * a rate limit, a bad token, something not found, GitHub unreachable or unavailable. The
 * token never appears in the message. Anything that is not an HTTP error (a bug in the
 * caller, say) is returned unchanged, so it is still reported as a bug.
 */
export function describeApiError(error: unknown, context: ApiErrorContext): unknown {
  if (!isRequestError(error)) return error;
  if (error.response === undefined) {
    // Octokit's error for a request that got no answer at all (refused, DNS, TLS, reset).
    return new GitHubApiError(
      `Could not ${context.action}: no answer from ${new URL(error.request.url).origin} (${error.message}); check GITHUB_API_URL and the network.`,
      { status: 0, cause: error },
    );
  }
  const status = error.status;
  const message = responseMessage(error);
  const headers = error.response?.headers ?? {};
  const where = `${error.request.method} ${new URL(error.request.url).pathname}`;
  const permissionHint = context.permission
    ? `the token lacks \`${context.permission}\`; add it under \`permissions:\` in the workflow (or grant it to the token)` +
      (context.permission.endsWith(': write') ? '. On a pull request from a fork, GITHUB_TOKEN is read-only whatever the workflow asks' : '')
    : 'the token lacks a permission this call needs; add it under `permissions:` in the workflow';

  let text: string;
  if (status === 403 && /resource not accessible by (integration|personal access token)/i.test(message)) {
    return new GitHubApiError(`Could not ${context.action}: ${permissionHint} (GitHub answered 403 "${message}" to ${where}).`, {
      status,
      cause: error,
      ...(context.permission ? { permission: context.permission } : {}),
    });
  } else if ((status === 403 || status === 429) && /secondary rate limit/i.test(message)) {
    text = `GitHub's secondary rate limit stopped the call (${where}) and retrying did not get through; wait a few minutes and re-run`;
  } else if ((status === 403 || status === 429) && String(headers['x-ratelimit-remaining']) === '0') {
    const reset = Number(headers['x-ratelimit-reset']);
    const when = Number.isFinite(reset) && reset > 0 ? ` until ${new Date(reset * 1000).toISOString()}` : '';
    text = `the token's API rate limit is used up${when} (${where})`;
  } else if (status === 401) {
    text = `GitHub rejected the token (401 ${message || 'Bad credentials'}); check the \`github-token\` input`;
  } else if (status === 404) {
    text = `GitHub answered 404 Not Found to ${where}: it does not exist, or the token cannot see it${context.permission ? ` (it needs \`${context.permission}\`)` : ''}`;
  } else if (status >= 500) {
    text = `GitHub answered ${status} to ${where}, also after retries; GitHub may be unavailable (https://www.githubstatus.com), re-run later`;
  } else {
    const details = status === 422 ? validationDetails(error) : [];
    text = `GitHub answered ${status}${message ? ` "${message}"` : ''} to ${where}${details.length > 0 ? `: ${details.join('; ')}` : ''}`;
  }
  return new GitHubApiError(`Could not ${context.action}: ${text}.`, { status, cause: error });
}

/**
 * Runs one API call and rethrows an HTTP failure as a `GitHubApiError` described by
 * `describeApiError`; any other error is rethrown as it is.
 */
export async function withApiError<T>(context: ApiErrorContext, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw describeApiError(error, context);
  }
}
