import type { CanaryMetricConfig } from '../config/types.js';
import { ConfigurationError, errorMessage } from '../io/errors.js';
import type { Logger } from '../io/log.js';
import { renderQuery, type Group, type MetricsSource, type TimeWindow } from './source.js';

export interface PrometheusSourceOptions {
  /** Base URL of the Prometheus HTTP API, e.g. `http://prometheus:9090` or `https://host/prometheus`. */
  url: string;
  window: TimeWindow;
  /** Label values substituted for `{{group}}`. */
  labels: Record<Group, string>;
  /** Extra request headers, e.g. Authorization. */
  headers?: Record<string, string>;
  /** Per-query timeout in milliseconds (default 30000). */
  timeoutMs?: number;
  log: Logger;
  /** Injected for tests; the global fetch otherwise. */
  fetch?: typeof fetch;
}

interface QueryRangeResponse {
  status?: unknown;
  data?: { resultType?: unknown; result?: unknown };
  errorType?: unknown;
  error?: unknown;
  warnings?: unknown;
}

/** Credentials from environment variables, as the `Authorization` header they make. */
export function authorizationHeader(
  config: { bearerTokenEnv?: string | undefined; usernameEnv?: string | undefined; passwordEnv?: string | undefined },
  env: NodeJS.ProcessEnv,
  setSecret: (value: string) => void,
): string | undefined {
  const read = (name: string): string => {
    const value = env[name];
    if (!value) throw new ConfigurationError(`environment variable ${name}, named in canary.prometheus, is not set or empty`);
    return value;
  };
  if (config.bearerTokenEnv && config.usernameEnv) throw new ConfigurationError('canary.prometheus: give bearerTokenEnv or usernameEnv/passwordEnv, not both');
  if (config.bearerTokenEnv) {
    const token = read(config.bearerTokenEnv);
    setSecret(token);
    return `Bearer ${token}`;
  }
  if (config.usernameEnv && config.passwordEnv) {
    const password = read(config.passwordEnv);
    setSecret(password);
    const encoded = Buffer.from(`${read(config.usernameEnv)}:${password}`).toString('base64');
    setSecret(encoded);
    return `Basic ${encoded}`;
  }
  return undefined;
}

/**
 * Reads samples with Prometheus's `query_range` API (POST, form-encoded), one query per
 * metric and group over the analysis window. Every series of the answer is pooled; NaN
 * and ±Inf values are kept for the judge to drop and count. An empty answer is no data.
 * Errors from Prometheus (bad PromQL, refused credentials, unreachable server) are
 * configuration errors naming the metric and the URL.
 */
export class PrometheusSource implements MetricsSource {
  readonly description: string;
  private readonly endpoint: string;

  constructor(private readonly options: PrometheusSourceOptions) {
    let base: URL;
    try {
      base = new URL(options.url);
    } catch {
      throw new ConfigurationError(`prometheus URL '${options.url}' is not a URL`);
    }
    if (base.protocol !== 'http:' && base.protocol !== 'https:') throw new ConfigurationError(`prometheus URL '${options.url}' must be http or https`);
    if (base.username || base.password) throw new ConfigurationError('put Prometheus credentials in environment variables (canary.prometheus.usernameEnv/passwordEnv), not in the URL');
    this.endpoint = `${base.origin}${base.pathname.replace(/\/+$/, '')}/api/v1/query_range`;
    this.description = `prometheus ${base.origin}${base.pathname.replace(/\/+$/, '')}`;
  }

  async samples(metric: CanaryMetricConfig, group: Group): Promise<Float64Array> {
    const query = renderQuery(metric, this.options.labels[group]);
    const { window, log } = this.options;
    const body = new URLSearchParams({ query, start: String(window.start), end: String(window.end), step: String(window.step) });
    const where = `canary metric '${metric.name}' (${group})`;
    log.debug(`${where}: ${query}`);
    let response: Response;
    try {
      response = await (this.options.fetch ?? fetch)(this.endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json', ...this.options.headers },
        body,
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 30_000),
      });
    } catch (error) {
      const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : '';
      throw new ConfigurationError(`${where}: cannot query Prometheus at ${this.endpoint}: ${errorMessage(error)}${cause}`);
    }
    const text = await response.text();
    let parsed: QueryRangeResponse | undefined;
    try {
      parsed = JSON.parse(text) as QueryRangeResponse;
    } catch {
      parsed = undefined;
    }
    if (response.status === 401 || response.status === 403) {
      throw new ConfigurationError(`${where}: Prometheus at ${this.endpoint} refused the request (HTTP ${response.status}); check the credentials in canary.prometheus`);
    }
    if (!response.ok || parsed?.status !== 'success') {
      const detail = typeof parsed?.error === 'string' ? `${String(parsed.errorType ?? 'error')}: ${parsed.error}` : text.slice(0, 300);
      throw new ConfigurationError(`${where}: Prometheus answered HTTP ${response.status} to query ${query}: ${detail}`);
    }
    if (Array.isArray(parsed.warnings)) for (const warning of parsed.warnings) log.warning(`${where}: Prometheus warns: ${String(warning)}`);
    const data = parsed.data;
    if (data?.resultType !== 'matrix' || !Array.isArray(data.result)) {
      throw new ConfigurationError(`${where}: expected a range vector (matrix) from query ${query}, got ${String(data?.resultType)}`);
    }
    const series = data.result as { metric?: unknown; values?: unknown }[];
    if (series.length > 1) log.warning(`${where}: the query returned ${series.length} series; their samples are pooled. Aggregate in the query (sum, avg, histogram_quantile) to get one.`);
    let count = 0;
    for (const s of series) count += Array.isArray(s.values) ? s.values.length : 0;
    const values = new Float64Array(count);
    let k = 0;
    for (const s of series) {
      if (!Array.isArray(s.values)) continue;
      for (const point of s.values as unknown[]) {
        const raw = Array.isArray(point) ? point[1] : undefined;
        values[k++] = typeof raw === 'string' ? parseSampleValue(raw) : Number.NaN;
      }
    }
    return values;
  }
}

/** Prometheus encodes sample values as strings: decimal, `NaN`, `+Inf`, `-Inf`. */
function parseSampleValue(raw: string): number {
  if (raw === '+Inf' || raw === 'Inf') return Number.POSITIVE_INFINITY;
  if (raw === '-Inf') return Number.NEGATIVE_INFINITY;
  return Number(raw);
}
