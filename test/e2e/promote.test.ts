import { spawn } from 'node:child_process';
import { readFile, writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runActionBundle, type ActionRun } from '../support/action-runner.js';
import { writeCanaryResult, writeGateResult } from '../support/gate-fixture.js';
import { fakeSha, startGitHubServer, type GitHubServer } from '../support/github-server/index.js';
import { node24, repoRoot } from '../support/node24.js';
import { tempDir } from '../support/temp.js';

const MODEL = 'search-embedder';
const TOKEN = 'ghs_promote_test_token';

let server: GitHubServer;
beforeAll(async () => {
  server = await startGitHubServer();
  server.addToken(TOKEN, { login: 'github-actions[bot]', permissions: { deployments: 'write', contents: 'read' } });
});
afterEach(() => server.assertNoViolations());
afterAll(() => server.close());

let repositories = 0;

/** One ledger backend under test: how runs reach it, and its records as the backend stores them. */
interface Backend {
  name: 'github' | 'file';
  /** The GitHub repository (github backend). */
  repository?: string;
  workspace: string;
  env: Record<string, string>;
  inputs: Record<string, string>;
  /** `version stage status` of every record, newest first, read straight from the backend. */
  records(): Promise<string[]>;
}

async function githubBackend(): Promise<Backend> {
  const repository = `acme/models-${++repositories}`;
  server.state.addRepository(repository);
  const workspace = await tempDir('mg-promote-');
  return {
    name: 'github',
    repository,
    workspace,
    env: { ...server.env(), GITHUB_REPOSITORY: repository, GITHUB_ACTOR: 'alice' },
    inputs: { 'github-token': TOKEN },
    async records() {
      return server.state.deployments
        .filter((d) => d.repository === repository)
        .reverse()
        .map((d) => {
          const payload = d.payload as { version: string; stage: string };
          expect(d.task).toBe('deploy:model');
          return `${payload.version} ${payload.stage} ${server.state.deploymentStatusesOf(d.id)[0]?.state ?? 'none'}`;
        });
    },
  };
}

async function fileBackend(): Promise<Backend> {
  const workspace = await tempDir('mg-promote-');
  return {
    name: 'file',
    workspace,
    env: { GITHUB_ACTOR: 'alice' },
    inputs: { ledger: 'file:ledger/ledger.jsonl' },
    async records() {
      const lines = (await readFile(join(workspace, 'ledger', 'ledger.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
      const status = new Map<number, string>();
      for (const line of lines) status.set(line.id, line.type === 'status' ? line.status : (status.get(line.id) ?? 'in_progress'));
      return lines
        .filter((l) => l.type === 'record')
        .reverse()
        .map((l) => `${l.record.version} ${l.record.stage} ${status.get(l.id)}`);
    },
  };
}

interface PromoteOptions {
  version: string;
  stage?: string;
  /** What the gate compared against; null for a first release. */
  productionVersion: string | null;
  decision?: 'pass' | 'fail' | 'pending';
  /** The commit the gate evaluated; default the run's. */
  gateCommit?: string;
  extra?: Record<string, string>;
}

/** Writes a gate result for `version` and runs the promote bundle at that version's commit. */
async function promote(backend: Backend, options: PromoteOptions): Promise<ActionRun> {
  const commit = fakeSha(options.version);
  const dir = `results-${options.version}`;
  await writeGateResult(backend.workspace, dir, {
    model: MODEL,
    version: options.version,
    productionVersion: options.productionVersion,
    commit: options.gateCommit ?? commit,
    decision: options.decision ?? 'pass',
    approvals: ['carol'],
  });
  return runActionBundle('promote', {
    workspace: backend.workspace,
    env: { ...backend.env, GITHUB_SHA: commit },
    inputs: {
      ...backend.inputs,
      model: MODEL,
      version: options.version,
      stage: options.stage ?? 'full',
      'results-dir': dir,
      'artifact-uri': `s3://models/${MODEL}/${options.version}`,
      ...options.extra,
    },
  });
}

/** The stages advance walks, in the workspace's model-gates.yml. */
async function useStages(backend: Backend, stages: string[]): Promise<void> {
  await writeFile(join(backend.workspace, 'model-gates.yml'), `promote:\n  stages: [${stages.join(', ')}]\n`);
}

/** Records a passing canary analysis of the stage in flight, then runs advance. */
async function advance(backend: Backend, version: string, id: string): Promise<ActionRun> {
  const dir = `results-${version}`;
  await writeCanaryResult(backend.workspace, dir, { model: MODEL, version, commit: fakeSha(version), verdict: 'pass', id });
  return runActionBundle('promote', {
    workspace: backend.workspace,
    env: { ...backend.env, GITHUB_SHA: fakeSha(version) },
    inputs: { ...backend.inputs, operation: 'advance', model: MODEL, 'results-dir': dir },
  });
}

/** A run from workflow_dispatch: only the model and environment (and a reason). */
function dispatch(backend: Backend, operation: 'rollback' | 'status', extra: Record<string, string> = {}): Promise<ActionRun> {
  return runActionBundle('promote', {
    workspace: backend.workspace,
    env: { ...backend.env, GITHUB_SHA: fakeSha('main'), GITHUB_EVENT_NAME: 'workflow_dispatch' },
    inputs: { ...backend.inputs, operation, model: MODEL, environment: 'production', ...extra },
  });
}

function ok(run: ActionRun): ActionRun {
  expect(run.exitCode, `${run.stdout}\n${run.stderr}`).toBe(0);
  return run;
}

describe.concurrent.each([
  ['github', githubBackend],
  ['file', fileBackend],
] as const)('promote bundle under Node 24, %s ledger', { timeout: 90_000 }, (_name, makeBackend) => {
  // Each test starts the bundle up to eight times, twelve tests at once on a shared machine.
  it('promotes a first release, then canary-5 → canary-50 → full by advance, with outputs for the traffic step', async () => {
    const backend = await makeBackend();
    await useStages(backend, ['canary-5', 'canary-50', 'full']);
    const first = ok(await promote(backend, { version: '1.0.0', productionVersion: null }));
    expect(first.outputs['current-version']).toBe('1.0.0');
    expect(first.outputs['previous-version']).toBe('');

    const stages = [ok(await promote(backend, { version: '1.1.0', stage: 'canary-5', productionVersion: '1.0.0' }))];
    // A plain promote of the version in flight to a later stage would skip its evidence.
    const skip = await promote(backend, { version: '1.1.0', stage: 'full', productionVersion: '1.0.0' });
    expect(skip.exitCode).toBe(1);
    expect(skip.stdout).toContain('1.1.0 is already rolling out in production at canary-5');
    for (const stage of ['canary-5', 'canary-50']) stages.push(ok(await advance(backend, '1.1.0', `analysis-${stage}`)));
    expect(stages.map((r) => r.outputs['traffic-percent'])).toEqual(['5', '50', '100']);
    expect(stages.map((r) => r.outputs['current-version'])).toEqual(['1.0.0', '1.0.0', '1.1.0']);
    expect(stages.map((r) => r.outputs['previous-version'])).toEqual(['1.0.0', '1.0.0', '1.0.0']);
    expect(stages.every((r) => r.outputs['model-uri'] === `s3://models/${MODEL}/1.1.0`)).toBe(true);
    const ids = stages.map((r) => Number(r.outputs['deployment-id']));
    expect([...ids].sort((a, b) => a - b)).toEqual(ids);
    expect(stages[2]?.summary).toContain('canary\\-50');

    const records = await backend.records();
    expect(records.slice(0, 3)).toEqual(['1.1.0 full success', '1.1.0 canary-50 success', '1.1.0 canary-5 success']);
    expect(records[3]).toMatch(/^1\.0\.0 full (success|inactive)$/);
    if (backend.name === 'github') {
      const full = server.state.deployments.find((d) => d.id === ids[2]);
      expect(full?.sha).toBe(fakeSha('1.1.0'));
      expect(full?.productionEnvironment).toBe(true);
      const payload = full?.payload as Record<string, unknown>;
      expect(payload).toMatchObject({ model: MODEL, version: '1.1.0', stage: 'full', previousVersion: '1.0.0', actor: 'alice', gate: { decision: 'pass', approvals: ['carol'] } });
      for (const status of server.state.deploymentStatuses) expect(status.description.length).toBeLessThanOrEqual(140);
    }
  });

  it('refuses a promotion without a passing gate for this commit and version, and records nothing', async () => {
    const backend = await makeBackend();
    ok(await promote(backend, { version: '1.0.0', productionVersion: null }));
    const before = await backend.records();

    const failed = await promote(backend, { version: '2.0.0', productionVersion: '1.0.0', decision: 'fail' });
    expect(failed.exitCode).toBe(1);
    expect(failed.stdout).toContain('the gate did not pass search-embedder 2.0.0 (decision: fail)');

    const pending = await promote(backend, { version: '2.0.0', productionVersion: '1.0.0', decision: 'pending' });
    expect(pending.exitCode).toBe(1);
    expect(pending.stdout).toContain('decision: pending');

    const otherCommit = await promote(backend, { version: '2.0.0', productionVersion: '1.0.0', gateCommit: fakeSha('elsewhere') });
    expect(otherCommit.exitCode).toBe(1);
    expect(otherCommit.stdout).toContain(`evaluated commit ${fakeSha('elsewhere')}, not this run's commit`);

    // A passing gate for another version does not let this one through.
    await writeGateResult(backend.workspace, 'results-mixed', { model: MODEL, version: '2.0.0', productionVersion: '1.0.0', commit: fakeSha('2.0.1'), decision: 'pass' });
    const otherVersion = await runActionBundle('promote', {
      workspace: backend.workspace,
      env: { ...backend.env, GITHUB_SHA: fakeSha('2.0.1') },
      inputs: { ...backend.inputs, model: MODEL, version: '2.0.1', 'results-dir': 'results-mixed' },
    });
    expect(otherVersion.exitCode).toBe(1);
    expect(otherVersion.stdout).toContain('no gate result for search-embedder 2.0.1');

    expect(await backend.records()).toEqual(before);
  });

  it('refuses when production changed since the gate evaluated (compare-and-swap)', async () => {
    const backend = await makeBackend();
    ok(await promote(backend, { version: '1.0.0', productionVersion: null }));
    ok(await promote(backend, { version: '1.1.0', productionVersion: '1.0.0' }));
    const stale = await promote(backend, { version: '1.2.0', productionVersion: '1.0.0' });
    expect(stale.exitCode).toBe(1);
    expect(stale.stdout).toContain('production changed since the gate evaluated: expected 1.0.0, found 1.1.0');
    // expected-current overrides the gate's production version: the user re-checked against 1.1.0.
    const rechecked = ok(await promote(backend, { version: '1.2.0', productionVersion: '1.0.0', extra: { 'expected-current': '1.1.0' } }));
    expect(rechecked.outputs['current-version']).toBe('1.2.0');
  });

  it('rolls back from workflow_dispatch with only model and environment; a second rollback changes nothing', async () => {
    const backend = await makeBackend();
    await useStages(backend, ['canary-5', 'full']);
    ok(await promote(backend, { version: '1.0.0', productionVersion: null }));
    ok(await promote(backend, { version: '1.1.0', stage: 'canary-5', productionVersion: '1.0.0' }));
    ok(await advance(backend, '1.1.0', 'analysis-canary-5'));

    const rollback = ok(await dispatch(backend, 'rollback', { reason: 'p95 latency doubled' }));
    expect(rollback.outputs).toMatchObject({ 'current-version': '1.0.0', 'previous-version': '1.1.0', 'traffic-percent': '100', 'model-uri': `s3://models/${MODEL}/1.0.0` });
    const afterFirst = await backend.records();
    expect(afterFirst.slice(0, 3)).toEqual(['1.0.0 full success', '1.1.0 full failure', '1.1.0 canary-5 failure']);

    const again = ok(await dispatch(backend, 'rollback', { reason: 'clicked twice' }));
    expect(again.outputs['deployment-id']).toBe(rollback.outputs['deployment-id']);
    expect(again.outputs['current-version']).toBe('1.0.0');
    expect(again.stdout).toContain('Nothing to roll back');
    expect(await backend.records()).toEqual(afterFirst);

    const status = ok(await dispatch(backend, 'status'));
    expect(status.outputs['current-version']).toBe('1.0.0');
    expect(status.outputs['deployment-id']).toBe(rollback.outputs['deployment-id']);
    expect(status.summary).toContain('p95 latency doubled');
    // Newest first: the rollback, then the rolled-back full, the canary, the first release.
    const rows = status.summary.split('\n').filter((l) => /^\| \d+ \|/.test(l));
    expect(rows.map((r) => r.split('|')[3]?.trim())).toEqual(['`1.0.0`', '`1.1.0`', '`1.1.0`', '`1.0.0`']);
    expect(rows[0]).toContain('rollback');

    // A new promotion after the rollback compares against the rolled-back-to version.
    ok(await promote(backend, { version: '1.2.0', productionVersion: '1.0.0' }));
  });

  it('rolls back a canary in flight to the current version', async () => {
    const backend = await makeBackend();
    ok(await promote(backend, { version: '1.0.0', productionVersion: null }));
    ok(await promote(backend, { version: '1.1.0', stage: 'canary-5', productionVersion: '1.0.0' }));
    const blocked = await promote(backend, { version: '1.2.0', stage: 'canary-5', productionVersion: '1.0.0' });
    expect(blocked.exitCode).toBe(1);
    expect(blocked.stdout).toContain('another rollout is in flight: 1.1.0 canary-5');
    const rollback = ok(await dispatch(backend, 'rollback'));
    expect(rollback.outputs).toMatchObject({ 'current-version': '1.0.0', 'previous-version': '1.0.0', 'traffic-percent': '100' });
    expect((await backend.records()).slice(0, 2)).toEqual(['1.0.0 full success', '1.1.0 canary-5 failure']);
    ok(await promote(backend, { version: '1.2.0', stage: 'canary-5', productionVersion: '1.0.0' }));
  });

  it('lets exactly one of two concurrent promotions win', async () => {
    const backend = await makeBackend();
    ok(await promote(backend, { version: '1.0.0', productionVersion: null }));
    if (backend.name === 'github') {
      // Both runs pass the early check before either deployment exists, so the decision is
      // made by the re-read after creating: the protocol's hard case. The delay is long enough
      // to cover the two processes starting at different times on a busy machine.
      server.injectFault({ method: 'POST', path: `/repos/${backend.repository}/deployments`, kind: 'delay', ms: 2500, times: 2 });
    }
    const runs = await Promise.all([promote(backend, { version: '2.0.0', productionVersion: '1.0.0' }), promote(backend, { version: '3.0.0', productionVersion: '1.0.0' })]);
    const winners = runs.filter((r) => r.exitCode === 0);
    const losers = runs.filter((r) => r.exitCode === 1);
    expect(winners).toHaveLength(1);
    expect(losers).toHaveLength(1);
    expect(losers[0]?.stdout).toMatch(/another rollout is in flight|production changed since the gate evaluated/);
    const winner = winners[0]?.outputs['current-version'] as string;
    const records = await backend.records();
    const live = records.filter((r) => !r.endsWith('failure') && !r.startsWith('1.0.0'));
    expect(live).toEqual([`${winner} full success`]);
    if (backend.name === 'github') expect(records.filter((r) => r.endsWith('failure'))).toHaveLength(1);
    const status = ok(await dispatch(backend, 'status'));
    expect(status.outputs['current-version']).toBe(winner);
  });
});

describe('promote bundle, inputs', () => {
  it('rejects a malformed stage and an unknown ledger', async () => {
    const backend = await fileBackend();
    const stage = await promote(backend, { version: '1.0.0', productionVersion: null, stage: 'canary-100' });
    expect(stage.exitCode).toBe(1);
    expect(stage.annotations[0]?.message).toContain("'canary-100' is not a stage");
    const ledger = await promote(backend, { version: '1.0.0', productionVersion: null, extra: { ledger: 'postgres' } });
    expect(ledger.exitCode).toBe(1);
    expect(ledger.annotations[0]?.message).toContain("'postgres' is not a ledger; use github or file:<path>");
  });

  it('records the artifact and contract of the contract input, and refuses a contract of another version', async () => {
    const backend = await fileBackend();
    await mkdir(join(backend.workspace, 'models'), { recursive: true });
    await writeFile(join(backend.workspace, 'models', 'contract.yml'), await readFile(join(repoRoot, 'examples', 'models', 'search-embedder', 'contract.yml')));
    const wrong = await promote(backend, { version: '2.0.1', productionVersion: null, extra: { contract: 'models/contract.yml', 'artifact-uri': '' } });
    expect(wrong.exitCode).toBe(1);
    expect(wrong.annotations[0]).toMatchObject({ file: 'models/contract.yml', message: 'the contract is search-embedder 2.0.0, but the inputs promote search-embedder 2.0.1' });
    const run = ok(await promote(backend, { version: '2.0.0', productionVersion: null, extra: { contract: 'models/contract.yml', 'artifact-uri': '' } }));
    expect(run.outputs['model-uri']).toBe('s3://acme-models/search-embedder/2.0.0/model.safetensors');
    const [line] = (await readFile(join(backend.workspace, 'ledger', 'ledger.jsonl'), 'utf8')).split('\n');
    expect(JSON.parse(line as string).record).toMatchObject({
      artifact: { uri: 's3://acme-models/search-embedder/2.0.0/model.safetensors', digest: 'sha256:9a8b7c6d5e4f30211f2e3d4c5b6a79880f1e2d3c4b5a69788796a5b4c3d2e1f0' },
      contract: { path: 'models/contract.yml', commit: fakeSha('2.0.0') },
      gate: { decision: 'pass', resultId: 'gate', approvals: ['carol'], commit: fakeSha('2.0.0') },
    });
  });

  it('takes expected-current none as nothing deployed, over the gate result', async () => {
    const backend = await fileBackend();
    const stale = await promote(backend, { version: '1.0.0', productionVersion: '0.9.0' });
    expect(stale.exitCode).toBe(1);
    expect(stale.stdout).toContain('expected 0.9.0, found nothing deployed');
    ok(await promote(backend, { version: '1.0.0', productionVersion: '0.9.0', extra: { 'expected-current': 'none' } }));
  });

  it('names the missing permission when the token cannot write deployments', async () => {
    server.addToken('read-only', { login: 'github-actions[bot]', permissions: { deployments: 'read' } });
    const backend = await githubBackend();
    backend.inputs['github-token'] = 'read-only';
    const run = await promote(backend, { version: '1.0.0', productionVersion: null });
    expect(run.exitCode).toBe(1);
    expect(run.stdout).toContain('deployments: write');
  });
});

describe('model-gates history (CLI)', () => {
  it('prints the file ledger newest first', async () => {
    const backend = await fileBackend();
    ok(await promote(backend, { version: '1.0.0', productionVersion: null }));
    ok(await promote(backend, { version: '1.1.0', stage: 'canary-5', productionVersion: '1.0.0' }));
    await mkdir(join(backend.workspace, '.model-gates'), { recursive: true });
    await writeFile(join(backend.workspace, '.model-gates', 'ledger.jsonl'), await readFile(join(backend.workspace, 'ledger', 'ledger.jsonl')));
    const cli = join(repoRoot, 'dist', 'cli', 'index.js');
    const child = spawn(node24(), [cli, 'history', '--model', MODEL], { cwd: backend.workspace, env: { PATH: process.env.PATH ?? '' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code, stderr).toBe(0);
    expect(stdout).toContain('current-version=1.0.0');
    const lines = stderr.split('\n').filter((l) => l.startsWith('#'));
    expect(lines[0]).toMatch(/^#2 .* 1\.1\.0 {2}canary-5 {2}promote {2}success$/);
    expect(lines[1]).toMatch(/^#1 .* 1\.0\.0 {2}full {2}promote {2}success$/);
  });
});
