import { getOctokit } from '@actions/github';
import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';
import Bottleneck from 'bottleneck/light.js';
import type { Logger } from '../io/log.js';
import { TOOL_VERSION } from '../version.js';

/** The Octokit the suite talks to GitHub with: REST methods, pagination, retry and throttling. */
export type GitHubClient = ReturnType<typeof getOctokit>;

export interface GitHubClientOptions {
  /** A GITHUB_TOKEN, app installation token or personal token. Never logged. */
  token: string;
  /**
   * The REST API root. Defaults to `GITHUB_API_URL` (set by the runner, and pointing at the
   * server's `/api/v3` on GitHub Enterprise Server), then https://api.github.com.
   */
  baseUrl?: string;
  log: Logger;
  /** How many times a 5xx answer is retried (default 3), waiting 1, 4, 9… time units. */
  retries?: number;
  /**
   * How many times a rate-limited call is retried (default 2): a secondary rate limit after
   * its `retry-after`, a primary one only when it resets within `maxRateLimitWait`.
   */
  rateLimitRetries?: number;
  /** The longest wait for a primary rate limit's reset worth retrying, in seconds (default 60). */
  maxRateLimitWait?: number;
  /**
   * Milliseconds per second of every wait the client makes: `retry-after`, the 5xx backoff
   * and the spacing GitHub asks for between writes (1 s) and content-creating writes (3 s).
   * Default 1000, or `MODEL_GATES_GITHUB_TIME_UNIT_MS` when set; tests set a few ms so the
   * same code path runs fast.
   */
  timeUnitMs?: number;
}

function environmentTimeUnit(): number | undefined {
  const raw = process.env.MODEL_GATES_GITHUB_TIME_UNIT_MS;
  if (raw === undefined || raw === '') return undefined;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0) throw new Error(`MODEL_GATES_GITHUB_TIME_UNIT_MS must be a non-negative number of milliseconds, got '${raw}'`);
  return value;
}

interface RequestOptions {
  method: string;
  url: string;
  /** `retries` overrides the client's for one request (0: never retried, as a POST that is not idempotent). */
  request?: { retryCount?: number; retries?: number };
}

/** The parts of Octokit the hooks below use. */
interface RequestHost {
  request: { endpoint: { parse: (options: never) => { method: string; url: string } } };
}

/** `METHOD /path` of a request, its parameters filled in (no query, so nothing secret). */
function describeRequest(octokit: RequestHost, options: { method: string; url: string }): string {
  try {
    const { method, url } = octokit.request.endpoint.parse(options as never);
    return `${method} ${new URL(url).pathname}`;
  } catch {
    return `${options.method} ${options.url}`;
  }
}

/**
 * Creates the GitHub client every action uses: Octokit from `@actions/github` with the
 * retry and throttling plugins. 5xx answers are retried `retries` times with a quadratic
 * backoff; secondary rate limits honour `retry-after` and are retried `rateLimitRetries`
 * times, then the call fails; each retry is logged through `log` at info level. The token is
 * only ever sent in the `Authorization` header.
 */
export function createGitHubClient(options: GitHubClientOptions): GitHubClient {
  const { log } = options;
  const retries = options.retries ?? 3;
  const rateLimitRetries = options.rateLimitRetries ?? 2;
  const maxRateLimitWait = options.maxRateLimitWait ?? 60;
  const unit = options.timeUnitMs ?? environmentTimeUnit() ?? 1000;
  const baseUrl = (options.baseUrl ?? (process.env.GITHUB_API_URL || 'https://api.github.com')).replace(/\/+$/, '');

  // Innermost wrapper (registered before the retry plugin): sees every attempt, so it can
  // say which failures are about to be retried.
  const attemptLog = (octokit: RequestHost & { hook: { wrap: (name: 'request', fn: (request: (o: RequestOptions) => Promise<unknown>, o: RequestOptions) => Promise<unknown>) => void } }) => {
    octokit.hook.wrap('request', async (request, requestOptions) => {
      try {
        return await request(requestOptions);
      } catch (error) {
        const { status, response, message } = error as { status?: unknown; response?: unknown; message?: unknown };
        const attempt = requestOptions.request?.retryCount ?? 0;
        if (typeof status === 'number' && status >= 500 && attempt < (requestOptions.request?.retries ?? retries)) {
          // Octokit reports a request that got no answer at all as a 500 without a response.
          const what = response === undefined ? `No answer (${String(message)}) for` : `GitHub answered ${status} to`;
          log.info(`${what} ${describeRequest(octokit, requestOptions)}; retrying (${attempt + 1} of ${requestOptions.request?.retries ?? retries}).`);
        }
        throw error;
      }
    });
    return {};
  };

  const limiter = (minTime: number) => new Bottleneck.Group({ maxConcurrent: 1, minTime });
  return getOctokit(
    options.token,
    {
      baseUrl,
      userAgent: `model-gates/${TOOL_VERSION}`,
      retry: {
        retries,
        retryAfterBaseValue: unit,
        // 403 and 429 are the throttling plugin's (rate limits); the rest are final.
        doNotRetry: [400, 401, 403, 404, 409, 410, 422, 429, 451],
      },
      throttle: {
        retryAfterBaseValue: unit,
        fallbackSecondaryRateRetryAfter: 60,
        write: limiter(unit),
        notifications: limiter(3 * unit),
        search: limiter(2 * unit),
        onSecondaryRateLimit: (retryAfter: number, requestOptions: { method: string; url: string }, octokit: RequestHost, retryCount: number) => {
          if (retryCount >= rateLimitRetries) {
            log.warning(`GitHub's secondary rate limit stopped ${describeRequest(octokit, requestOptions)} ${retryCount + 1} times; giving up.`);
            return false;
          }
          log.info(`GitHub's secondary rate limit hit ${describeRequest(octokit, requestOptions)}; retrying after ${retryAfter} s (${retryCount + 1} of ${rateLimitRetries}).`);
          return true;
        },
        onRateLimit: (retryAfter: number, requestOptions: { method: string; url: string }, octokit: RequestHost, retryCount: number) => {
          if (retryCount >= rateLimitRetries || retryAfter > maxRateLimitWait) {
            log.warning(`The token's API rate limit is used up (${describeRequest(octokit, requestOptions)}); it resets in ${retryAfter} s.`);
            return false;
          }
          log.info(`The token's API rate limit is used up; retrying ${describeRequest(octokit, requestOptions)} after ${retryAfter} s (${retryCount + 1} of ${rateLimitRetries}).`);
          return true;
        },
      },
    },
    attemptLog as never,
    retry,
    throttling,
  );
}
