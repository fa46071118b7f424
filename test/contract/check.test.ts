import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkContract, type ContractCheckOptions } from '../../src/contract/check.js';
import type { ContractConfig } from '../../src/config/types.js';
import { ConfigurationError } from '../../src/io/errors.js';
import { schemaProblems } from '../../src/io/schema.js';
import { withProvenance } from '../../src/results/provenance.js';
import type { Finding } from '../../src/results/types.js';
import { CANDIDATE, PRODUCTION, edit, exampleWorkspace, lineOf, testEnvironment, type TestEnvironment } from './helpers.js';

const PRODUCTION_DIGEST = 'sha256:4f1c2a9be0d6a1c3e5f7091b2d4c6e8fa0b2c4d6e8f0a1b3c5d7e9f1a3b5c7d9';
const CANDIDATE_DIGEST = 'sha256:9a8b7c6d5e4f30211f2e3d4c5b6a79880f1e2d3c4b5a69788796a5b4c3d2e1f0';

async function check(workspace: string, options: Partial<ContractCheckOptions> & { env?: TestEnvironment } = {}) {
  const environment = options.env ?? testEnvironment(workspace);
  const outcome = await checkContract({
    contractPath: CANDIDATE,
    production: PRODUCTION,
    checkId: 'contract',
    config: {},
    environment,
    ...options,
  });
  // Every result the check builds must be valid against the published schema.
  const result = withProvenance(outcome.result, environment.context, {}, new Date());
  expect(schemaProblems('result', result)).toEqual([]);
  return { ...outcome, environment, findings: outcome.result.findings, changes: outcome.result.details?.changes as { kind: string; path: string; message: string }[] };
}

/** The candidate in production's space: same space id and artifact, with a new version. */
async function sameSpace(workspace: string, version: string, ...more: [string | RegExp, string][]): Promise<string> {
  return edit(workspace, CANDIDATE, ['version: 2.0.0', `version: ${version}`], ['space: search-v2', 'space: search-v1'], [CANDIDATE_DIGEST, PRODUCTION_DIGEST], ...more);
}

function errors(findings: Finding[]): Finding[] {
  return findings.filter((f) => f.severity === 'error');
}

describe('checkContract: the example', () => {
  it('passes the example candidate with a major bump and a new space id, and asks for a re-index', async () => {
    const workspace = await exampleWorkspace();
    const outcome = await check(workspace, { config: { lineage: { required: ['trainingData', 'codeCommit'] } } });
    expect(outcome.result.verdict).toBe('pass');
    expect(outcome.requiredBump).toBe('major');
    expect(outcome.reindexRequired).toBe(true);
    expect(outcome.result.subject).toMatchObject({ model: 'search-embedder', candidateVersion: '2.0.0', productionVersion: '1.4.0' });
    expect(outcome.changes).toContainEqual(expect.objectContaining({ kind: 'index-breaking', path: 'embedding.space' }));
    expect(outcome.changes).toContainEqual(expect.objectContaining({ kind: 'additive', path: 'io.input.properties.truncate' }));
    expect(outcome.result.metrics['contract.indexBreaking']).toBe(1);
    expect(outcome.result.metrics['contract.breaking']).toBe(0);
    expect(outcome.result.metrics['contract.additive']).toBe(1);
    expect(outcome.findings).toContainEqual(expect.objectContaining({ rule: 'space/reindex', severity: 'warning' }));
    expect(outcome.environment.log.lines.filter((l) => l.level === 'error')).toEqual([]);
    expect(outcome.result.checks.map((c) => c.id)).toEqual(['compatibility', 'examples', 'lineage']);
  });
});

describe('checkContract: version bumps', () => {
  it('fails a breaking change with only a minor bump, at the line of the field, and logs it as an error', async () => {
    const workspace = await exampleWorkspace();
    const text = await sameSpace(workspace, '1.5.0', ['text: { type: string, maxLength: 2048 }', 'text: { type: string, maxLength: 1024 }']);
    const outcome = await check(workspace);
    expect(outcome.result.verdict).toBe('fail');
    expect(outcome.requiredBump).toBe('major');
    expect(outcome.reindexRequired).toBe(false);
    const failures = errors(outcome.findings);
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatchObject({ rule: 'compatibility/breaking', location: { file: CANDIDATE, line: lineOf(text, 'maxLength: 1024') } });
    expect(failures[0]?.message).toContain('maxLength 2048 → 1024');
    expect(failures[0]?.message).toContain('1.4.0 → 1.5.0 is a minor bump');
    expect(outcome.environment.log.lines).toContainEqual({ level: 'error', message: failures[0]?.message, location: failures[0]?.location });
  });

  it('passes the same breaking change with a major bump', async () => {
    const workspace = await exampleWorkspace();
    await sameSpace(workspace, '2.0.0', ['text: { type: string, maxLength: 2048 }', 'text: { type: string, maxLength: 1024 }']);
    const outcome = await check(workspace);
    expect(outcome.result.verdict).toBe('pass');
    expect(outcome.requiredBump).toBe('major');
    expect(outcome.result.metrics['contract.breaking']).toBe(1);
  });

  it('fails an additive change (a new optional input) with only a patch bump', async () => {
    const workspace = await exampleWorkspace();
    const text = await sameSpace(workspace, '1.4.1');
    const outcome = await check(workspace);
    expect(outcome.requiredBump).toBe('minor');
    expect(errors(outcome.findings)).toEqual([
      expect.objectContaining({ rule: 'compatibility/additive', location: expect.objectContaining({ line: lineOf(text, 'truncate:') }) }),
    ]);
  });

  it('passes an additive change with a minor bump, and metadata-only changes with a patch bump', async () => {
    const additive = await exampleWorkspace();
    await sameSpace(additive, '1.5.0');
    expect((await check(additive)).result.verdict).toBe('pass');

    const metadata = await exampleWorkspace();
    await sameSpace(metadata, '1.4.1', ['      truncate: { type: boolean }\n', '']);
    const outcome = await check(metadata);
    expect(outcome.result.verdict).toBe('pass');
    expect(outcome.requiredBump).toBe('patch');
    expect(new Set(outcome.changes.map((c) => c.kind))).toEqual(new Set(['metadata']));
  });

  it('fails a version that does not increase, equal or lower', async () => {
    for (const version of ['1.4.0', '1.3.9', '1.4.0-rc.1']) {
      const workspace = await exampleWorkspace();
      const text = await sameSpace(workspace, version);
      const outcome = await check(workspace);
      expect(outcome.result.verdict, version).toBe('fail');
      expect(errors(outcome.findings), version).toEqual([
        expect.objectContaining({ rule: 'version/increase', location: expect.objectContaining({ line: lineOf(text, `version: ${version}`) }) }),
      ]);
    }
  });

  it('fails a lower version even when nothing else changed', async () => {
    const workspace = await exampleWorkspace();
    // The candidate is production's contract at 1.4.0; production moved on to 1.4.1.
    await writeFile(join(workspace, 'production', 'search-embedder', 'lower.yml'), await readFile(join(workspace, PRODUCTION), 'utf8'));
    await edit(workspace, PRODUCTION, ['version: 1.4.0', 'version: 1.4.1']);
    const lower = await check(workspace, { contractPath: 'production/search-embedder/lower.yml' });
    expect(lower.result.verdict).toBe('fail');
    expect(errors(lower.findings)).toEqual([expect.objectContaining({ rule: 'version/increase', message: expect.stringContaining('is lower than production 1.4.1') })]);
  });

  it('passes a contract identical to production with a notice', async () => {
    const workspace = await exampleWorkspace();
    const outcome = await check(workspace, { contractPath: PRODUCTION });
    expect(outcome.result.verdict).toBe('pass');
    expect(outcome.requiredBump).toBe('none');
    expect(outcome.findings).toContainEqual(expect.objectContaining({ rule: 'version/unchanged', severity: 'notice' }));
  });
});

describe('checkContract: breaking changes, each at its line', () => {
  const cases: { name: string; replacements: [string | RegExp, string][]; production?: [string | RegExp, string][]; path: string; line: string; kind?: string }[] = [
    {
      name: 'a new required input field',
      replacements: [['required: [text]', 'required: [text, tenant]'], ['      language: { type: string }\n', '      language: { type: string }\n      tenant: { type: string }\n']],
      path: 'io.input.properties.tenant',
      line: 'tenant: { type: string }',
    },
    { name: 'a removed input property', replacements: [['      language: { type: string }\n', '']], path: 'io.input.properties.language', line: '    properties:' },
    {
      name: 'a narrowed input enum',
      production: [['language: { type: string }', 'language: { type: string, enum: [en, fr, de] }']],
      replacements: [['language: { type: string }', 'language: { type: string, enum: [en, fr] }']],
      path: 'io.input.properties.language.enum',
      line: 'enum: [en, fr]',
    },
    {
      name: 'a narrowed input type',
      production: [['language: { type: string }', 'language: { type: [string, "null"] }']],
      replacements: [['language: { type: string }', 'language: { type: string }']],
      path: 'io.input.properties.language.type',
      line: 'language: { type: string }',
    },
    { name: 'a retyped output field', replacements: [['embedding: { type: array, items: { type: number } }', 'embedding: { type: string }']], path: 'io.output.properties.embedding.type', line: 'embedding: { type: string }' },
    { name: 'a smaller maxInputTokens', replacements: [['maxInputTokens: 512', 'maxInputTokens: 256']], path: 'limits.maxInputTokens', line: 'maxInputTokens: 256' },
    {
      name: 'a keyword the diff cannot compare (fail closed)',
      replacements: [['language: { type: string }', 'language: { anyOf: [{ type: string }, { type: integer }] }']],
      path: 'io.input.properties.language.anyOf',
      line: 'anyOf',
    },
  ];
  for (const c of cases) {
    it(`${c.name} is breaking`, async () => {
      const workspace = await exampleWorkspace();
      if (c.production) await edit(workspace, PRODUCTION, ...c.production);
      const text = await sameSpace(workspace, '1.5.0', ...c.replacements);
      const outcome = await check(workspace);
      expect(outcome.result.verdict).toBe('fail');
      expect(outcome.requiredBump).toBe('major');
      const change = outcome.changes.find((ch) => ch.path === c.path);
      expect(change, JSON.stringify(outcome.changes)).toMatchObject({ kind: 'breaking' });
      const finding = errors(outcome.findings).find((f) => f.message.includes(change?.message ?? '?'));
      expect(finding?.location).toMatchObject({ file: CANDIDATE, line: lineOf(text, c.line) });
    });
  }

  it('a removed output field is reported at its parent, naming where it was in production', async () => {
    const workspace = await exampleWorkspace();
    const production = await edit(workspace, PRODUCTION, ['      embedding: { type: array, items: { type: number } }\n', '      embedding: { type: array, items: { type: number } }\n      tokens: { type: integer }\n']);
    const text = await sameSpace(workspace, '1.5.0');
    const outcome = await check(workspace);
    const finding = errors(outcome.findings).find((f) => f.message.includes("output field 'tokens' was removed"));
    const outputProperties = text.split('\n').findIndex((line, i) => i > lineOf(text, '  output:') - 1 && line.includes('properties:')) + 1;
    expect(finding?.location).toMatchObject({ file: CANDIDATE, line: outputProperties });
    expect(finding?.message).toContain(`it was at ${PRODUCTION}:${lineOf(production, 'tokens:')}`);
  });

  it('a new output field is additive', async () => {
    const workspace = await exampleWorkspace();
    await sameSpace(workspace, '1.5.0', ['      embedding: { type: array, items: { type: number } }\n', '      embedding: { type: array, items: { type: number } }\n      tokens: { type: integer }\n']);
    const outcome = await check(workspace);
    expect(outcome.result.verdict).toBe('pass');
    expect(outcome.changes).toContainEqual(expect.objectContaining({ kind: 'additive', path: 'io.output.properties.tokens' }));
  });
});

describe('checkContract: embedding space', () => {
  it('a changed dtype is breaking and index-breaking, and fails while the space id stays the same', async () => {
    const workspace = await exampleWorkspace();
    const text = await sameSpace(workspace, '2.0.0', ['dtype: float32', 'dtype: float16']);
    const outcome = await check(workspace);
    expect(outcome.reindexRequired).toBe(true);
    expect(outcome.changes.filter((c) => c.path === 'embedding.dtype').map((c) => c.kind).sort()).toEqual(['breaking', 'index-breaking']);
    expect(errors(outcome.findings)).toEqual([expect.objectContaining({ rule: 'space/same-id', location: expect.objectContaining({ line: lineOf(text, 'space: search-v1') }) })]);
  });

  it('a new artifact digest under the same space id is index-breaking and fails', async () => {
    const workspace = await exampleWorkspace();
    await edit(workspace, CANDIDATE, ['space: search-v2', 'space: search-v1']);
    const outcome = await check(workspace);
    expect(outcome.reindexRequired).toBe(true);
    expect(outcome.changes).toContainEqual(expect.objectContaining({ kind: 'index-breaking', path: 'artifact.digest' }));
    expect(errors(outcome.findings).map((f) => f.rule)).toEqual(['space/same-id']);
  });

  for (const [field, from, to] of [
    ['dimension', 'dimension: 64', 'dimension: 128'],
    ['normalized', 'normalized: true', 'normalized: false'],
    ['metric', 'metric: cosine', 'metric: dot'],
  ] as const) {
    it(`a changed ${field} with a new space id and a major bump passes, with a re-index`, async () => {
      const workspace = await exampleWorkspace();
      await edit(workspace, CANDIDATE, [from, to]);
      const outcome = await check(workspace);
      expect(outcome.result.verdict).toBe('pass');
      expect(outcome.reindexRequired).toBe(true);
      expect(outcome.changes).toContainEqual(expect.objectContaining({ kind: 'index-breaking', path: `embedding.${field}` }));
    });
  }

  it('an index-breaking change needs a major bump even with a new space id', async () => {
    const workspace = await exampleWorkspace();
    await edit(workspace, CANDIDATE, ['version: 2.0.0', 'version: 1.5.0']);
    const outcome = await check(workspace);
    expect(errors(outcome.findings).map((f) => f.rule)).toEqual(['compatibility/index-breaking']);
  });
});

describe('checkContract: contract file problems', () => {
  it('reports every YAML syntax error with its line', async () => {
    const workspace = await exampleWorkspace();
    await edit(workspace, CANDIDATE, ['task: text-embedding', 'task: [text-embedding'], ['name: search-embedder', 'name: search-embedder\nname: again']);
    const outcome = await check(workspace);
    expect(outcome.result.verdict).toBe('fail');
    const yaml = outcome.findings.filter((f) => f.rule === 'yaml');
    expect(yaml.length).toBeGreaterThanOrEqual(2);
    for (const finding of yaml) expect(finding.location).toMatchObject({ file: CANDIDATE, line: expect.any(Number) });
    expect(yaml.some((f) => f.message.includes('unique'))).toBe(true);
    expect(outcome.environment.log.lines.filter((l) => l.level === 'error')).toHaveLength(yaml.length);
  });

  it('reports every schema violation, each at its line', async () => {
    const workspace = await exampleWorkspace();
    const text = await edit(workspace, CANDIDATE, ['version: 2.0.0', 'version: two'], ['dtype: float32', 'dtype: float64'], ['  p95LatencyMs: 80', '  p95LatencyMs: 80\n  gpu: a100']);
    const outcome = await check(workspace);
    expect(outcome.findings.filter((f) => f.rule === 'schema').map((f) => f.location?.line).sort((a, b) => (a ?? 0) - (b ?? 0))).toEqual(
      [lineOf(text, 'version: two'), lineOf(text, 'dtype: float64'), lineOf(text, 'gpu: a100')].sort((a, b) => a - b),
    );
    expect(outcome.result.checks).toEqual([]);
  });

  it('a missing candidate or production file is a configuration error naming it', async () => {
    const workspace = await exampleWorkspace();
    await expect(check(workspace, { contractPath: 'models/nope.yml' })).rejects.toThrow(/contract file 'models\/nope.yml' not found/);
    const error = await check(workspace, { production: 'production/missing.yml' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as ConfigurationError).problems[0]).toMatchObject({ message: "production contract 'production/missing.yml' not found", location: { file: 'production/missing.yml' } });
  });

  it('an invalid production contract fails with located findings', async () => {
    const workspace = await exampleWorkspace();
    const production = await edit(workspace, PRODUCTION, ['metric: cosine', 'metric: hamming']);
    const outcome = await check(workspace);
    expect(errors(outcome.findings)).toEqual([
      expect.objectContaining({ rule: 'production/schema', location: expect.objectContaining({ file: PRODUCTION, line: lineOf(production, 'metric: hamming') }) }),
    ]);
  });
});

describe('checkContract: production resolution', () => {
  it('production: none checks the contract alone, with a notice', async () => {
    const workspace = await exampleWorkspace();
    const outcome = await check(workspace, { production: 'none' });
    expect(outcome.result.verdict).toBe('pass');
    expect(outcome.requiredBump).toBe('none');
    expect(outcome.result.subject.productionVersion).toBeNull();
    expect(outcome.findings).toContainEqual(expect.objectContaining({ rule: 'production/none', severity: 'notice' }));
  });

  it('git:base outside a pull request says to pass git:<ref> or a path', async () => {
    const workspace = await exampleWorkspace();
    await expect(check(workspace, { production: 'git:base' })).rejects.toThrow(/pass production: git:<ref> or a path/);
  });

  it('production: ledger without a ledger says which input is missing', async () => {
    const workspace = await exampleWorkspace();
    await expect(check(workspace, { production: 'ledger' })).rejects.toThrow(/production: ledger needs the ledger input/);
  });
});

describe('checkContract: examples and lineage', () => {
  it('reports every example that does not match io.input, at the offending value', async () => {
    const workspace = await exampleWorkspace();
    const text = await edit(
      workspace,
      CANDIDATE,
      ['input: { text: red running shoes }', 'input: { language: en }'],
      ['input: { text: chaussures de course rouges, language: fr }', 'input:\n      text: chaussures de course rouges\n      language: 42\n      truncate: maybe'],
    );
    const outcome = await check(workspace, { production: 'none' });
    const found = outcome.findings.filter((f) => f.rule === 'examples/input');
    expect(found.map((f) => f.location?.line).sort((a, b) => (a ?? 0) - (b ?? 0))).toEqual(
      [lineOf(text, 'input: { language: en }'), lineOf(text, 'language: 42'), lineOf(text, 'truncate: maybe')].sort((a, b) => a - b),
    );
    expect(found[0]?.message).toContain("example 'short query'");
    expect(outcome.result.verdict).toBe('fail');
  });

  it('reports a user schema that does not compile', async () => {
    const workspace = await exampleWorkspace();
    const text = await edit(workspace, CANDIDATE, ['text: { type: string, maxLength: 2048 }', 'text: { type: strung }']);
    const outcome = await check(workspace, { production: 'none' });
    expect(errors(outcome.findings)).toEqual([expect.objectContaining({ rule: 'examples/schema', location: expect.objectContaining({ line: lineOf(text, '  input:') }) })]);
  });

  it('fails when a lineage field the config requires is missing or empty', async () => {
    const workspace = await exampleWorkspace();
    const text = await edit(workspace, CANDIDATE, ['  codeCommit: 8d2e41a\n', ''], ['  trainingData: s3://acme-data/search-pairs/2026-10', '  trainingData: ""']);
    const config: ContractConfig = { lineage: { required: ['trainingData', 'codeCommit', 'baseModel'] } };
    const outcome = await check(workspace, { production: 'none', config });
    const lineage = errors(outcome.findings);
    expect(lineage.map((f) => [f.rule, f.location?.line])).toEqual([
      ['lineage/required', lineOf(text, 'trainingData: ""')],
      ['lineage/required', lineOf(text, 'lineage:')],
    ]);
    expect(lineage[1]?.message).toContain('lineage.codeCommit is required');
    expect(outcome.result.checks.find((c) => c.id === 'lineage')?.rows[0]).toMatchObject({ candidate: 1 });
  });
});

describe('checkContract: result file content', () => {
  it('writes details with every change and its kind', async () => {
    const workspace = await exampleWorkspace();
    const outcome = await check(workspace);
    expect(outcome.result.details).toMatchObject({ requiredBump: 'major', reindexRequired: true });
    const raw = await readFile(join(workspace, CANDIDATE), 'utf8');
    expect(raw).toContain('search-v2');
  });
});

describe('checkContract: owners for the gate', () => {
  it("records production's owners, never the candidate's, and the candidate's only on a first release", async () => {
    const workspace = await exampleWorkspace();
    await edit(workspace, CANDIDATE, ['owners: [alice, acme/search-ml]', 'owners: [mallory]']);
    expect((await check(workspace)).result.details?.owners).toEqual(['alice', 'acme/search-ml']);
    expect((await check(workspace, { production: 'none' })).result.details?.owners).toEqual(['mallory']);
  });
});
