import { execFile } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { checkContract } from '../../src/contract/check.js';
import { FileLedger } from '../../src/ledger/file.js';
import { promote } from '../../src/ledger/operations.js';
import type { LedgerRecord } from '../../src/ledger/types.js';
import { fullDeployment } from '../support/ledger-record.js';
import { repoRoot } from '../support/node24.js';
import { testEnvironment } from './helpers.js';
import { tempDir } from '../support/temp.js';

const run = promisify(execFile);
const CONTRACT = 'models/search-embedder/contract.yml';

async function git(cwd: string, ...args: string[]): Promise<string> {
  const { stdout } = await run('git', ['-c', 'user.name=Test', '-c', 'user.email=test@example.com', '-c', 'commit.gpgsign=false', ...args], { cwd });
  return stdout.trim();
}

function deployed(version: string, commit: string): LedgerRecord {
  return fullDeployment('search-embedder', version, { contract: { path: CONTRACT, commit } });
}

describe('contract with production: ledger', () => {
  /** The candidate in `root` checked against what the ledger says is current in `environment`. */
  const checkAgainstLedger = (ledger: FileLedger, environment: string) =>
    checkContract({
      contractPath: CONTRACT,
      production: 'ledger',
      checkId: 'contract',
      config: {},
      environment: testEnvironment(root),
      ledger: { open: async () => ledger, environment },
    });

  let root: string;
  let v1: string;
  beforeAll(async () => {
    // Production 1.4.0 is committed and recorded in the ledger; the working tree holds the
    // candidate 1.5.0, which narrows an input (a breaking change) with only a minor bump.
    root = await tempDir('mg-git-');
    await git(root, 'init', '-q', '-b', 'main');
    await mkdir(join(root, 'models', 'search-embedder'), { recursive: true });
    const production = await readFile(join(repoRoot, 'examples', 'production', 'search-embedder', 'contract.yml'), 'utf8');
    await writeFile(join(root, CONTRACT), production);
    await git(root, 'add', '.');
    await git(root, 'commit', '-q', '-m', 'search-embedder 1.4.0');
    v1 = await git(root, 'rev-parse', 'HEAD');
    await writeFile(join(root, CONTRACT), production.replace('version: 1.4.0', 'version: 1.5.0').replace('maxLength: 2048', 'maxLength: 1024'));
  });

  it('compares with the contract of the current deployment, read at its recorded commit', async () => {
    const ledger = new FileLedger(join(root, '.model-gates', 'ledger.jsonl'));
    await promote(ledger, deployed('1.4.0', v1), null);
    const outcome = await checkAgainstLedger(ledger, 'production');
    expect(outcome.result.subject).toMatchObject({ model: 'search-embedder', candidateVersion: '1.5.0', productionVersion: '1.4.0', productionSource: 'ledger:production#1' });
    expect(outcome.result.verdict).toBe('fail');
    expect(outcome.requiredBump).toBe('major');
  });

  it('is a first release when nothing is deployed to the environment', async () => {
    const ledger = new FileLedger(join(root, '.model-gates', 'ledger.jsonl'));
    const outcome = await checkAgainstLedger(ledger, 'staging');
    expect(outcome.result.findings).toContainEqual(expect.objectContaining({ rule: 'production/none', message: expect.stringContaining('no successful full deployment of search-embedder to staging') }));
    expect(outcome.result.subject.productionVersion).toBeNull();
  });
});
