import { beforeAll, describe, expect, it } from 'vitest';
import { createGitHubClient, type GitHubClient } from '../../src/github/client.js';
import { readRepositoryFile } from '../../src/github/contents.js';
import { MemoryLogger } from '../../src/io/log.js';
import { fakeSha } from '../support/github-server/index.js';
import { useGitHubServer } from '../support/github-server/vitest.js';

const REPO = 'acme/models';
const [owner, repo] = REPO.split('/') as [string, string];
const BASE = fakeSha('base');

const github = useGitHubServer({}, (server) => {
  server.addToken('reader', { login: 'github-actions[bot]', permissions: { contents: 'read' } });
  server.addToken('none', { login: 'github-actions[bot]', permissions: {} });
  server.state.addRepository(REPO, { defaultBranchSha: fakeSha('main') });
  server.state.setFile(REPO, BASE, 'models/search/contract.yml', 'name: search\nversion: 1.2.0\nnote: "é ✓"\n');
  server.state.setFile(REPO, 'main', 'models/search/contract.yml', 'name: search\nversion: 1.3.0\n');
  // Over 1 MiB: the JSON answer has no content, so the raw media type is needed.
  server.state.setFile(REPO, BASE, 'data/large.txt', 'line\n'.repeat(300_000));
});
let octokit: GitHubClient;

beforeAll(() => {
  octokit = createGitHubClient({ token: 'reader', baseUrl: github().url, log: new MemoryLogger(), timeUnitMs: 1 });
});

describe('readRepositoryFile', () => {
  it('reads a file at a commit as UTF-8 text', async () => {
    expect(await readRepositoryFile(octokit, { owner, repo, path: 'models/search/contract.yml', ref: BASE })).toBe('name: search\nversion: 1.2.0\nnote: "é ✓"\n');
  });

  it('reads the default branch when no ref is given', async () => {
    expect(await readRepositoryFile(octokit, { owner, repo, path: '/models/search/contract.yml' })).toBe('name: search\nversion: 1.3.0\n');
  });

  it('returns null for a missing file or an unknown ref', async () => {
    expect(await readRepositoryFile(octokit, { owner, repo, path: 'models/other/contract.yml', ref: BASE })).toBeNull();
    expect(await readRepositoryFile(octokit, { owner, repo, path: 'models/search/contract.yml', ref: 'no-such-branch' })).toBeNull();
  });

  it('reads a file over 1 MiB through the raw media type', async () => {
    github().requests.length = 0;
    const text = await readRepositoryFile(octokit, { owner, repo, path: 'data/large.txt', ref: BASE });
    expect(text?.length).toBe(1_500_000);
    expect(github().count('repos/get-content', 200)).toBe(2);
  });

  it('refuses a directory', async () => {
    await expect(readRepositoryFile(octokit, { owner, repo, path: 'models', ref: BASE })).rejects.toThrow(
      `Could not read ${REPO}/models@${BASE}: it is a directory, not a file.`,
    );
  });

  it('names the permission when the token lacks contents: read', async () => {
    const denied = createGitHubClient({ token: 'none', baseUrl: github().url, log: new MemoryLogger(), timeUnitMs: 1 });
    await expect(readRepositoryFile(denied, { owner, repo, path: 'models/search/contract.yml', ref: BASE })).rejects.toThrow(
      /^Could not read acme\/models\/models\/search\/contract\.yml@[0-9a-f]{40}: the token lacks `contents: read`/,
    );
  });
});
