import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { parse } from 'yaml';
import type { Environment } from '../../src/command.js';
import { createGateCommand } from '../../src/gate/command.js';
import { gateReadsFor } from '../../src/github/gate-reads.js';
import { githubPromoteServices } from '../../src/github/promote-services.js';
import { parseInputs } from '../../src/inputs/spec.js';
import { MemoryLogger } from '../../src/io/log.js';
import { createHistoryCommand, createPromoteCommand, promoteInputs } from '../../src/promote/command.js';
import type { ReleaseRecord } from '../../src/ledger/release-record.js';
import { gateResult } from '../support/gate-fixture.js';
import { fakeSha } from '../support/github-server/index.js';
import { useGitHubServer } from '../support/github-server/vitest.js';
import { repoRoot } from '../support/node24.js';
import { tempDir } from '../support/temp.js';

interface Step {
  uses?: string;
  with?: Record<string, string>;
}
interface Job {
  environment?: string;
  needs?: string | string[];
  steps: Step[];
}

const usesAction = (step: Step, name: string) => step.uses?.includes(`/actions/${name}`) ?? false;

describe('the promote workflow gates inside the protected job', () => {
  it('examples/workflows/promote.yml: the gate runs in the job with environment:, before the first promote', async () => {
    const workflow = parse(await readFile(join(repoRoot, 'examples', 'workflows', 'promote.yml'), 'utf8')) as { jobs: Record<string, Job> };
    const gateJobs = Object.entries(workflow.jobs).filter(([, job]) => job.steps.some((s) => usesAction(s, 'gate')));
    expect(gateJobs.map(([name]) => name)).toEqual(['release']);
    const [, job] = gateJobs[0]!;
    expect(job.environment).toBe('production');
    const gateAt = job.steps.findIndex((s) => usesAction(s, 'gate'));
    const promoteAt = job.steps.findIndex((s) => usesAction(s, 'promote'));
    expect(gateAt).toBeGreaterThanOrEqual(0);
    expect(promoteAt).toBeGreaterThan(gateAt);
    // The stages loop advances (never promotes without evidence) after the release job.
    expect(workflow.jobs.stages?.steps.find((s) => usesAction(s, 'promote'))?.with?.operation).toBe('advance');
  });

  it("the README's promote section shows the same shape", async () => {
    const readme = await readFile(join(repoRoot, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('## promote:'), readme.indexOf('### Operations'));
    const yaml = /```yaml\n([\s\S]*?)```/.exec(section)?.[1] ?? '';
    const job = (parse(yaml) as { jobs: Record<string, Job> }).jobs.release!;
    expect(job.environment).toBe('production');
    expect(job.steps.findIndex((s) => usesAction(s, 'gate'))).toBeLessThan(job.steps.findIndex((s) => usesAction(s, 'promote')));
  });
});

const COMMIT = fakeSha('approved-release');
const TOKEN = 'ghs_release_job';
const github = useGitHubServer({}, (server) => {
  server.addToken(TOKEN, { login: 'github-actions[bot]', permissions: { deployments: 'write', contents: 'read', actions: 'read', statuses: 'write' } });
});
beforeEach(() => {
  vi.stubEnv('GITHUB_API_URL', github().url);
  vi.stubEnv('MODEL_GATES_GITHUB_TIME_UNIT_MS', '1');
});
afterEach(() => vi.unstubAllEnvs());

describe('a gate inside the protected job reads the approval and promote records it', () => {
  it('approval through the run approvals endpoint → gate pass → promote → release record names the approver', async () => {
    const repository = 'acme/approved-models';
    github().state.addRepository(repository);
    github().state.setRef(repository, 'main', COMMIT);
    const run = github().state.addWorkflowRun(repository, { headSha: COMMIT, status: 'in_progress', event: 'workflow_dispatch' });
    const dir = await tempDir('mg-approved-');
    await writeFile(join(dir, 'model-gates.yml'), 'gate:\n  requiredChecks: { kinds: [contract] }\n  environment: { name: production, required: true, allowed: { users: [ops-lead] } }\n');
    await mkdir(join(dir, 'results'));
    const contract = gateResult({ model: 'search-embedder', version: '2.0.0', productionVersion: null, commit: COMMIT, decision: 'pass', id: 'contract' }) as Record<string, unknown>;
    Object.assign(contract, { kind: 'contract', verdict: 'pass', summary: 'contract pass', details: {} });
    await writeFile(join(dir, 'results', 'contract.json'), JSON.stringify(contract));
    const environment: Environment = {
      log: new MemoryLogger(),
      context: { commit: COMMIT, ref: 'refs/heads/main', repository, runUrl: null, baseCommit: null, pullRequest: null, workspace: dir },
      env: { GITHUB_RUN_ID: String(run.id), GITHUB_ACTOR: 'alice' },
      setSecret: () => {},
      runner: 'actions',
    };
    const gate = createGateCommand({ reads: gateReadsFor });
    const runGate = () => gate.run(parseInputs(gate.inputs, (name) => ({ 'results-dir': 'results', 'github-token': TOKEN, 'set-status': 'false' })[name as 'results-dir']), environment);

    // Before the reviewer approved (a gate in an earlier job): no approval, the gate fails.
    expect((await runGate()).outputs.decision).toBe('fail');
    // In the protected job, after the approval.
    github().state.addRunApproval(repository, run.id, { environments: ['production'], state: 'approved', user: 'ops-lead', comment: 'ship it' });
    expect((await runGate()).outputs.decision).toBe('pass');
    expect(github().count('actions/get-reviews-for-run', 200)).toBe(2);

    const promote = createPromoteCommand(githubPromoteServices);
    const outcome = await promote.run(parseInputs(promoteInputs, (name) => ({ model: 'search-embedder', version: '2.0.0', 'results-dir': 'results', ledger: 'github', 'github-token': TOKEN, 'expected-current': 'none' })[name]), environment);
    expect(outcome.failure).toBeUndefined();
    const historyCommand = createHistoryCommand(githubPromoteServices);
    const history = await historyCommand.run(parseInputs(historyCommand.inputs, (name) => ({ model: 'search-embedder', ledger: 'github', 'github-token': TOKEN, format: 'json' })[name as 'model']), environment);
    const [record] = JSON.parse(history.stdout ?? '[]') as ReleaseRecord[];
    expect(record?.approvals.environment).toEqual([{ login: 'ops-lead', state: 'approved', comment: 'ship it' }]);
  });
});
