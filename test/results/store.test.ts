import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '../../src/io/errors.js';
import { readResult, readResults, resultFileName, writeResult } from '../../src/results/store.js';
import { RESULT_SCHEMA, type Result } from '../../src/results/types.js';
import { tempDir } from '../support/temp.js';

function result(id: string, extra: Partial<Result> = {}): Result {
  return {
    schema: RESULT_SCHEMA,
    id,
    kind: 'contract',
    subject: { model: 'm', candidateVersion: '1.0.0' },
    verdict: 'pass',
    summary: 'ok',
    metrics: { a: 1 },
    checks: [],
    findings: [],
    provenance: { tool: 'model-gates', version: '0.1.0', inputsDigest: `sha256:${'0'.repeat(64)}`, startedAt: '2026-01-01T00:00:00.000Z', finishedAt: '2026-01-01T00:00:01.000Z' },
    ...extra,
  };
}

async function problemsOf(promise: Promise<unknown>): Promise<{ message: string; file?: string }[]> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof ConfigurationError)) throw new Error(`expected a ConfigurationError, got ${String(error)}`);
  return error.problems.map((p) => ({ message: p.message, ...(p.location ? { file: p.location.file } : {}) }));
}

describe('result store', () => {
  it('writes <id>.json (shards apart) and reads it back', async () => {
    const dir = await tempDir('mg-results-');
    const path = await writeResult(dir, result('contract'));
    expect(path).toBe(join(dir, 'contract.json'));
    expect(await readResult(path)).toEqual(result('contract'));
    expect(resultFileName({ id: 'regression', shard: { index: 2, count: 8 } })).toBe('regression.shard-2-of-8.json');
  });

  it('refuses to write an invalid result (a bug, not a user error) and writes nothing', async () => {
    const dir = await tempDir('mg-results-');
    const bad = result('contract', { verdict: 'maybe' as Result['verdict'] });
    const error = await writeResult(dir, bad).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(ConfigurationError);
    expect(String(error)).toContain("'verdict' must be one of: pass, marginal, fail, error");
    expect(await readdir(dir)).toEqual([]);
  });

  it('readResults returns results in file-name order and reports every bad file together', async () => {
    const dir = await tempDir('mg-results-');
    await writeResult(dir, result('b'));
    await writeResult(dir, result('a'));
    await writeFile(join(dir, 'notes.txt'), 'ignored');
    expect((await readResults(dir)).map((r) => r.id)).toEqual(['a', 'b']);

    await writeFile(join(dir, 'c.json'), '{ not json');
    await writeFile(join(dir, 'd.json'), JSON.stringify({ ...result('d'), schema: 'model-gates/result@9' }));
    await mkdir(join(dir, 'e.json'));
    const problems = await problemsOf(readResults(dir));
    expect(problems.map((p) => p.file)).toEqual([join(dir, 'c.json'), join(dir, 'd.json'), join(dir, 'e.json')]);
    expect(problems[0]?.message).toMatch(/^not valid JSON/);
    expect(problems[1]?.message).toContain("'schema' must be \"model-gates/result@1\"");
    expect(problems[2]?.message).toContain('is a directory');
  });

  it('names a missing results directory, a directory that is a file, and a missing result file', async () => {
    const dir = await tempDir('mg-results-');
    expect(await problemsOf(readResults(join(dir, 'none')))).toEqual([{ message: 'results directory not found', file: join(dir, 'none') }]);
    await writeFile(join(dir, 'file'), 'x');
    expect(await problemsOf(readResults(join(dir, 'file')))).toEqual([{ message: 'results directory is a file, expected a directory', file: join(dir, 'file') }]);
    expect(await problemsOf(readResult(join(dir, 'x.json')))).toEqual([{ message: 'result file not found', file: join(dir, 'x.json') }]);
  });
});
