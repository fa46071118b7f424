import { execFile } from 'node:child_process';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { checkContract } from '../../src/contract/check.js';
import { GitContentsReader, resolveProduction, type ContentsReader } from '../../src/contract/production.js';
import { ConfigurationError } from '../../src/io/errors.js';
import { repoRoot } from '../support/node24.js';
import { lineOf, testEnvironment } from './helpers.js';
import { tempDir } from '../support/temp.js';

const run = promisify(execFile);
const CONTRACT = 'models/search-embedder/contract.yml';

async function git(cwd: string, ...args: string[]): Promise<string> {
  const { stdout } = await run('git', ['-c', 'user.name=Test', '-c', 'user.email=test@example.com', '-c', 'commit.gpgsign=false', ...args], { cwd });
  return stdout.trim();
}

/**
 * A real repository with two commits: the production contract (1.4.0) and then the
 * candidate (1.5.0) at the same path, plus an unrelated first commit without the file.
 */
interface Repository {
  root: string;
  empty: string;
  v1: string;
  v2: string;
  candidateText: string;
}

async function repository(): Promise<Repository> {
  const root = await tempDir('mg-git-');
  await git(root, 'init', '-q', '-b', 'main');
  await writeFile(join(root, 'README.md'), 'models\n');
  await git(root, 'add', '.');
  await git(root, 'commit', '-q', '-m', 'start');
  const empty = await git(root, 'rev-parse', 'HEAD');
  await mkdir(join(root, 'models', 'search-embedder'), { recursive: true });
  const production = await readFile(join(repoRoot, 'examples', 'production', 'search-embedder', 'contract.yml'), 'utf8');
  await writeFile(join(root, CONTRACT), production);
  await git(root, 'add', '.');
  await git(root, 'commit', '-q', '-m', 'search-embedder 1.4.0');
  const v1 = await git(root, 'rev-parse', 'HEAD');
  // The candidate narrows an input with only a minor bump.
  const candidateText = production.replace('version: 1.4.0', 'version: 1.5.0').replace('maxLength: 2048', 'maxLength: 1024');
  await writeFile(join(root, CONTRACT), candidateText);
  await git(root, 'commit', '-q', '-am', 'search-embedder 1.5.0');
  const v2 = await git(root, 'rev-parse', 'HEAD');
  return { root, empty, v1, v2, candidateText };
}

describe('resolveProduction with a real git repository', () => {
  let repo: Repository;
  beforeAll(async () => {
    repo = await repository();
  });

  it('git:<sha> reads the candidate path at that commit', async () => {
    const env = testEnvironment(repo.root);
    const source = await resolveProduction({ production: `git:${repo.v1}`, candidatePath: CONTRACT, context: env.context });
    expect(source.kind).toBe('file');
    if (source.kind !== 'file') return;
    expect(source.text).toContain('version: 1.4.0');
    expect(source.source).toBe(`git:${repo.v1}`);
    expect(source.file).toBe(`${CONTRACT}@${repo.v1.slice(0, 12)}`);
  });

  it('git:<branch~1> and git:base (the pull request base) resolve too', async () => {
    const env = testEnvironment(repo.root, { baseCommit: repo.v1 });
    const byRef = await resolveProduction({ production: 'git:main~1', candidatePath: CONTRACT, context: env.context });
    const byBase = await resolveProduction({ production: 'git:base', candidatePath: CONTRACT, context: env.context });
    expect(byRef.kind === 'file' && byRef.text).toContain('version: 1.4.0');
    expect(byBase.kind === 'file' && byBase.text).toContain('version: 1.4.0');
  });

  it('works from a workspace below the repository root', async () => {
    const env = testEnvironment(join(repo.root, 'models'));
    const source = await resolveProduction({ production: `git:${repo.v1}`, candidatePath: 'search-embedder/contract.yml', context: env.context });
    expect(source.kind === 'file' && source.text).toContain('version: 1.4.0');
  });

  it('a file absent at the commit is a new model: a first release', async () => {
    const env = testEnvironment(repo.root);
    const source = await resolveProduction({ production: `git:${repo.empty}`, candidatePath: CONTRACT, context: env.context });
    expect(source).toMatchObject({ kind: 'none', reason: expect.stringContaining('a new model') });
  });

  it('a commit missing locally without an API reader is a configuration error; with one, the API is asked', async () => {
    const env = testEnvironment(repo.root);
    const missing = 'f'.repeat(40);
    const error = await resolveProduction({ production: `git:${missing}`, candidatePath: CONTRACT, context: env.context }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(String(error)).toMatch(/not in the local clone.*fetch-depth: 0/);

    const asked: [string, string][] = [];
    const api: ContentsReader = {
      has: async () => true,
      read: async (ref, path) => {
        asked.push([ref, path]);
        return 'apiVersion: from-the-api';
      },
    };
    const source = await resolveProduction({ production: `git:${missing}`, candidatePath: CONTRACT, context: env.context, contentsApi: api });
    expect(asked).toEqual([[missing, CONTRACT]]);
    expect(source.kind === 'file' && source.text).toBe('apiVersion: from-the-api');
  });

  it('the whole check fails the minor bump found through git, at the line of the field', async () => {
    const env = testEnvironment(repo.root, { baseCommit: repo.v1 });
    const outcome = await checkContract({ contractPath: CONTRACT, production: 'git:base', checkId: 'contract', config: {}, environment: env });
    expect(outcome.result.verdict).toBe('fail');
    expect(outcome.requiredBump).toBe('major');
    expect(outcome.result.subject.productionSource).toBe(`git:${repo.v1}`);
    expect(outcome.result.findings.filter((f) => f.severity === 'error')).toEqual([
      expect.objectContaining({ rule: 'compatibility/breaking', location: expect.objectContaining({ file: CONTRACT, line: lineOf(repo.candidateText, 'maxLength: 1024') }) }),
    ]);
  });

  it('the whole check treats a contract absent at the base commit as a first release, with a notice', async () => {
    const env = testEnvironment(repo.root, { baseCommit: repo.empty });
    const outcome = await checkContract({ contractPath: CONTRACT, production: 'git:base', checkId: 'contract', config: {}, environment: env });
    expect(outcome.result.verdict).toBe('pass');
    expect(outcome.requiredBump).toBe('none');
    expect(outcome.result.findings).toContainEqual(expect.objectContaining({ rule: 'production/none', severity: 'notice', message: expect.stringContaining('a new model') }));
  });

  it('the git reader says whether it has a commit and reads nothing for a missing path', async () => {
    const reader = new GitContentsReader(repo.root);
    expect(await reader.has(repo.v2)).toBe(true);
    expect(await reader.has('0'.repeat(40))).toBe(false);
    expect(await reader.read(repo.v2, 'no/such/file.yml')).toBeNull();
    expect(await reader.prefix()).toBe('');
    expect(await new GitContentsReader(join(repo.root, 'models')).prefix()).toBe('models/');
  });

  it('refuses a ref that git would read as an option, and an empty one', async () => {
    const env = testEnvironment(repo.root);
    for (const spec of ['git:--output=/tmp/x', 'git:', 'git:a b']) {
      await expect(resolveProduction({ production: spec, candidatePath: CONTRACT, context: env.context }), spec).rejects.toThrow(ConfigurationError);
    }
  });

  it('outside a git repository, git:<ref> is a configuration error', async () => {
    const outside = await tempDir('mg-nogit-');
    try {
      await mkdir(join(outside, 'models', 'search-embedder'), { recursive: true });
      const env = testEnvironment(outside);
      await expect(resolveProduction({ production: 'git:HEAD', candidatePath: CONTRACT, context: env.context })).rejects.toThrow(ConfigurationError);
    } finally {
      await rm(outside, { recursive: true, force: true });
    }
  });
});
