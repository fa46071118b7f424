import { execFileSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Result } from '../../src/results/types.js';
import { readZip } from '../../src/io/zip.js';
import { ActionsResultsServer } from '../support/actions-results-server.js';
import { runActionBundle, type ActionRun } from '../support/action-runner.js';
import { fakeSha, startGitHubServer, type GitHubServer } from '../support/github-server/index.js';
import { contractResult, pairsCheck, result } from '../report/fixtures.js';
import { tempDir } from '../support/temp.js';

// The report bundle (dist/report/index.js, built by `npm run build` or
// `npx ncc build src/actions/report.ts -o dist/report`) under Node 24 against the local
// GitHub API server, which checks every request and response against GitHub's OpenAPI
// description.

const REPO = 'acme/search';
const HEAD = fakeSha('head-7');
const PR = 7;
const MARKER = '<!-- model-gates:report:default -->';

let server: GitHubServer;
let nextPull = 100;

beforeAll(async () => {
  server = await startGitHubServer();
  server.addToken('actions-token', { login: 'github-actions[bot]', permissions: { 'pull-requests': 'write', actions: 'read', contents: 'read' } });
  server.addToken('read-only-token', { login: 'github-actions[bot]', permissions: { 'pull-requests': 'read', contents: 'read' } });
  server.addToken('no-actions-token', { login: 'github-actions[bot]', permissions: { 'pull-requests': 'write' } });
  server.addToken('mallory-token', { login: 'mallory', permissions: 'all' });
  server.state.addRepository(REPO);
});
afterEach(() => server.assertNoViolations());
afterAll(async () => {
  await server.close();
});

/** A fresh pull request per test, so tests do not see each other's comments. */
function openPull(): number {
  const number = nextPull++;
  server.state.addPullRequest(REPO, { number, head: { sha: HEAD, ref: `topic-${number}` } });
  return number;
}

async function resultsWorkspace(results: readonly Result[]): Promise<string> {
  const workspace = await tempDir('mg-report-');
  await mkdir(join(workspace, 'results'));
  for (const r of results) await writeFile(join(workspace, 'results', `${r.id}.json`), JSON.stringify(r));
  return workspace;
}

const defaultResults = (): Result[] => [contractResult(), result({ verdict: 'fail', checks: [pairsCheck()] })];

async function report(options: { pull?: number; workspace?: string; inputs?: Record<string, string>; token?: string; event?: object; env?: Record<string, string> } = {}): Promise<ActionRun> {
  const workspace = options.workspace ?? (await resultsWorkspace(defaultResults()));
  return runActionBundle('report', {
    workspace,
    inputs: { 'results-dir': 'results', 'github-token': options.token ?? 'actions-token', ...options.inputs },
    event: options.event ?? { pull_request: { number: options.pull ?? PR, head: { sha: HEAD } } },
    env: {
      GITHUB_API_URL: server.url,
      GITHUB_REPOSITORY: REPO,
      GITHUB_SERVER_URL: 'https://github.com',
      GITHUB_SHA: HEAD,
      MODEL_GATES_GITHUB_TIME_UNIT_MS: '1',
      ...options.env,
    },
  });
}

function reportComments(pull: number, marker = MARKER) {
  return server.state.issueComments(REPO, pull).filter((c) => c.body.startsWith(marker));
}

/** Requests made since `from`, as `operation` names. */
function callsSince(from: number): string[] {
  return server.requests.slice(from).map((r) => r.operation ?? `${r.method} ${r.path}`);
}

describe('report bundle against the GitHub API', () => {
  let pull: number;
  beforeEach(() => {
    pull = openPull();
  });

  it('creates, updates and leaves unchanged one sticky comment, in O(1) calls', async () => {
    let from = server.requests.length;
    const created = await report({ pull });
    expect(created.exitCode, created.stdout + created.stderr).toBe(0);
    expect(callsSince(from)).toEqual(['users/get-authenticated', 'issues/list-comments', 'issues/create-comment', 'issues/list-comments']);
    const [comment] = reportComments(pull);
    expect(comment?.author.login).toBe('github-actions[bot]');
    expect(created.outputs['comment-id']).toBe(String(comment?.id));
    expect(created.outputs['comment-url']).toMatch(new RegExp(`/${REPO}/pull/${pull}#issuecomment-${comment?.id}$`));
    expect(created.outputs.verdict).toBe('fail');
    expect(created.outputs.truncated).toBe('false');
    // Both: the job summary holds the report too.
    expect(created.summary).toContain('### ❌ Fail — do not promote');

    from = server.requests.length;
    const unchanged = await report({ pull });
    expect(unchanged.exitCode).toBe(0);
    expect(callsSince(from)).toEqual(['users/get-authenticated', 'issues/list-comments']);

    from = server.requests.length;
    const passing = await resultsWorkspace([result({ verdict: 'pass', checks: [pairsCheck({ verdict: 'pass' })] })]);
    const updated = await report({ pull, workspace: passing });
    expect(updated.exitCode).toBe(0);
    expect(callsSince(from)).toEqual(['users/get-authenticated', 'issues/list-comments', 'issues/update-comment']);
    expect(reportComments(pull)).toHaveLength(1);
    expect(reportComments(pull)[0]?.id).toBe(comment?.id);
    expect(reportComments(pull)[0]?.body).toContain('### ✅ Pass — ready to promote');
  });

  it('keeps one comment per header', async () => {
    expect((await report({ pull })).exitCode).toBe(0);
    expect((await report({ pull, inputs: { header: 'nightly' } })).exitCode).toBe(0);
    expect((await report({ pull, inputs: { header: 'nightly' } })).exitCode).toBe(0);
    expect(reportComments(pull)).toHaveLength(1);
    expect(reportComments(pull, '<!-- model-gates:report:nightly -->')).toHaveLength(1);
    expect(server.state.issueComments(REPO, pull)).toHaveLength(2);
  });

  it('finds its comment among hundreds of others (pagination)', async () => {
    for (let i = 0; i < 120; i++) server.state.addIssueComment(REPO, pull, { author: 'reviewer', body: `comment ${i}` });
    expect((await report({ pull })).exitCode).toBe(0);
    for (let i = 0; i < 120; i++) server.state.addIssueComment(REPO, pull, { author: 'reviewer', body: `later ${i}` });
    const again = await report({ pull, workspace: await resultsWorkspace([contractResult()]) });
    expect(again.exitCode).toBe(0);
    expect(reportComments(pull)).toHaveLength(1);
  });

  it('leaves exactly one comment after 20 concurrent runs', async () => {
    const workspace = await resultsWorkspace(defaultResults());
    const runs = await Promise.all(Array.from({ length: 20 }, () => report({ pull, workspace })));
    for (const run of runs) expect(run.exitCode, run.stdout).toBe(0);
    const remaining = reportComments(pull);
    expect(remaining).toHaveLength(1);
    // Every run names the survivor.
    expect(new Set(runs.map((r) => r.outputs['comment-id']))).toEqual(new Set([String(remaining[0]?.id)]));
  }, 120_000);

  it('never touches a comment by another user that carries the marker', async () => {
    const spoof = server.state.addIssueComment(REPO, pull, { author: 'mallory', body: `${MARKER}\nAll checks passed, merge away!` });
    const run = await report({ pull });
    expect(run.exitCode).toBe(0);
    const after = server.state.issueComments(REPO, pull);
    expect(after.find((c) => c.id === spoof.id)?.body).toBe(`${MARKER}\nAll checks passed, merge away!`);
    const ours = after.filter((c) => c.author.login === 'github-actions[bot]');
    expect(ours).toHaveLength(1);
    expect(run.outputs['comment-id']).toBe(String(ours[0]?.id));
  });

  it('keeps a 65,536-character comment for a suite with thousands of regressed items', async () => {
    const long = 'x'.repeat(300);
    const checks = Array.from({ length: 30 }, (_, c) =>
      pairsCheck({
        id: `check-${c}`,
        title: `Check ${c}`,
        segments: Array.from({ length: 300 }, (_, i) => ({ segment: `s${i}`, size: 50, metric: 'pair AUC', change: -0.02, interval: { low: -0.04, high: -0.01, level: 0.95 }, verdict: 'fail' as const })),
        worst: Array.from({ length: 1000 }, (_, i) => ({ id: `pair-${c}-${i}`, texts: [long, long], change: -0.5 })),
      }),
    );
    const run = await report({ pull, workspace: await resultsWorkspace([result({ verdict: 'fail', checks }, false)]) });
    expect(run.exitCode, run.stdout).toBe(0);
    expect(run.outputs.truncated).toBe('true');
    const [comment] = reportComments(pull);
    expect(comment?.body.length).toBeLessThanOrEqual(65_536);
    expect(comment?.body).toContain('Left out to stay within');
    expect(Buffer.byteLength(run.summary)).toBeLessThan(1024 * 1024);
  });

  it('retries secondary rate limits and 502s', async () => {
    server.injectFault({ operation: 'issues/list-comments', kind: 'server-error', status: 502 });
    server.injectFault({ operation: 'issues/create-comment', kind: 'secondary-rate-limit', retryAfter: 1 });
    const run = await report({ pull });
    expect(run.exitCode, run.stdout).toBe(0);
    expect(server.requests.filter((r) => r.fault === 'server-error' || r.fault === 'secondary-rate-limit')).toHaveLength(2);
    expect(reportComments(pull)).toHaveLength(1);
  });

  it('names the missing pull-requests: write permission and still writes the job summary', async () => {
    const run = await report({ pull, token: 'read-only-token' });
    expect(run.exitCode).toBe(1);
    const errors = run.annotations.filter((a) => a.level === 'error');
    expect(errors.map((a) => a.message).join('\n')).toContain('the token lacks `pull-requests: write`');
    expect(run.summary).toContain('### ❌ Fail — do not promote');
    expect(reportComments(pull)).toHaveLength(0);
  });

  it('writes only the summary outside pull requests (mode auto)', async () => {
    const from = server.requests.length;
    const run = await report({ event: {}, env: { GITHUB_EVENT_NAME: 'push' } });
    expect(run.exitCode).toBe(0);
    expect(run.summary).toContain('model-gates:report:default');
    expect(callsSince(from)).toEqual([]);
  });
});

/** A zip archive made by Python's zipfile (an implementation independent of ours). */
function pythonZip(files: Record<string, string>): Uint8Array {
  const script = [
    'import io, json, sys, zipfile',
    'files = json.load(sys.stdin)',
    'buf = io.BytesIO()',
    'with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:',
    '    for name, text in files.items(): z.writestr(name, text)',
    'sys.stdout.buffer.write(buf.getvalue())',
  ].join('\n');
  return execFileSync('python3', ['-c', script], { input: JSON.stringify(files) });
}

describe('report in a workflow_run job', () => {
  it('reads the triggering run’s artifacts and takes the pull request from the API', async () => {
    const head = fakeSha('fork-head');
    const pull = nextPull++;
    // A fork's pull request: the run lists no pull requests, the API finds it by head commit.
    server.state.addPullRequest(REPO, { number: pull, head: { sha: head, ref: 'patch-1' } });
    const run = server.state.addWorkflowRun(REPO, { headSha: head, headBranch: 'patch-1', pullRequests: [] });
    server.state.addArtifact(REPO, run.id, {
      name: 'model-gates-results-contract',
      zip: pythonZip({ 'contract.json': JSON.stringify(contractResult()) }),
    });
    server.state.addArtifact(REPO, run.id, {
      name: 'model-gates-results-regression',
      zip: pythonZip({ 'embedding-regression.json': JSON.stringify(result({ verdict: 'fail', checks: [pairsCheck()] })) }),
    });
    server.state.addArtifact(REPO, run.id, { name: 'coverage', zip: pythonZip({ 'coverage.json': '{"not": "a result"}' }) });
    const workspace = await tempDir('mg-report-wr-');
    const out = await report({
      workspace,
      event: { workflow_run: { id: run.id, head_sha: head } },
      env: { GITHUB_EVENT_NAME: 'workflow_run', GITHUB_SHA: fakeSha('main') },
    });
    expect(out.exitCode, out.stdout).toBe(0);
    const [comment] = reportComments(pull);
    expect(comment).toBeDefined();
    expect(comment?.body).toContain('`contract` | contract | ❌ fail');
    expect(comment?.body).toContain('`embedding-regression` | embedding-regression | ❌ fail');
    // File links point at the fork's head commit, built from this repository.
    expect(comment?.body).toContain(`https://github.com/${REPO}/blob/${head}/models/search-embedder/contract.yml#L12`);
  });

  it('refuses an artifact file that is not a valid result, naming the artifact and file', async () => {
    const head = fakeSha('fork-head-2');
    const pull = nextPull++;
    server.state.addPullRequest(REPO, { number: pull, head: { sha: head, ref: 'patch-2' } });
    const run = server.state.addWorkflowRun(REPO, { headSha: head, headBranch: 'patch-2', pullRequests: [] });
    const forged = { ...contractResult(), verdict: 'pass', extra: '<script>' };
    server.state.addArtifact(REPO, run.id, { name: 'model-gates-results', zip: pythonZip({ 'contract.json': JSON.stringify(forged) }) });
    const out = await report({
      workspace: await tempDir('mg-report-wr-'),
      inputs: { 'run-id': String(run.id) },
      event: {},
      env: { GITHUB_EVENT_NAME: 'workflow_run' },
    });
    expect(out.exitCode).toBe(1);
    const messages = out.annotations.map((a) => `${a.file ?? ''}: ${a.message}`).join('\n');
    expect(messages).toContain("artifact 'model-gates-results' of run");
    expect(messages).toContain("unknown property 'extra'");
    expect(reportComments(pull)).toHaveLength(0);
  });

  it('names the missing actions: read permission when it cannot read the run', async () => {
    const run = server.state.addWorkflowRun(REPO, { headSha: HEAD, headBranch: 'topic', pullRequests: [] });
    const out = await report({
      workspace: await tempDir('mg-report-wr-'),
      token: 'no-actions-token',
      event: { workflow_run: { id: run.id } },
      env: { GITHUB_EVENT_NAME: 'workflow_run' },
    });
    expect(out.exitCode).toBe(1);
    expect(out.annotations.map((a) => a.message).join('\n')).toContain('the token lacks `actions: read`');
  });
});

describe('report bundle: the full report as an artifact', () => {
  const service = new ActionsResultsServer();
  beforeAll(() => service.start());
  afterEach(() => expect(service.violations).toEqual([]));
  afterAll(() => service.close());

  it('uploads report.md and the results through the results service, and links the artifact from the comment', async () => {
    const pull = openPull();
    const run = await report({ pull, inputs: { 'artifact-name': 'model-gates-report' }, env: { ...service.env('v2'), GITHUB_RUN_ID: '4242' } });
    expect(run.exitCode, run.stdout + run.stderr).toBe(0);
    const [artifact] = service.artifacts;
    expect(service.artifacts).toHaveLength(1);
    expect(artifact).toMatchObject({ name: 'model-gates-report', finalised: true });
    const files = readZip(artifact?.archive as Buffer);
    expect(files.map((f) => f.name).sort()).toEqual(['report.md', ...defaultResults().map((r) => `results/${r.id}.json`)].sort());
    const markdown = files.find((f) => f.name === 'report.md')?.data.toString('utf8') ?? '';
    for (const r of defaultResults()) expect(markdown).toContain(`\`${r.id}\``);
    const [comment] = reportComments(pull);
    expect(comment?.body).toContain(`https://github.com/${REPO}/actions/runs/4242/artifacts/${artifact?.id}`);
  });
});

