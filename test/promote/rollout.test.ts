import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { FlagdCore } from '@openfeature/flagd-core';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { CommandOutcome, Environment } from '../../src/command.js';
import { githubPromoteServices } from '../../src/github/promote-services.js';
import { parseInputs } from '../../src/inputs/spec.js';
import { MemoryLogger } from '../../src/io/log.js';
import { createHistoryCommand, createPromoteCommand, promoteInputs, type PromoteServices } from '../../src/promote/command.js';
import { createGitHubClient } from '../../src/github/client.js';
import { FlagdContentsSwitch } from '../../src/github/flagd-contents-switch.js';
import type { ReleaseRecord } from '../../src/ledger/release-record.js';
import { gateResult, writeCanaryResult } from '../support/gate-fixture.js';
import { fakeSha } from '../support/github-server/index.js';
import { useGitHubServer } from '../support/github-server/vitest.js';
import { repoRoot } from '../support/node24.js';
import { tempDir } from '../support/temp.js';

const MODEL = 'search-embedder';
const COMMIT = fakeSha('release-commit');
const TOKEN = 'ghs_rollout';
const APP_TOKEN = 'ghs_app';
const github = useGitHubServer({}, (server) => {
  server.addToken(TOKEN, { login: 'github-actions[bot]', permissions: { deployments: 'write', contents: 'read' } });
  server.addToken(APP_TOKEN, { login: 'release-app[bot]', permissions: { contents: 'write', environments: 'write', deployments: 'write' } });
});

beforeEach(() => {
  vi.stubEnv('GITHUB_API_URL', github().url);
  vi.stubEnv('MODEL_GATES_GITHUB_TIME_UNIT_MS', '1');
});
afterEach(() => {
  vi.unstubAllEnvs();
  github().clearFaults();
});

interface Workspace {
  dir: string;
  log: MemoryLogger;
  repository: string | null;
}

const ARTIFACT = new TextEncoder().encode('weights of 2.0.0');
const ARTIFACT_DIGEST = `sha256:${createHash('sha256').update(ARTIFACT).digest('hex')}`;

async function workspace(config: string, repository: string | null = null): Promise<Workspace> {
  const dir = await tempDir('mg-rollout-');
  await writeFile(join(dir, 'model-gates.yml'), config);
  await mkdir(join(dir, 'models'), { recursive: true });
  await writeFile(join(dir, 'models', 'model.safetensors'), ARTIFACT);
  for (const [version, digest] of [
    ['1.0.0', ARTIFACT_DIGEST],
    ['2.0.0', ARTIFACT_DIGEST],
    ['3.0.0', `sha256:${'1'.repeat(64)}`],
  ] as const) {
    await writeFile(
      join(dir, 'models', `contract-${version}.yml`),
      [
        `name: ${MODEL}`,
        `version: ${version}`,
        'artifact:',
        '  uri: models/model.safetensors',
        `  digest: ${digest}`,
        'lineage:',
        '  trainingData: { uri: s3://acme-data/pairs, version: 2026-10 }',
        '  codeCommit: 8d2e41a',
        '  hyperparameters: { epochs: 3, learningRate: 0.00002 }',
        '',
      ].join('\n'),
    );
  }
  return { dir, log: new MemoryLogger(), repository };
}

async function writeGate(ws: Workspace, version: string, production: string | null): Promise<void> {
  const dir = join(ws.dir, 'results');
  await mkdir(dir, { recursive: true });
  const result = gateResult({ model: MODEL, version, productionVersion: production, commit: COMMIT, decision: 'pass', id: `gate-${version}` }) as { details: Record<string, unknown> };
  result.details.approvals = { required: 1, counted: ['alice'], stale: [], changesRequested: [], ignored: [] };
  result.details.environmentApprovers = [{ login: 'ops-lead', state: 'approved', environments: ['production'], comment: 'ship it' }];
  await writeFile(join(dir, `gate-${version}.json`), JSON.stringify(result));
}

async function writeCanary(ws: Workspace, version: string, verdict: 'pass' | 'fail' | 'marginal', id: string): Promise<void> {
  await writeCanaryResult(ws.dir, 'results', { model: MODEL, version, commit: COMMIT, verdict, id });
}

function environmentOf(ws: Workspace): Environment {
  return {
    log: ws.log,
    context: { commit: COMMIT, ref: 'refs/heads/main', repository: ws.repository, runUrl: 'https://github.com/acme/models/actions/runs/1', baseCommit: null, pullRequest: null, workspace: ws.dir },
    env: { GITHUB_ACTOR: 'alice' },
    setSecret: () => {},
    runner: 'cli',
  };
}

async function run(ws: Workspace, inputs: Record<string, string>, services: PromoteServices = githubPromoteServices): Promise<CommandOutcome> {
  const command = createPromoteCommand(services);
  const parsed = parseInputs(promoteInputs, (name) => ({ model: MODEL, 'results-dir': 'results', ...inputs })[name], 'cli');
  return command.run(parsed, environmentOf(ws));
}

async function history(ws: Workspace, ledger: string): Promise<ReleaseRecord[]> {
  const historyCommand = createHistoryCommand(githubPromoteServices);
  const parsed = parseInputs(historyCommand.inputs, (name) => ({ model: MODEL, ledger, format: 'json' })[name as 'model'], 'cli');
  const outcome = await historyCommand.run(parsed, environmentOf(ws));
  return JSON.parse(outcome.stdout ?? '[]') as ReleaseRecord[];
}

/** Share of 10 000 users flagd sends to `version` from the flag file's text. */
function flagdShare(text: string, version: string): number {
  const core = new FlagdCore();
  core.setConfigurations(text);
  let hits = 0;
  for (let i = 0; i < 10_000; i++) if (core.resolveStringEvaluation(MODEL, 'unset', { targetingKey: `user-${i}` }).value === version) hits++;
  return hits / 10_000;
}

const FILE_CONFIG = [
  'promote:',
  "  switch: { backend: flagd-file, path: 'flags/{environment}.flagd.json' }",
  '  stages: [canary-10, canary-50, full]',
  '',
].join('\n');
const FILE_LEDGER = 'file:ledger/ledger.jsonl';

describe('promote and rollback change the ledger and the serving switch together (file ledger, local flag file)', () => {
  it('canary-10 → advance on a passing canary analysis → full → rollback, with release records', async () => {
    const ws = await workspace(FILE_CONFIG);
    const flagFile = join(ws.dir, 'flags', 'production.flagd.json');
    await writeGate(ws, '1.0.0', null);
    await writeGate(ws, '2.0.0', '1.0.0');
    const first = await run(ws, { version: '1.0.0', stage: 'full', ledger: FILE_LEDGER, contract: 'models/contract-1.0.0.yml' });
    expect(first.failure).toBeUndefined();
    expect(first.outputs).toMatchObject({ serving: '1.0.0', 'serving-agrees': 'true', stage: 'full' });

    const canary = await run(ws, { version: '2.0.0', stage: 'canary-10', ledger: FILE_LEDGER, contract: 'models/contract-2.0.0.yml' });
    expect(canary.outputs).toMatchObject({ serving: '1.0.0, canary 2.0.0 at 10%', 'serving-agrees': 'true', 'traffic-percent': '10' });
    const split = flagdShare(await readFile(flagFile, 'utf8'), '2.0.0');
    expect(split).toBeGreaterThan(0.085);
    expect(split).toBeLessThan(0.115);

    // A plain promote of the version in flight, to another stage, would skip advance's evidence.
    for (const stage of ['full', 'canary-50']) {
      const skip = await run(ws, { version: '2.0.0', stage, ledger: FILE_LEDGER, contract: 'models/contract-2.0.0.yml' });
      expect(skip.failure).toMatch(/promote refused: 2\.0\.0 is already rolling out in production at canary-10 \(#\d+\); operation advance moves it/);
    }
    // No canary analysis yet: advance refuses and changes nothing.
    const early = await run(ws, { operation: 'advance', ledger: FILE_LEDGER });
    expect(early.failure).toMatch(/no canary analysis of 2\.0\.0 since canary-10 started/);
    expect((await run(ws, { operation: 'status', ledger: FILE_LEDGER })).outputs.serving).toBe('1.0.0, canary 2.0.0 at 10%');

    await writeCanary(ws, '2.0.0', 'pass', 'canary-10-analysis');
    const to50 = await run(ws, { operation: 'advance', ledger: FILE_LEDGER });
    expect(to50.failure).toBeUndefined();
    expect(to50.outputs).toMatchObject({ stage: 'canary-50', serving: '1.0.0, canary 2.0.0 at 50%' });
    // The canary analysis of canary-10 does not count for canary-50.
    expect((await run(ws, { operation: 'advance', ledger: FILE_LEDGER })).failure).toMatch(/no canary analysis of 2\.0\.0 since canary-50 started/);
    await writeCanary(ws, '2.0.0', 'pass', 'canary-50-analysis');
    const full = await run(ws, { operation: 'advance', ledger: FILE_LEDGER });
    expect(full.outputs).toMatchObject({ stage: 'full', serving: '2.0.0', 'current-version': '2.0.0', 'previous-version': '1.0.0' });
    expect(flagdShare(await readFile(flagFile, 'utf8'), '2.0.0')).toBe(1);

    const back = await run(ws, { operation: 'rollback', ledger: FILE_LEDGER, reason: 'p95 latency doubled', evidence: 'https://grafana.example/d/abc' });
    expect(back.outputs).toMatchObject({ 'current-version': '1.0.0', serving: '1.0.0', 'serving-agrees': 'true' });
    const flagText = await readFile(flagFile, 'utf8');
    expect(flagdShare(flagText, '1.0.0')).toBe(1);
    expect(Object.keys(JSON.parse(flagText).flags[MODEL].variants).sort()).toEqual(['1.0.0', '2.0.0']);

    const records = await history(ws, FILE_LEDGER);
    expect(records.map((r) => `${r.operation} ${r.version} ${r.stage} ${r.status}`)).toEqual([
      'rollback 1.0.0 full success',
      'promote 2.0.0 full failure',
      'promote 2.0.0 canary-50 failure',
      'promote 2.0.0 canary-10 failure',
      'promote 1.0.0 full success',
    ]);
    const fullRecord = records[1]!;
    expect(fullRecord.lineage).toMatchObject({ trainingData: { uri: 's3://acme-data/pairs', version: '2026-10' }, codeCommit: '8d2e41a', hyperparameters: { epochs: 3 } });
    expect(fullRecord.artifactCheck).toMatchObject({ status: 'verified' });
    expect(fullRecord.approvals).toEqual({ reviewers: ['alice'], environment: [{ login: 'ops-lead', state: 'approved', comment: 'ship it' }], override: null });
    expect(fullRecord.results.map((r) => r.id)).toEqual(['gate-2.0.0']);
    expect(fullRecord.results[0]!.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(fullRecord.canary.map((c) => `${c.stage} ${c.verdict} ${c.resultId}`)).toEqual(['canary-10 pass canary-10-analysis', 'canary-50 pass canary-50-analysis']);
    expect(records[0]!.rollback).toEqual({ trigger: 'manual', evidence: ['https://grafana.example/d/abc'] });
    // The rollback's record documents the version it returns to: 1.0.0's gate, not 2.0.0's.
    expect(records[0]!.results.map((r) => r.id)).toEqual(['gate-1.0.0']);
    expect(records[0]!.reason).toBe('p95 latency doubled');

    // Each record is also a file beside the ledger, JSON and Markdown.
    const files = await readdir(join(ws.dir, 'ledger', 'releases', MODEL, 'production'));
    expect(files.sort()).toEqual(['1.json', '1.md', '2.json', '2.md', '3.json', '3.md', '4.json', '4.md', '5.json', '5.md']);
    expect(await readFile(join(ws.dir, 'ledger', 'releases', MODEL, 'production', '5.md'), 'utf8')).toMatch(/Trigger \| manual/);

    // Every record names the switch it moved; a run without the config can neither move the
    // ledger alone nor call the two in agreement.
    const lines = (await readFile(join(ws.dir, 'ledger', 'ledger.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { type: string; record?: { switch?: string } });
    const switches = new Set(lines.filter((l) => l.type === 'record').map((l) => l.record?.switch));
    expect([...switches]).toEqual([expect.stringMatching(/^flagd-file:.*flags\/\{environment\}\.flagd\.json$/)]);
    await rm(join(ws.dir, 'model-gates.yml'));
    expect((await run(ws, { operation: 'status', ledger: FILE_LEDGER })).failure).toMatch(/record #5 moved serving through flagd-file:.*no serving switch is configured here/);
    await expect(run(ws, { operation: 'rollback', ledger: FILE_LEDGER, version: '2.0.0', reason: 'no config' })).rejects.toThrow(/#5 moved serving through flagd-file:.*it would move the ledger alone/);
    expect((await history(ws, FILE_LEDGER)).length).toBe(5);
  });

  it('refuses an artifact whose bytes do not match the contract digest, and records nothing', async () => {
    const ws = await workspace(FILE_CONFIG);
    await writeGate(ws, '3.0.0', null);
    const outcome = await run(ws, { version: '3.0.0', stage: 'full', ledger: FILE_LEDGER, contract: 'models/contract-3.0.0.yml' });
    expect(outcome.failure).toMatch(/hashes to sha256:[0-9a-f]{64}, not the contract's sha256:1111/);
    expect(await history(ws, FILE_LEDGER)).toEqual([]);
  });

  it('advance rolls back on a failed canary analysis, and on a stage past its maximum duration', async () => {
    const ws = await workspace(FILE_CONFIG.replace('  stages:', '  stageMaxMinutes: 0.0005\n  stages:'));
    await writeGate(ws, '1.0.0', null);
    await writeGate(ws, '2.0.0', '1.0.0');
    await run(ws, { version: '1.0.0', ledger: FILE_LEDGER });
    await run(ws, { version: '2.0.0', stage: 'canary-10', ledger: FILE_LEDGER });
    await writeCanary(ws, '2.0.0', 'fail', 'bad-canary');
    const failed = await run(ws, { operation: 'advance', ledger: FILE_LEDGER });
    expect(failed.outputs).toMatchObject({ 'current-version': '1.0.0', serving: '1.0.0' });
    const [rolledBack] = await history(ws, FILE_LEDGER);
    expect(rolledBack?.rollback?.trigger).toBe('canary-analysis');
    expect(rolledBack?.rollback?.evidence[0]).toMatch(/^bad-canary fail: canary fail/);
    expect(rolledBack?.canary.map((c) => c.verdict)).toEqual(['fail']);

    // A stage with no verdict past stageMaxMinutes (0.03 s here) is rolled back too.
    await run(ws, { version: '2.0.0', stage: 'canary-10', ledger: FILE_LEDGER, 'expected-current': '1.0.0' });
    await new Promise((r) => setTimeout(r, 100));
    await writeCanary(ws, '2.0.0', 'marginal', 'marginal-canary');
    const overdue = await run(ws, { operation: 'advance', ledger: FILE_LEDGER });
    expect(overdue.outputs.serving).toBe('1.0.0');
    expect((await history(ws, FILE_LEDGER))[0]?.rollback).toMatchObject({ trigger: 'stage-overdue' });
  });

  it('two racing promotions leave one winner, in the ledger and in serving', async () => {
    const ws = await workspace(FILE_CONFIG);
    await writeGate(ws, '1.0.0', null);
    await writeGate(ws, '2.0.0', '1.0.0');
    await mkdir(join(ws.dir, 'results2'));
    const other = gateResult({ model: MODEL, version: '2.5.0', productionVersion: '1.0.0', commit: COMMIT, decision: 'pass', id: 'gate-2.5.0' });
    await writeFile(join(ws.dir, 'results', 'gate-2.5.0.json'), JSON.stringify(other));
    await run(ws, { version: '1.0.0', ledger: FILE_LEDGER });
    const outcomes = await Promise.all([run(ws, { version: '2.0.0', ledger: FILE_LEDGER }), run(ws, { version: '2.5.0', ledger: FILE_LEDGER })]);
    const winners = outcomes.filter((o) => o.failure === undefined);
    expect(winners).toHaveLength(1);
    expect(outcomes.find((o) => o.failure)?.failure).toMatch(/production changed|in flight/);
    const status = await run(ws, { operation: 'status', ledger: FILE_LEDGER });
    expect(status.outputs).toMatchObject({ 'serving-agrees': 'true', serving: winners[0]!.outputs['current-version'] });
  });
});

function githubConfig(backend: 'flagd' | 'environment-variables', repository: string): string {
  return backend === 'flagd'
    ? `promote:\n  switch: { backend: flagd, repository: ${repository}, path: 'flags/{environment}.flagd.json' }\n`
    : `promote:\n  switch: { backend: environment-variables }\n`;
}

async function githubWorkspace(backend: 'flagd' | 'environment-variables'): Promise<Workspace> {
  const repository = `acme/models-${Math.random().toString(36).slice(2, 8)}`;
  github().state.addRepository(repository);
  github().state.setRef(repository, 'main', COMMIT);
  github().state.addEnvironment(repository, 'production');
  const ws = await workspace(githubConfig(backend, repository), repository);
  await writeGate(ws, '1.0.0', null);
  await writeGate(ws, '2.0.0', '1.0.0');
  return ws;
}

const GITHUB = { ledger: 'github', 'github-token': TOKEN, 'switch-token': APP_TOKEN };

describe('the switch write fails after the ledger claim (GitHub Deployments ledger, flag file through the contents API)', () => {
  it('a 5xx that outlasts the retries leaves the record in progress; status reports it; a rerun converges', async () => {
    const ws = await githubWorkspace('flagd');
    await run(ws, { version: '1.0.0', ...GITHUB });
    github().injectFault({ operation: 'repos/create-or-update-file-contents', kind: 'server-error', status: 502, times: 4 });
    await expect(run(ws, { version: '2.0.0', ...GITHUB })).rejects.toThrow(/the ledger claimed #\d+ \(2\.0\.0 full\), but the serving switch .* was not set: .*502.*rerun the same command/);
    const deployments = github().state.deployments.filter((d) => d.repository === ws.repository);
    expect(github().state.deploymentStatusesOf(deployments.at(-1)!.id)[0]?.state).toBe('in_progress');

    const status = await run(ws, { operation: 'status', ...GITHUB });
    expect(status.outputs['serving-agrees']).toBe('false');
    expect(status.failure).toMatch(/disagrees/);
    expect(status.summary).toMatch(/in progress/);

    const rerun = await run(ws, { version: '2.0.0', ...GITHUB });
    expect(rerun.failure).toBeUndefined();
    expect(ws.log.lines.map((l) => l.message).join('\n')).toMatch(/Completed search-embedder 2\.0\.0 full/);
    // The rerun completed the same deployment instead of claiming another.
    expect(github().state.deployments.filter((d) => d.repository === ws.repository)).toHaveLength(2);
    expect((await run(ws, { operation: 'status', ...GITHUB })).outputs).toMatchObject({ 'serving-agrees': 'true', serving: '2.0.0', 'current-version': '2.0.0' });
  });

  it('409s on the blob sha from a writer that never stops: the record stays in progress, the rerun converges', async () => {
    const ws = await githubWorkspace('flagd');
    await run(ws, { version: '1.0.0', ...GITHUB });
    const repository = ws.repository!;
    // A writer that commits its own flag between every read and write of the switch.
    let races = 5;
    const racing: PromoteServices = {
      ...githubPromoteServices,
      githubSwitch: async (config, { token, environment }) => {
        const octokit = createGitHubClient({ token, log: environment.log });
        octokit.hook.before('request', (options) => {
          if (options.method !== 'PUT' || races <= 0) return;
          races--;
          const repo = github().state.repository(repository)!;
          const doc = JSON.parse(new TextDecoder().decode(repo.trees.get(repo.refs.get('main')!)!.get('flags/production.flagd.json')!));
          doc.flags.other = { state: 'ENABLED', variants: { a: races }, defaultVariant: 'a' };
          github().state.commitFile(repository, 'main', 'flags/production.flagd.json', new TextEncoder().encode(JSON.stringify(doc)), 'racer');
        });
        const [owner = '', repo = ''] = repository.split('/');
        return new FlagdContentsSwitch(octokit, { owner, repo, path: config.path ?? '' });
      },
    };
    const failed = await run(ws, { version: '2.0.0', ...GITHUB }, racing).catch((e: unknown) => e);
    expect(String(failed)).toMatch(/kept changing under the switch: 5 writes refused \(GitHub answered 409\)/);
    expect((await run(ws, { operation: 'status', ...GITHUB })).outputs['serving-agrees']).toBe('false');
    const rerun = await run(ws, { version: '2.0.0', ...GITHUB }, racing);
    expect(races).toBe(0);
    expect(rerun.outputs).toMatchObject({ 'serving-agrees': 'true', serving: '2.0.0' });
    // The racer's flag is still there: nothing was lost.
    const repo = github().state.repository(repository)!;
    const flags = JSON.parse(new TextDecoder().decode(repo.trees.get(repo.refs.get('main')!)!.get('flags/production.flagd.json')!)).flags;
    expect(Object.keys(flags).sort()).toEqual(['other', MODEL]);
  });

  it('a process killed after the ledger claim: status reports the unfinished record, a rerun converges', async () => {
    const ws = await githubWorkspace('flagd');
    await run(ws, { version: '1.0.0', ...GITHUB });
    // The switch's first read is held, so the process is between the claim and the switch write when it dies.
    const held = github().injectFault({ operation: 'repos/get-content', kind: 'delay', ms: 2000 });
    const child = spawn(process.execPath, ['--import', pathToFileURL(join(repoRoot, 'node_modules', 'tsx', 'dist', 'esm', 'index.mjs')).href, join(repoRoot, 'src', 'cli-main.ts'), 'promote', '--model', MODEL, '--version', '2.0.0', '--results-dir', 'results', '--ledger', 'github', '--github-token', TOKEN, '--switch-token', APP_TOKEN], {
      cwd: ws.dir,
      env: { ...process.env, ...github().env(), GITHUB_SHA: COMMIT, GITHUB_REPOSITORY: ws.repository!, GITHUB_WORKSPACE: ws.dir },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
    while (held.remaining > 0) {
      if (child.exitCode !== null) throw new Error(`the promote process ended before reaching the switch: ${stderr}`);
      await new Promise((r) => setTimeout(r, 10));
    }
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');

    const claimed = github().state.deployments.filter((d) => d.repository === ws.repository).at(-1)!;
    expect((claimed.payload as { version: string }).version).toBe('2.0.0');
    expect(github().state.deploymentStatusesOf(claimed.id)[0]?.state).toBe('in_progress');
    const status = await run(ws, { operation: 'status', ...GITHUB });
    expect(status.outputs).toMatchObject({ 'serving-agrees': 'false', serving: '1.0.0', 'current-version': '1.0.0' });
    expect(status.failure).toMatch(new RegExp(`#${claimed.id} promote 2\\.0\\.0 full is in progress`));
    // Another version cannot slip in while the claim is unfinished.
    await writeGate(ws, '2.5.0', '1.0.0');
    expect((await run(ws, { version: '2.5.0', ...GITHUB })).failure).toMatch(/another rollout is in flight: 2\.0\.0 full/);

    const rerun = await run(ws, { version: '2.0.0', ...GITHUB });
    expect(rerun.outputs).toMatchObject({ 'deployment-id': String(claimed.id), serving: '2.0.0', 'serving-agrees': 'true', 'current-version': '2.0.0' });
  });

  it('publishes the release record of a full promotion as a GitHub Release, not of a canary stage', async () => {
    const ws = await githubWorkspace('flagd');
    await writeFile(join(ws.dir, 'model-gates.yml'), `${githubConfig('flagd', ws.repository!)}  publishRelease: true\n`);
    // GitHub creates the release but its answer is lost: the retry finds the tag taken and reads the release.
    github().injectFault({ operation: 'repos/create-release', kind: 'server-error-after', status: 502 });
    const full = await run(ws, { version: '1.0.0', ...GITHUB, 'github-token': APP_TOKEN, 'expected-current': 'none' });
    expect(full.failure).toBeUndefined();
    const canary = await run(ws, { version: '2.0.0', stage: 'canary-10', ...GITHUB, 'github-token': APP_TOKEN });
    expect(canary.failure).toBeUndefined();
    expect(canary.outputs['release-url']).toBe('');
    const releases = github().state.releases.filter((r) => r.repository === ws.repository);
    expect(full.outputs['release-url']).toMatch(new RegExp(`/releases/tag/${MODEL}-v1\\.0\\.0$`));
    expect(full.summary).toContain('Release: ');
    expect(releases.map((r) => `${r.tagName} ${r.targetCommitish}`)).toEqual([`${MODEL}-v1.0.0 ${COMMIT}`]);
    expect(releases[0]!.body).toMatch(/search\\-embedder 1\\\.0\\\.0: full/);
    expect(releases[0]!.body).toContain('| Environment approvals | ops\\-lead \\(approved: ship it\\) |');
  });

  it('environment variables: promote sets them, a rollback sets them back, status reads them', async () => {
    const ws = await githubWorkspace('environment-variables');
    await run(ws, { version: '1.0.0', ...GITHUB });
    await run(ws, { version: '2.0.0', stage: 'canary-10', ...GITHUB });
    const vars = () => Object.fromEntries(github().state.variablesOf(ws.repository!, 'production').map((v) => [v.name, v.value]));
    expect(vars()).toMatchObject({ MODEL_SEARCH_EMBEDDER_VERSION: '1.0.0', MODEL_SEARCH_EMBEDDER_CANARY_VERSION: '2.0.0', MODEL_SEARCH_EMBEDDER_CANARY_PERCENT: '10' });
    const back = await run(ws, { operation: 'rollback', ...GITHUB, reason: 'errors', trigger: 'monitor' });
    expect(back.outputs).toMatchObject({ serving: '1.0.0', 'serving-agrees': 'true' });
    expect(vars()).toMatchObject({ MODEL_SEARCH_EMBEDDER_VERSION: '1.0.0', MODEL_SEARCH_EMBEDDER_CANARY_PERCENT: '0' });
    // Someone edits a variable by hand: status says so; a rollback run puts it back.
    github().state.setVariable(ws.repository!, 'production', 'MODEL_SEARCH_EMBEDDER_VERSION', '9.9.9');
    expect((await run(ws, { operation: 'status', ...GITHUB })).failure).toMatch(/serving reads version 9\.9\.9, the ledger says 1\.0\.0/);
    const again = await run(ws, { operation: 'rollback', ...GITHUB, reason: 'converge' });
    expect(again.outputs['serving-agrees']).toBe('true');
    expect(vars().MODEL_SEARCH_EMBEDDER_VERSION).toBe('1.0.0');
  });
});
