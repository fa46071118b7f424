import type { EndpointConfig } from '../config/types.js';
import type { SourceLocation } from '../io/errors.js';
import type { SourceDocument } from '../io/yaml.js';
import type { Finding, Row } from '../results/types.js';
import { percentile, requestEmbeddings, vectorProblems } from './endpoint.js';
import type { Contract } from './types.js';
import { compileUserSchema, userSchemaErrors } from './user-schema.js';

/** Requests sent to measure latency when the config does not say. */
export const DEFAULT_REQUESTS = 20;
export const DEFAULT_TIMEOUT_MS = 30_000;

/**
 * Checks that the contract's own schemas compile and that every example input validates
 * against `io.input`. Every error is reported, each at the line of the offending value
 * inside the example.
 */
export function checkExamples(contract: Contract, source: SourceDocument): Finding[] {
  const findings: Finding[] = [];
  const compiled: Partial<Record<'input' | 'output', ReturnType<typeof compileUserSchema>>> = {};
  for (const side of ['input', 'output'] as const) {
    const result = compileUserSchema(contract.io[side]);
    compiled[side] = result;
    if ('error' in result) {
      findings.push({ rule: 'examples/schema', severity: 'error', message: `io.${side} is not a usable JSON Schema: ${result.error}`, location: source.locate(['io', side]) });
    }
  }
  const input = compiled.input;
  if (!input || 'error' in input) return findings;
  for (const [index, example] of (contract.examples ?? []).entries()) {
    const name = example.name ? `example '${example.name}'` : `example ${index + 1}`;
    for (const error of userSchemaErrors(input.validate, example.input)) {
      findings.push({
        rule: 'examples/input',
        severity: 'error',
        message: `${name} does not match io.input: ${error.message}`,
        location: source.locate(['examples', index, 'input', ...error.path]),
      });
    }
  }
  return findings;
}

/** The text an example sends to an embeddings endpoint: the input itself, or its `text` field. */
export function exampleText(input: unknown): string | undefined {
  if (typeof input === 'string') return input;
  const text = (input as { text?: unknown } | null)?.text;
  return typeof text === 'string' ? text : undefined;
}

export interface EndpointTestOptions {
  contract: Contract;
  source: SourceDocument;
  endpoint: EndpointConfig;
  /** The API key, already read from the environment; undefined when none is configured. */
  apiKey?: string;
  /** Where `contract.endpoint` sits in the config file, for request failures. */
  configLocation?: SourceLocation;
  /** Logs progress. */
  info(message: string): void;
}

export interface EndpointTestOutcome {
  findings: Finding[];
  rows: Row[];
  metrics: Record<string, number | null>;
}

/**
 * Contract tests against the candidate's OpenAI-compatible endpoint. Sends one warm-up
 * request (checked, not timed), then `requests` single-text requests, one after another,
 * cycling through the examples; checks every
 * returned vector (the contract's dimension, finite values, unit norm within tolerance
 * when normalised, the output schema) and the p95 latency (nearest rank, milliseconds)
 * against `limits.p95LatencyMs`. The first failing request (HTTP error, timeout, refused
 * connection) ends the test with an error finding; the latency is then not judged.
 */
export async function runEndpointTests(options: EndpointTestOptions): Promise<EndpointTestOutcome> {
  const { contract, source, endpoint } = options;
  const findings: Finding[] = [];
  const rows: Row[] = [];
  const metrics: Record<string, number | null> = { 'endpoint.requests': 0, 'endpoint.p95LatencyMs': null };
  const embedding = contract.embedding;
  const fail = (rule: string, message: string, location?: SourceLocation): void => {
    findings.push({ rule, severity: 'error', message, ...(location ? { location } : {}) });
  };
  if (!embedding) {
    findings.push({ rule: 'endpoint/skipped', severity: 'warning', message: 'contract.endpoint is configured, but endpoint tests need an embedding model (this contract has no embedding section)', location: source.locate(['task']) });
    return { findings, rows, metrics };
  }
  const texts = (contract.examples ?? []).map((e) => exampleText(e.input));
  const missing = texts.findIndex((t) => t === undefined);
  if (texts.length === 0) {
    fail('endpoint/examples', 'contract.endpoint is configured, but the contract has no examples to send', source.locate(['examples']));
    return { findings, rows, metrics };
  }
  if (missing >= 0) {
    fail('endpoint/examples', `example ${missing + 1} has neither a string input nor a string 'text' field, so it cannot be sent to an embeddings endpoint`, source.locate(['examples', missing, 'input']));
    return { findings, rows, metrics };
  }
  const output = compileUserSchema(contract.io.output);
  const requests = endpoint.requests ?? DEFAULT_REQUESTS;
  const target = { url: endpoint.url, timeoutMs: endpoint.timeoutMs ?? DEFAULT_TIMEOUT_MS, ...(endpoint.model ? { model: endpoint.model } : {}), ...(options.apiKey ? { apiKey: options.apiKey } : {}) };
  const tolerance = embedding.dtype === 'float32' ? 1e-3 : 1e-2;
  // One finding per rule: the first response that showed it, and how many more did.
  const problems = new Map<string, { message: string; location: SourceLocation; count: number; example: number }>();
  const note = (rule: string, message: string, location: SourceLocation, example: number): void => {
    const seen = problems.get(rule);
    if (seen) seen.count++;
    else problems.set(rule, { message, location, count: 1, example });
  };
  const latencies: number[] = [];
  options.info(`contract tests: 1 warm-up and ${requests} timed request(s) to the candidate endpoint`);
  // Request 0 warms up the connection (and the server's caches); it is checked but not timed.
  for (let i = 0; i <= requests; i++) {
    const example = (i === 0 ? 0 : i - 1) % texts.length;
    const response = await requestEmbeddings(target, [texts[example] as string]);
    if (!response.ok) {
      const which = i === 0 ? 'the warm-up request' : `request ${i} of ${requests}`;
      fail('endpoint/request', `the candidate endpoint failed on ${which}: ${response.error}`, options.configLocation);
      break;
    }
    if (i > 0) latencies.push(response.latencyMs);
    metrics['endpoint.requests'] = latencies.length;
    const vector = response.vectors[0];
    for (const problem of vectorProblems(vector, embedding.dimension, embedding.normalized, tolerance)) {
      const rule = problem.startsWith('dimension') ? 'endpoint/dimension' : problem.startsWith('L2 norm') ? 'endpoint/norm' : 'endpoint/finite';
      const field = rule === 'endpoint/dimension' ? 'dimension' : rule === 'endpoint/norm' ? 'normalized' : 'dtype';
      note(rule, problem, source.locate(['embedding', field]), example);
    }
    if ('validate' in output && Array.isArray(vector)) {
      const value = contract.io.output.type === 'array' ? vector : { embedding: vector };
      for (const error of userSchemaErrors(output.validate, value)) note('endpoint/output-schema', `the response does not match io.output: ${error.message}`, source.locate(['io', 'output']), example);
    }
  }
  for (const [rule, problem] of problems) {
    const more = problem.count > 1 ? ` (and ${problem.count - 1} more response(s))` : '';
    fail(rule, `endpoint response for example ${problem.example + 1}${more}: ${problem.message}`, problem.location);
  }
  const budget = contract.limits?.p95LatencyMs;
  const measured = latencies.length === requests ? percentile(latencies, 95) : null;
  metrics['endpoint.p95LatencyMs'] = measured === null ? null : round(measured);
  const row: Row = { metric: 'p95 latency (ms)', candidate: measured === null ? null : round(measured), higherIsBetter: false };
  if (measured === null) row.note = 'not measured: the endpoint failed';
  else if (budget === undefined) row.note = `over ${requests} request(s); no budget in limits.p95LatencyMs`;
  else {
    row.note = `over ${requests} request(s); budget ${budget} ms`;
    row.verdict = measured <= budget ? 'pass' : 'fail';
    if (measured > budget) {
      fail('endpoint/latency', `p95 latency ${round(measured)} ms over ${requests} request(s) exceeds the budget limits.p95LatencyMs = ${budget} ms`, source.locate(['limits', 'p95LatencyMs']));
    }
  }
  rows.push(row, { metric: 'timed requests answered', candidate: latencies.length, note: `of ${requests}, after 1 warm-up request` });
  return { findings, rows, metrics };
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}
