import type { CanaryMetricConfig } from '../config/types.js';
import { ConfigurationError } from '../io/errors.js';

export type Group = 'baseline' | 'canary';

/**
 * Where canary metrics come from. The judge asks for one metric of one group at a time;
 * an absent series is an empty array (no data), never an error.
 */
export interface MetricsSource {
  /** Says where the samples came from, for logs and the result (no secrets). */
  readonly description: string;
  samples(metric: CanaryMetricConfig, group: Group): Promise<Float64Array>;
}

/** The analysis window of a range query, in Unix seconds, and its resolution. */
export interface TimeWindow {
  start: number;
  end: number;
  /** Seconds between two samples. */
  step: number;
}

const UNIT_SECONDS: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400, w: 604800 };

/**
 * Parses a Prometheus-style duration (`90s`, `30m`, `1h30m`, `500ms`) into seconds.
 * @param what how to name the value in an error, e.g. `input 'window'`.
 * @throws ConfigurationError on anything else, or on a zero duration.
 */
export function parseDuration(text: string, what: string): number {
  const trimmed = text.trim();
  if (!/^(\d+(ms|s|m|h|d|w))+$/.test(trimmed)) {
    throw new ConfigurationError(`${what}: '${text}' is not a duration; use a number and a unit (ms, s, m, h, d, w), e.g. 30s, 15m or 1h30m`);
  }
  let seconds = 0;
  for (const [, amount, unit] of trimmed.matchAll(/(\d+)(ms|s|m|h|d|w)/g)) seconds += Number(amount) * (UNIT_SECONDS[unit as string] as number);
  if (seconds <= 0) throw new ConfigurationError(`${what}: '${text}' must be longer than zero`);
  return seconds;
}

/**
 * Parses a point in time: RFC 3339 (`2026-11-22T04:00:00Z`) or Unix seconds (`1795000000.5`).
 * @returns Unix seconds.
 */
export function parseTime(text: string, what: string): number {
  const trimmed = text.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Number(trimmed);
  if (/^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:\d\d)$/.test(trimmed)) {
    const ms = Date.parse(trimmed);
    if (Number.isFinite(ms)) return ms / 1000;
  }
  throw new ConfigurationError(`${what}: '${text}' is not a time; use RFC 3339 (2026-11-22T04:00:00Z) or Unix seconds`);
}

/** Prometheus refuses range queries of more than 11,000 points per series. */
export const MAX_POINTS = 11_000;

/**
 * The analysis window from the inputs: `start` and `end` (end defaults to now), or a
 * `window` length ending at `end` (default 30m when neither start nor window is given).
 * @param now Unix seconds.
 */
export function resolveWindow(inputs: { start?: string | undefined; end?: string | undefined; window?: string | undefined; step: string }, now: number): TimeWindow {
  if (inputs.start && inputs.window) throw new ConfigurationError("give either input 'start' or input 'window', not both");
  const end = inputs.end ? parseTime(inputs.end, "input 'end'") : now;
  const start = inputs.start ? parseTime(inputs.start, "input 'start'") : end - parseDuration(inputs.window ?? '30m', "input 'window'");
  const step = parseDuration(inputs.step, "input 'step'");
  if (!(start < end)) throw new ConfigurationError(`the analysis window is empty: start ${new Date(start * 1000).toISOString()} is not before end ${new Date(end * 1000).toISOString()}`);
  if ((end - start) / step > MAX_POINTS) {
    throw new ConfigurationError(`the window holds ${Math.floor((end - start) / step)} steps of ${inputs.step}; Prometheus allows ${MAX_POINTS}: use a larger step`);
  }
  return { start, end, step };
}

/** Escapes a label value for a PromQL double-quoted string. */
export function promqlString(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** The placeholder a query template holds for the group's label value. */
export const GROUP_PLACEHOLDER = '{{group}}';

/**
 * Fills a query template: every `{{group}}` becomes the label value, escaped for a PromQL
 * double-quoted string (write it inside quotes: `version="{{group}}"`).
 * @throws ConfigurationError when the template has no placeholder: baseline and canary
 *   would then read the same series.
 */
export function renderQuery(metric: CanaryMetricConfig, label: string): string {
  const template = metric.query;
  if (!template) throw new ConfigurationError(`canary metric '${metric.name}' has no query; the prometheus source needs one`);
  if (!template.includes(GROUP_PLACEHOLDER)) {
    throw new ConfigurationError(`the query of canary metric '${metric.name}' has no ${GROUP_PLACEHOLDER} placeholder, so baseline and canary would read the same series`);
  }
  return template.split(GROUP_PLACEHOLDER).join(promqlString(label));
}
