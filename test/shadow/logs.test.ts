import { cp, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { describe, expect, it } from 'vitest';
import type { Environment } from '../../src/command.js';
import { parseInputs } from '../../src/inputs/spec.js';
import { evaluateGate } from '../../src/gate/policy.js';
import { ConfigurationError } from '../../src/io/errors.js';
import { schemaProblems } from '../../src/io/schema.js';
import { MemoryLogger } from '../../src/io/log.js';
import { renderFull } from '../../src/report/render.js';
import { readResult } from '../../src/results/store.js';
import { shadowCommand } from '../../src/shadow/command.js';
import { readLogs } from '../../src/shadow/records.js';
import { peakRate, RateLimiter } from '../../src/shadow/replay.js';
import { repoRoot } from '../support/node24.js';
import { EmbeddingServer } from '../support/openai-server.js';
import { tempDir } from '../support/temp.js';

async function exampleWorkspace(): Promise<string> {
  const dir = await tempDir('mg-shadow-logs-');
  await cp(join(repoRoot, 'examples'), dir, { recursive: true });
  return dir;
}

function environment(workspace: string): Environment {
  return {
    log: new MemoryLogger(),
    context: { commit: null, ref: null, repository: null, runUrl: null, baseCommit: null, pullRequest: null, workspace },
    env: {},
    setSecret: () => {},
    runner: 'actions',
  };
}

async function run(workspace: string, raw: Record<string, string>) {
  const inputs = parseInputs(shadowCommand.inputs, (name) => raw[name], 'cli');
  return shadowCommand.run(inputs, environment(workspace));
}

const EXAMPLE = {
  mode: 'logs',
  model: 'search-embedder',
  version: '2.0.0',
  'production-version': '1.4.0',
  logs: 'shadow/mirrored.jsonl',
  reference: 'shadow/reference.jsonl',
  'reference-production': 'file:shadow/reference-production.jsonl',
  'reference-candidate': 'file:shadow/reference-candidate.jsonl',
  contract: 'models/search-embedder/contract.yml',
};

describe('shadow on mirrored logs (the bundled example)', () => {
  it('fails the French segment only, with the most different French requests escaped in the report', async () => {
    const dir = await exampleWorkspace();
    const outcome = await run(dir, EXAMPLE);
    expect(outcome.outputs.verdict).toBe('fail');
    const result = await readResult(outcome.outputs['result-file'] as string);
    const answers = result.checks.find((c) => c.id === 'answers');
    expect(answers?.segments?.filter((s) => s.verdict === 'fail').map((s) => s.segment)).toEqual(['fr']);
    expect(result.checks.find((c) => c.id === 'contract')?.verdict).toBe('pass');
    expect(result.checks.find((c) => c.id === 'latency')?.verdict).toBe('pass');
    expect(result.metrics['shadow.requests']).toBe(180);
    const report = renderFull([result], { header: 'shadow', serverUrl: 'https://github.com', repository: null, commit: null, runUrl: null, artifact: null, toolVersion: 'test' });
    expect(report).toContain('x-axis ["de", "en", "fr"]');
    expect(report).toContain('x-axis ["p50", "p95", "p99"]');
    expect(report).toMatch(/Most regressed items in Answers/);

    // gate: a policy requiring a shadow result fails on this one, and passes when it passes.
    const policy = { requiredChecks: { kinds: ['shadow' as const] }, thresholds: [{ metric: 'shadow.contract_violations', op: '==' as const, value: 0, result: 'shadow' }] };
    expect(schemaProblems('config', { gate: policy })).toEqual([]);
    const gate = (results: typeof result[]) => evaluateGate({ policy, results, pullRequest: null, teamsOf: {}, environmentApprovals: null });
    expect(gate([result]).decision).toBe('fail');
    expect(gate([{ ...result, verdict: 'pass' }]).decision).toBe('pass');
    expect(gate([]).reasons.join(' ')).toContain('The required shadow result is missing.');
  });

  it('compares a JSON model on an output field: label agreement per segment', async () => {
    const dir = await tempDir('mg-shadow-json-');
    const lines: string[] = [];
    for (let i = 0; i < 120; i++) {
      const segment = i % 2 === 0 ? 'support' : 'sales';
      const label = `topic-${i % 5}`;
      const candidateLabel = segment === 'sales' && i % 4 !== 1 ? 'other' : label;
      lines.push(JSON.stringify({ id: `r${i}`, version: 'v1', status: 200, latency_ms: 10 + (i % 7), segment, input: `ticket ${i} <b>@team</b>`, output: { label } }));
      lines.push(JSON.stringify({ id: `r${i}`, version: 'v2', status: 200, latency_ms: 10 + ((i + 3) % 7), output: { label: candidateLabel } }));
    }
    await writeFile(join(dir, 'logs.jsonl'), `${lines.join('\n')}\n`);
    const outcome = await run(dir, { mode: 'logs', model: 'router', version: 'v2', 'production-version': 'v1', logs: 'logs.jsonl', answers: 'json', field: 'label', 'min-agreement': '0.9' });
    const result = await readResult(outcome.outputs['result-file'] as string);
    const answers = result.checks.find((c) => c.id === 'answers');
    expect(answers?.segments?.map((s) => [s.segment, s.candidate, s.verdict])).toEqual([
      ['sales', 0.5, 'fail'],
      ['support', 1, 'pass'],
    ]);
    expect(result.metrics['shadow.field.agreement']).toBe(0.75);
    expect(outcome.summary).toContain('&lt;`b>@team`&lt;/b&gt;');
    expect(outcome.summary).not.toContain('<b>');
  });
});

describe('shadow on a JSON model with a numeric output field', () => {
  it('judges the mean |difference| against max-difference, per segment', async () => {
    const dir = await tempDir('mg-shadow-numeric-');
    const lines: string[] = [];
    for (let i = 0; i < 80; i++) {
      const segment = i < 40 ? 'short' : 'long';
      const score = (i % 10) / 10;
      const shift = segment === 'long' ? 0.3 : (i % 3) * 0.01;
      lines.push(JSON.stringify({ id: `r${i}`, version: 'v1', status: 'ok', latency_ms: 20 + (i % 7), segment, output: { scores: { spam: score } } }));
      lines.push(JSON.stringify({ id: `r${i}`, version: 'v2', status: 'ok', latency_ms: 20 + ((i + 3) % 7), output: { scores: { spam: score + shift } } }));
    }
    await writeFile(join(dir, 'logs.jsonl'), `${lines.join('\n')}\n`);
    const outcome = await run(dir, { mode: 'logs', model: 'spam', version: 'v2', 'production-version': 'v1', logs: 'logs.jsonl', answers: 'json', field: 'scores.spam', 'max-difference': '0.1' });
    const result = await readResult(outcome.outputs['result-file'] as string);
    const answers = result.checks.find((c) => c.id === 'answers');
    expect(answers?.segments?.map((s) => [s.segment, s.verdict])).toEqual([
      ['long', 'fail'],
      ['short', 'pass'],
    ]);
    // Mean |difference|: long 0.3, short (0 + 0.01 + 0.02)/3 on average.
    expect(answers?.segments?.[0]?.candidate).toBeCloseTo(0.3, 10);
    expect(result.metrics['shadow.field.mean_abs_difference']).toBeCloseTo((0.3 * 40 + 0.01 * 13 + 0.02 * 13) / 80, 10);
    expect(result.verdict).toBe('fail');
  });
});

describe('shadow: bad logs give a clear error naming the file and line, and no result', () => {
  async function failing(content: string, extra: Record<string, string> = {}): Promise<ConfigurationError> {
    const dir = await tempDir('mg-shadow-bad-');
    await writeFile(join(dir, 'logs.jsonl'), content);
    // answers: json, so that nothing but the logs is needed before they are read.
    const inputs = { mode: 'logs', model: 'm', version: 'v2', 'production-version': 'v1', logs: 'logs.jsonl', answers: 'json', field: 'label', 'min-agreement': '0.9', ...extra };
    const error = await run(dir, inputs).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigurationError);
    await expect(readdir(join(dir, 'model-gates-results'))).rejects.toThrow();
    return error as ConfigurationError;
  }
  const good = (id: string, version: string) => JSON.stringify({ id, version, status: 200, latency_ms: 5, embedding: [0.6, 0.8] });

  it('a line without an id', async () => {
    const error = await failing(`${good('a', 'v1')}\n${JSON.stringify({ version: 'v2', status: 200, embedding: [1, 0] })}\n`);
    expect(error.problems[0]).toMatchObject({ location: { file: 'logs.jsonl', line: 2 } });
    expect(error.message).toContain('"id" must be a non-empty string');
  });

  it('ids answered by one side only', async () => {
    const error = await failing(`${good('a', 'v1')}\n${good('a', 'v2')}\n${good('b', 'v1')}\n${good('c', 'v2')}\n`);
    expect(error.problems.map((p) => [p.location?.line, p.message])).toEqual([
      [3, 'id "b" has a production answer but no candidate answer: every request needs both'],
      [4, 'id "c" has a candidate answer but no production answer: every request needs both'],
    ]);
  });

  it('a non-finite vector', async () => {
    const error = await failing(`${good('a', 'v1')}\n{"id": "a", "version": "v2", "status": 200, "embedding": [NaN, 1]}\n`);
    expect(error.problems[0]).toMatchObject({ location: { file: 'logs.jsonl', line: 2 } });
    expect(error.message).toContain('non-finite');
  });

  it('an unknown version, a duplicate answer, a bad status', async () => {
    expect((await failing(`${good('a', 'v3')}\n`)).message).toMatch(/logs\.jsonl:1: "version" of id "a" is "v3"; expected the production version "v1" or the candidate version "v2"/);
    expect((await failing(`${good('a', 'v1')}\n${good('a', 'v1')}\n`)).message).toMatch(/logs\.jsonl:2: a second production answer for id "a" \(first at logs\.jsonl:1\)/);
    expect((await failing(`${JSON.stringify({ id: 'a', version: 'v1', status: 'fine' })}\n`)).message).toMatch(/"status" of id "a" must be an HTTP status \(100-599\) or one of ok, error, timeout/);
  });

  it('inputs of the other mode, and a strict mode value', async () => {
    expect((await failing(`${good('a', 'v1')}\n`, { requests: 'r.jsonl' })).message).toContain("input 'requests' is for mode: replay");
    expect(() => parseInputs(shadowCommand.inputs, (name) => ({ mode: 'mirror', model: 'm', version: 'v' })[name], 'cli')).toThrow(/replay, logs/);
  });
});

describe('readLogs', () => {
  it('reads Parquet logs (the columns a sidecar writes) like JSONL', async () => {
    const dir = await tempDir('mg-shadow-parquet-');
    const buffer = parquetWriteBuffer({
      columnData: [
        { name: 'id', data: ['a', 'a', 'b', 'b'] },
        { name: 'version', data: ['v1', 'v2', 'v1', 'v2'] },
        { name: 'status', data: [200, 200, 200, 504] },
        { name: 'latency_ms', data: [5.5, 6.5, 7, 30000] },
        { name: 'embedding', data: [[0.6, 0.8], [0.8, 0.6], [1, 0], null] },
      ],
      schema: [
        { name: 'root', num_children: 5 },
        { name: 'id', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'REQUIRED' },
        { name: 'version', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'REQUIRED' },
        { name: 'status', type: 'INT32', repetition_type: 'REQUIRED' },
        { name: 'latency_ms', type: 'DOUBLE', repetition_type: 'OPTIONAL' },
        { name: 'embedding', repetition_type: 'OPTIONAL', converted_type: 'LIST', num_children: 1 },
        { name: 'list', repetition_type: 'REPEATED', num_children: 1 },
        { name: 'element', type: 'DOUBLE', repetition_type: 'OPTIONAL' },
      ],
    });
    await writeFile(join(dir, 'logs.parquet'), new Uint8Array(buffer));
    const records = await readLogs([{ path: join(dir, 'logs.parquet'), displayName: 'logs.parquet' }], { production: 'v1', candidate: 'v2' });
    expect(records.map((r) => [r.id, r.production.outcome, r.candidate.outcome, r.candidate.latencyMs])).toEqual([
      ['a', 'ok', 'ok', 6.5],
      ['b', 'ok', 'timeout', 30000],
    ]);
    expect(records[0]?.candidate.value).toEqual([0.8, 0.6]);
  });
});

describe('peakRate and RateLimiter', () => {
  it('counts the most starts in any one-second window [t, t + 1 s)', () => {
    expect(peakRate([])).toBe(0);
    expect(peakRate([0, 100, 999.9, 1000, 1500])).toBe(3);
    expect(peakRate([0, 1000, 2000])).toBe(1);
  });

  it('spaces starts so that no second holds more than maxRps', async () => {
    const limiter = new RateLimiter(50);
    await Promise.all(Array.from({ length: 60 }, () => limiter.acquire()));
    expect(limiter.starts).toHaveLength(60);
    expect(limiter.peakRps()).toBeLessThanOrEqual(50);
    // Near the limit, not far below it (timers on a busy machine may fire late, never early).
    expect(limiter.peakRps()).toBeGreaterThanOrEqual(30);
  });
});

describe('shadow: the reference corpus sources are checked first', () => {
  it('a missing candidate file fails before production embeds a document', async () => {
    const dir = await exampleWorkspace();
    const server = await new EmbeddingServer({ dimension: 64 }).start();
    try {
      const inputs = { ...EXAMPLE, 'reference-production': `openai:${server.url}`, 'reference-candidate': 'file:shadow/reference-candidate-2.jsonl' };
      await expect(run(dir, inputs)).rejects.toThrow(/reference-candidate-2\.jsonl/);
      expect(server.requests).toHaveLength(0);
      await expect(readdir(join(dir, 'model-gates-results'))).rejects.toThrow();
    } finally {
      await server.stop();
    }
  });
});

describe('shadow never passes a check it could not judge', () => {
  const answer = (id: string, version: string, label: string, extra: Record<string, unknown> = {}) => JSON.stringify({ id, version, status: 200, latency_ms: 10 + (id.length % 5), output: { label }, ...extra });
  async function logs(lines: string[], name = 'logs.jsonl'): Promise<string> {
    const dir = await tempDir('mg-shadow-closed-');
    await writeFile(join(dir, name), `${lines.join('\n')}\n`);
    return dir;
  }
  const labels = (n: number, extra: (side: string) => Record<string, unknown> = () => ({})) =>
    Array.from({ length: n }, (_, i) => [answer(`r${i}`, 'v1', i % 3 ? 'ham' : 'spam', extra('production')), answer(`r${i}`, 'v2', i % 3 ? 'ham' : 'spam', extra('candidate'))]).flat();
  const json = { mode: 'logs', model: 'spam', version: 'v2', 'production-version': 'v1', logs: 'logs.jsonl', answers: 'json', field: 'label' };

  it('refuses embeddings without a reference corpus, and JSON answers without a threshold, before reading anything', async () => {
    const dir = await exampleWorkspace();
    const { reference: _r, 'reference-production': _p, 'reference-candidate': _c, ...withoutReference } = EXAMPLE;
    await expect(run(dir, withoutReference)).rejects.toThrow(/answers: embeddings needs the reference corpus .*nothing could fail them/);
    await expect(run(await logs(labels(40)), json)).rejects.toThrow(/answers: json needs input 'min-agreement' \(a label field\) or 'max-difference'/);
    await expect(readdir(join(dir, 'model-gates-results'))).rejects.toThrow();
  });

  it('a label field judged only with max-difference, or logs without latencies, are errors, not passes', async () => {
    const agreeing = await run(await logs(labels(60)), { ...json, 'min-agreement': '0.9' });
    expect(agreeing.outputs.verdict).toBe('pass');

    const wrongThreshold = await readResult((await run(await logs(labels(60)), { ...json, 'max-difference': '0.1' })).outputs['result-file'] as string);
    expect(wrongThreshold.checks.find((c) => c.id === 'answers')).toMatchObject({ verdict: 'error' });
    expect(wrongThreshold.verdict).toBe('error');

    const noLatency = await readResult((await run(await logs(labels(60, () => ({ latency_ms: null }))), { ...json, 'min-agreement': '0.9' })).outputs['result-file'] as string);
    expect(noLatency.checks.find((c) => c.id === 'latency')).toMatchObject({ verdict: 'error', summary: 'not judged: no latencies were recorded' });
    expect(noLatency.verdict).toBe('error');

    // Latencies on 20 of the 60 candidate answers (lines alternate production, candidate): not a sample of the traffic.
    const lines = labels(60).map((line, i) => (i % 2 === 1 && i % 3 !== 0 ? line.replace(/"latency_ms":\d+,/, '"latency_ms":null,') : line));
    const partial = await readResult((await run(await logs(lines), { ...json, 'min-agreement': '0.9' })).outputs['result-file'] as string);
    expect(partial.checks.find((c) => c.id === 'latency')?.summary).toBe('not judged: latencies of 60 of 60 production and 20 of 60 candidate answers, fewer than half of one side');
    expect(partial.verdict).toBe('error');
  });

  it('production answers that break the rules do not count as answered', async () => {
    // Without a contract the first vector fixes the dimension: every third production answer has another one.
    const lines = Array.from({ length: 60 }, (_, i) => [
      JSON.stringify({ id: `r${i}`, version: 'v1', status: 200, latency_ms: 10, embedding: i % 3 === 1 ? [1, 0, 0] : [0.6, 0.8] }),
      JSON.stringify({ id: `r${i}`, version: 'v2', status: 200, latency_ms: 10, embedding: [0.6, 0.8] }),
    ]).flat();
    const dir = await logs(lines);
    await writeFile(join(dir, 'reference.jsonl'), `${['d0', 'd1', 'd2'].map((id) => JSON.stringify({ id, text: id })).join('\n')}\n`);
    await writeFile(join(dir, 'vectors.jsonl'), `${[[1, 0], [0, 1], [0.6, 0.8]].map((v, i) => JSON.stringify({ id: `d${i}`, embedding: v })).join('\n')}\n`);
    const outcome = await run(dir, { mode: 'logs', model: 'm', version: 'v2', 'production-version': 'v1', logs: 'logs.jsonl', reference: 'reference.jsonl', 'reference-production': 'file:vectors.jsonl', 'reference-candidate': 'file:vectors.jsonl', k: '2' });
    const result = await readResult(outcome.outputs['result-file'] as string);
    expect(result.metrics['shadow.production_answered']).toBe(40);
    expect(result.verdict).toBe('error');
    expect(result.findings.map((f) => f.message).join('\n')).toMatch(/production answered only 40 of 60 requests validly/);
  });

  it('reads logs with a byte-order mark, and names every line that is not a JSON object, or bytes that are not UTF-8', async () => {
    const bom = await logs([`\ufeff${labels(40)[0]!}`, ...labels(40).slice(1)]);
    expect((await run(bom, { ...json, 'min-agreement': '0.9' })).outputs.verdict).toBe('pass');

    const broken = await logs([answer('a', 'v1', 'ham'), '{"id": "b",', '[1, 2]', answer('a', 'v2', 'ham'), 'not json']);
    const error = (await run(broken, { ...json, 'min-agreement': '0.9' }).catch((e: unknown) => e)) as ConfigurationError;
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error.problems.map((p) => [p.location?.line, p.message])).toEqual([
      [2, 'not valid JSON: expected one object per line'],
      [3, 'expected a JSON object'],
      [5, 'not valid JSON: expected one object per line'],
    ]);

    const latin1 = await tempDir('mg-shadow-latin1-');
    await writeFile(join(latin1, 'logs.jsonl'), Buffer.concat([Buffer.from(`${answer('a', 'v1', 'ham')}\n`), Buffer.from('{"id": "b", "version": "v1", "output": {"label": "caf'), Buffer.from([0xe9]), Buffer.from('"}}\n')]));
    await expect(run(latin1, { ...json, 'min-agreement': '0.9' })).rejects.toThrow(/logs\.jsonl:2: not valid UTF-8 at byte \d+ \(0xe9\)/);
  });
});
