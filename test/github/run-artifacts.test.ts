import { execFileSync } from 'node:child_process';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createGitHubClient, type GitHubClient } from '../../src/github/client.js';
import { downloadRunResults, matchesPattern, triggeringRun } from '../../src/github/run-artifacts.js';
import { MemoryLogger } from '../../src/io/log.js';
import { contractResult } from '../report/fixtures.js';
import { fakeSha, startGitHubServer, type GitHubServer } from '../support/github-server/index.js';

const REPO = 'acme/runs';
const repository = { owner: 'acme', repo: 'runs' };
let server: GitHubServer;
let client: GitHubClient;

beforeAll(async () => {
  server = await startGitHubServer();
  server.addToken('t', { login: 'github-actions[bot]', permissions: { actions: 'read', 'pull-requests': 'read' } });
  server.state.addRepository(REPO);
  client = createGitHubClient({ token: 't', baseUrl: server.url, log: new MemoryLogger(), timeUnitMs: 1 });
});
afterEach(() => server.assertNoViolations());
afterAll(async () => {
  await server.close();
});

function zip(files: Record<string, string>): Uint8Array {
  const script = 'import io,json,sys,zipfile\nb=io.BytesIO()\nwith zipfile.ZipFile(b,"w",zipfile.ZIP_DEFLATED) as z:\n    [z.writestr(n,t) for n,t in json.load(sys.stdin).items()]\nsys.stdout.buffer.write(b.getvalue())';
  return execFileSync('python3', ['-c', script], { input: JSON.stringify(files) });
}

describe('the triggering run', () => {
  it('belongs to the open pull request whose head is the run’s commit', async () => {
    const head = fakeSha('open');
    server.state.addPullRequest(REPO, { number: 3, head: { sha: head, ref: 'feature' } });
    const run = server.state.addWorkflowRun(REPO, { headSha: head, headBranch: 'feature' });
    expect(await triggeringRun(client, repository, run.id)).toEqual({ headSha: head, headBranch: 'feature', headOwner: 'acme', pullRequest: 3 });
  });

  it('has no pull request when its commit heads none that is open', async () => {
    const head = fakeSha('closed');
    server.state.addPullRequest(REPO, { number: 4, head: { sha: head, ref: 'old' }, state: 'closed' });
    const run = server.state.addWorkflowRun(REPO, { headSha: head, headBranch: 'old', event: 'push' });
    expect((await triggeringRun(client, repository, run.id)).pullRequest).toBeNull();
  });
});

describe('downloading results', () => {
  it('reads the matching, unexpired artifacts in name order', async () => {
    const run = server.state.addWorkflowRun(REPO, { headSha: fakeSha('dl') });
    const second = { ...contractResult(), id: 'b-contract' };
    server.state.addArtifact(REPO, run.id, { name: 'model-gates-results-b', zip: zip({ 'b-contract.json': JSON.stringify(second), 'notes.txt': 'ignored' }) });
    server.state.addArtifact(REPO, run.id, { name: 'model-gates-results-a', zip: zip({ 'contract.json': JSON.stringify(contractResult()) }) });
    server.state.addArtifact(REPO, run.id, { name: 'model-gates-results-old', zip: zip({ 'x.json': '{' }), expired: true });
    server.state.addArtifact(REPO, run.id, { name: 'logs', zip: zip({ 'x.json': '{' }) });
    const { results, artifacts } = await downloadRunResults(client, repository, run.id, 'model-gates-results*');
    expect(artifacts).toEqual(['model-gates-results-a', 'model-gates-results-b']);
    expect(results.map((r) => r.id)).toEqual(['contract', 'b-contract']);
  });

  it('matches names with * wildcards only', () => {
    expect(matchesPattern('model-gates-results-1', 'model-gates-results*')).toBe(true);
    expect(matchesPattern('model-gates-results', 'model-gates-results*')).toBe(true);
    expect(matchesPattern('other', 'model-gates-results*')).toBe(false);
    expect(matchesPattern('a.b', 'a?b')).toBe(false);
    expect(matchesPattern('a+b(c)', 'a+b(c)')).toBe(true);
  });
});
