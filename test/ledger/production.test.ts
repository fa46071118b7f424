import { execFileSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createGitHubClient } from '../../src/github/client.js';
import { readRepositoryFile } from '../../src/github/contents.js';
import { GitHubDeploymentsLedger } from '../../src/github/deployments-ledger.js';
import { MemoryLogger } from '../../src/io/log.js';
import { FileLedger } from '../../src/ledger/file.js';
import { promote, rollback } from '../../src/ledger/operations.js';
import { resolveLedgerProduction, type ReadAtCommit } from '../../src/ledger/production.js';
import type { Ledger, LedgerRecord } from '../../src/ledger/types.js';
import { fakeSha, startGitHubServer, type GitHubServer } from '../support/github-server/index.js';
import { writerRecord } from './writer-record.js';
import { tempDir } from '../support/temp.js';

const PATH = 'models/search-embedder/contract.yml';
const contractText = (version: string) => `apiVersion: model-gates/contract@1\nname: search-embedder\nversion: ${version}\n`;

function record(version: string, commit: string | null, path: string | null = PATH): LedgerRecord {
  return { ...writerRecord(0, 4), model: 'search-embedder', version, contract: { path, commit } };
}

/** Promotes 1.0.0 then 2.0.0, each at its own commit, and checks what production: ledger reads. */
async function promoteTwiceAndRollBack(ledger: Ledger, commits: [string, string], readAt: ReadAtCommit): Promise<void> {
  expect(await resolveLedgerProduction(ledger, 'search-embedder', 'production', readAt)).toMatchObject({ kind: 'none' });
  await promote(ledger, record('1.0.0', commits[0]), null);
  await promote(ledger, record('2.0.0', commits[1]), '1.0.0');
  const atTwo = await resolveLedgerProduction(ledger, 'search-embedder', 'production', readAt);
  expect(atTwo).toMatchObject({ kind: 'file', text: contractText('2.0.0'), file: `${PATH}@${commits[1].slice(0, 12)}` });
  // A rollback re-records 1.0.0 with its own contract and commit: production is 1.0.0's contract again.
  await rollback(ledger, { model: 'search-embedder', environment: 'production', reason: 'test', actor: null, runUrl: null, time: new Date().toISOString() });
  const back = await resolveLedgerProduction(ledger, 'search-embedder', 'production', readAt);
  expect(back.kind === 'file' && back.text).toBe(contractText('1.0.0'));
  expect(back.kind === 'file' && back.source).toMatch(/^ledger:production#\d+$/);
  expect(back.kind === 'file' && back.entry.operation).toBe('rollback');
}

describe('production: ledger', () => {
  it('reads the current contract at its recorded commit from git (file ledger)', async () => {
    const repo = await tempDir('mg-repo-');
    const git = (...args: string[]) => execFileSync('git', args, { cwd: repo, encoding: 'utf8' }).trim();
    git('init', '-q');
    git('config', 'user.email', 'test@example.com');
    git('config', 'user.name', 'test');
    const commits: string[] = [];
    for (const version of ['1.0.0', '2.0.0']) {
      await mkdir(join(repo, 'models', 'search-embedder'), { recursive: true });
      await writeFile(join(repo, PATH), contractText(version));
      git('add', '.');
      git('commit', '-qm', version);
      commits.push(git('rev-parse', 'HEAD'));
    }
    const readAt: ReadAtCommit = async (commit, path) => {
      try {
        return execFileSync('git', ['show', `${commit}:${path}`], { cwd: repo, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
      } catch {
        return null;
      }
    };
    const ledger = new FileLedger(join(repo, '.model-gates', 'ledger.jsonl'));
    await promoteTwiceAndRollBack(ledger, commits as [string, string], readAt);
  });

  it('says what to do when the record has no contract, or the file is gone', async () => {
    const ledger = new FileLedger(join(await tempDir('mg-ledger-'), 'l.jsonl'));
    await promote(ledger, record('1.0.0', 'abc1234', null), null);
    await expect(resolveLedgerProduction(ledger, 'search-embedder', 'production', async () => 'x')).rejects.toThrow(/has no contract path \(promote it with the contract input\)/);
    await promote(ledger, record('1.1.0', 'abc1234'), '1.0.0');
    await expect(resolveLedgerProduction(ledger, 'search-embedder', 'production', async () => null)).rejects.toThrow(/does not exist there/);
  });

  describe('GitHub Deployments and the contents API', () => {
    let server: GitHubServer;
    beforeAll(async () => {
      server = await startGitHubServer();
      server.addToken('t', { login: 'github-actions[bot]', permissions: { deployments: 'write', contents: 'read' } });
    });
    afterEach(() => server.assertNoViolations());
    afterAll(() => server.close());

    it('reads the current contract through the contents API at the deployment commit', async () => {
      const commits: [string, string] = [fakeSha('c1'), fakeSha('c2')];
      server.state.addRepository('acme/models');
      server.state.setFile('acme/models', commits[0], PATH, contractText('1.0.0'));
      server.state.setFile('acme/models', commits[1], PATH, contractText('2.0.0'));
      const octokit = createGitHubClient({ token: 't', baseUrl: server.url, log: new MemoryLogger(), timeUnitMs: 1 });
      const ledger = new GitHubDeploymentsLedger(octokit, { owner: 'acme', repo: 'models' });
      await promoteTwiceAndRollBack(ledger, commits, (commit, path) => readRepositoryFile(octokit, { owner: 'acme', repo: 'models', path, ref: commit }));
      expect(server.state.deployments.map((d) => d.sha)).toEqual([commits[0], commits[1], commits[0]]);
    });
  });
});
