import { writeFileAtomic } from '../io/atomic.js';
import { ConfigurationError, errorMessage } from '../io/errors.js';

/** One gauge sample: a metric name (without the prefix), its extra labels and value. */
export interface Gauge {
  name: string;
  help: string;
  value: number;
  labels?: Record<string, string>;
}

export const METRIC_PREFIX = 'model_gates_monitor_';
/** The Pushgateway job every monitor run pushes under. */
export const PUSH_JOB = 'model_gates_monitor';

/** A label value in the text exposition format: backslash, double quote and newline escaped. */
function labelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function sampleValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}

/**
 * The gauges in Prometheus's text exposition format (version 0.0.4): one `# HELP` and
 * `# TYPE` per metric, samples grouped under it, every sample with the `common` labels.
 */
export function exposition(gauges: readonly Gauge[], common: Record<string, string>): string {
  const lines: string[] = [];
  const seen = new Set<string>();
  const names = [...new Set(gauges.map((g) => g.name))];
  for (const name of names) {
    const metric = `${METRIC_PREFIX}${name}`;
    for (const gauge of gauges.filter((g) => g.name === name)) {
      if (!seen.has(name)) {
        lines.push(`# HELP ${metric} ${gauge.help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}`, `# TYPE ${metric} gauge`);
        seen.add(name);
      }
      const labels = { ...common, ...gauge.labels };
      const text = Object.entries(labels).map(([k, v]) => `${k}="${labelValue(v)}"`).join(',');
      lines.push(`${metric}${text ? `{${text}}` : ''} ${sampleValue(gauge.value)}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

/** Writes the exposition text atomically (for node_exporter's textfile collector or an artifact). */
export async function writeMetricsFile(path: string, text: string): Promise<void> {
  await writeFileAtomic(path, text);
}

/**
 * The Pushgateway URL of this model's group: `/metrics/job/model_gates_monitor`, then the
 * `model` and `environment` grouping labels, base64url-encoded (`label@base64/value`) so any
 * value, slashes included, is safe in the path.
 */
export function pushUrl(base: string, grouping: Record<string, string>): string {
  let url: URL;
  try {
    url = new URL(base);
  } catch {
    throw new ConfigurationError(`input 'pushgateway': ${JSON.stringify(base)} is not a URL (expected e.g. http://pushgateway:9091)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ConfigurationError(`input 'pushgateway': needs an http or https URL, got ${url.protocol}`);
  if (url.username || url.password) throw new ConfigurationError("input 'pushgateway': credentials in the URL are refused");
  const path = Object.entries(grouping).map(([k, v]) => `/${k}@base64/${Buffer.from(v).toString('base64url') || '='}`).join('');
  return `${base.replace(/\/+$/, '')}/metrics/job/${PUSH_JOB}${path}`;
}

/**
 * Pushes the text to a Pushgateway with PUT, replacing every metric of the group (so a
 * figure that is no longer measured does not linger). A refused push is an error: the
 * figures the team alerts on must not go stale silently.
 */
export async function pushMetrics(base: string, grouping: Record<string, string>, text: string, timeoutMs = 10_000): Promise<string> {
  const url = pushUrl(base, grouping);
  let response: Response;
  try {
    response = await fetch(url, { method: 'PUT', headers: { 'content-type': 'text/plain; version=0.0.4' }, body: text, signal: AbortSignal.timeout(timeoutMs) });
  } catch (error) {
    throw new ConfigurationError(`could not push the monitor's metrics to the Pushgateway at ${new URL(url).origin}: ${errorMessage(error)}`);
  }
  if (!response.ok) {
    const detail = (await response.text()).slice(0, 300);
    throw new ConfigurationError(`the Pushgateway answered ${response.status} to the push (${new URL(url).pathname}): ${detail}`);
  }
  return url;
}
