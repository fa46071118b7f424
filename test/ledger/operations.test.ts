import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createGitHubClient } from '../../src/github/client.js';
import { GitHubDeploymentsLedger } from '../../src/github/deployments-ledger.js';
import { MemoryLogger } from '../../src/io/log.js';
import { planRollback, promote, rollback, statusOf } from '../../src/ledger/operations.js';
import { findConflict, type LedgerEntry, type LedgerStatus } from '../../src/ledger/types.js';
import { fakeSha, startGitHubServer, type GitHubServer } from '../support/github-server/index.js';
import { writerRecord } from './writer-record.js';

/** A history entry: `[id, version, stage, status, operation?]`. */
function entry(id: number, version: string, stage: string, status: LedgerStatus, operation: 'promote' | 'rollback' = 'promote'): LedgerEntry {
  return { ...writerRecord(0, 1), model: 'm', version, stage, operation, id, status, statusDescription: '' };
}
const newestFirst = (...entries: LedgerEntry[]) => entries.sort((a, b) => b.id - a.id);

describe('statusOf', () => {
  it('after a rollback, names the rolled-back version as the previous one (its records are marked failed)', () => {
    const rolledBack = { ...entry(4, '1.0.0', 'full', 'success', 'rollback'), previousVersion: '2.0.0' };
    const history = newestFirst(entry(1, '1.0.0', 'full', 'success'), entry(3, '2.0.0', 'full', 'failure'), rolledBack);
    expect(statusOf(history, 'm', 'production')).toMatchObject({ currentVersion: '1.0.0', previousVersion: '2.0.0' });
  });

  it('has no previous version for a first release', () => {
    expect(statusOf([entry(1, '1.0.0', 'full', 'success')], 'm', 'production')).toMatchObject({ currentVersion: '1.0.0', previousVersion: null });
  });
});

describe('findConflict', () => {
  const history = newestFirst(entry(1, '1.0.0', 'full', 'inactive'), entry(2, '2.0.0', 'canary-5', 'success'), entry(3, '2.0.0', 'canary-50', 'in_progress'));

  it('lets a stage of the rolling-out version through only when its earlier stages are finished', () => {
    expect(findConflict(history.filter((e) => e.id !== 3), { version: '2.0.0' }, '1.0.0')).toBeNull();
    expect(findConflict(history, { version: '2.0.0' }, '1.0.0')).toMatch(/in flight: 2\.0\.0 canary-50 \(#3, in_progress\)/);
  });

  it('refuses another version while a canary is live, and a stale expectation', () => {
    expect(findConflict(history, { version: '3.0.0' }, '1.0.0')).toMatch(/in flight/);
    expect(findConflict(history, { version: '3.0.0' }, null)).toBe('production changed since the gate evaluated: expected nothing deployed, found 1.0.0 (#1, ' + history[2]?.time + ')');
  });

  it('judges a claim that has an id only by the records before it: the oldest claim wins', () => {
    const racing = newestFirst(entry(1, '1.0.0', 'full', 'success'), entry(5, '2.0.0', 'full', 'in_progress'), entry(6, '3.0.0', 'full', 'in_progress'));
    expect(findConflict(racing, { version: '2.0.0', id: 5 }, '1.0.0')).toBeNull();
    expect(findConflict(racing, { version: '3.0.0', id: 6 }, '1.0.0')).toMatch(/2\.0\.0 full \(#5, in_progress\)/);
    // Once #5 is deployed, #6 sees production changed.
    const done = racing.map((e) => (e.id === 5 ? { ...e, status: 'success' as const } : e));
    expect(findConflict(done, { version: '3.0.0', id: 6 }, '1.0.0')).toMatch(/expected 1\.0\.0, found 2\.0\.0/);
    // Failed records and the ids a rollback undoes do not count.
    expect(findConflict(racing, { version: '1.0.0', id: 7 }, '1.0.0', new Set([5, 6]))).toBeNull();
  });
});

describe('planRollback', () => {
  it('returns to the last good full version before the current one, skipping failed ones', () => {
    const history = newestFirst(entry(1, '1.0.0', 'full', 'inactive'), entry(2, '1.1.0', 'full', 'failure'), entry(3, '2.0.0', 'canary-5', 'inactive'), entry(4, '2.0.0', 'full', 'success'));
    const plan = planRollback(history);
    expect(plan?.target.id).toBe(1);
    expect(plan?.bad.map((e) => e.id)).toEqual([4, 3]);
  });

  it('does nothing after a rollback, unless a version is named', () => {
    const history = newestFirst(entry(1, '1.0.0', 'full', 'inactive'), entry(2, '1.1.0', 'full', 'inactive'), entry(3, '2.0.0', 'full', 'failure'), entry(4, '1.1.0', 'full', 'success', 'rollback'));
    expect(planRollback(history)).toBeNull();
    expect(planRollback(history, '1.1.0')).toBeNull();
    expect(planRollback(history, '1.0.0')?.target.id).toBe(1);
    expect(() => planRollback(history, '0.9.0')).toThrow(/has no successful full deployment there/);
  });

  it('aborts a rollout in flight, even right after a rollback', () => {
    const history = newestFirst(entry(1, '1.0.0', 'full', 'success', 'rollback'), entry(2, '2.0.0', 'canary-5', 'success'), entry(3, '2.0.0', 'canary-50', 'in_progress'));
    const plan = planRollback(history);
    expect(plan?.target.id).toBe(1);
    expect(plan?.bad.map((e) => e.id)).toEqual([3, 2]);
  });

  it('refuses when there is nothing to go back to', () => {
    expect(() => planRollback([entry(1, '1.0.0', 'full', 'success')])).toThrow(/is the first full deployment/);
    expect(() => planRollback([entry(1, '1.0.0', 'canary-5', 'success')])).toThrow(/no successful full deployment/);
  });
});

describe('GitHub Deployments ledger on a non-production environment', () => {
  let server: GitHubServer;
  beforeAll(async () => {
    server = await startGitHubServer();
    server.addToken('t', { login: 'github-actions[bot]', permissions: { deployments: 'write' } });
    server.state.addRepository('acme/models');
  });
  afterEach(() => server.assertNoViolations());
  afterAll(() => server.close());

  it('treats deployments GitHub marked inactive as deployed, and rolls back across them', async () => {
    const octokit = createGitHubClient({ token: 't', baseUrl: server.url, log: new MemoryLogger(), timeUnitMs: 1 });
    const ledger = new GitHubDeploymentsLedger(octokit, { owner: 'acme', repo: 'models' });
    const record = (version: string, stage = 'full') => ({ ...writerRecord(0, 1), model: 'm', environment: 'staging', version, stage, contract: { path: null, commit: fakeSha(version) } });
    // Someone else's deployment to the same environment is not ours and is ignored.
    server.state.addDeployment('acme/models', { sha: fakeSha('other'), environment: 'staging', payload: { model: 'm', version: '9.9.9' } });
    await promote(ledger, record('1.0.0'), null);
    await promote(ledger, record('2.0.0', 'canary-5'), '1.0.0');
    // GitHub marked 1.0.0 inactive when the canary succeeded: it is still what is deployed in full.
    const [canary, first] = await ledger.history('m', 'staging');
    expect(first?.status).toBe('inactive');
    expect(canary?.status).toBe('success');
    expect((await ledger.current('m', 'staging'))?.version).toBe('1.0.0');
    await promote(ledger, record('2.0.0'), '1.0.0');
    const outcome = await rollback(ledger, { model: 'm', environment: 'staging', reason: 'bad recall', actor: 'alice', runUrl: null, time: new Date().toISOString() });
    expect(outcome).toMatchObject({ currentVersion: '1.0.0', previousVersion: '2.0.0', unchanged: false });
    const after = await ledger.history('m', 'staging');
    expect(after.map((e) => `${e.version} ${e.stage} ${e.operation} ${e.status}`)).toEqual([
      '1.0.0 full rollback success',
      '2.0.0 full promote failure',
      '2.0.0 canary-5 promote failure',
      '1.0.0 full promote inactive',
    ]);
    expect(after[1]?.statusDescription).toBe(`rolled back to 1.0.0 by #${after[0]?.id}: bad recall`);
  });
  it('lets exactly one of two racing claims of the same version win, both past the early check', async () => {
    const octokit = createGitHubClient({ token: 't', baseUrl: server.url, log: new MemoryLogger(), timeUnitMs: 1 });
    const ledger = new GitHubDeploymentsLedger(octokit, { owner: 'acme', repo: 'models' });
    const record = { ...writerRecord(0, 1), model: 'twins', environment: 'production', version: '1.0.0', contract: { path: null, commit: fakeSha('twins') } };
    server.injectFault({ method: 'POST', path: '/repos/acme/models/deployments', kind: 'delay', ms: 300, times: 2 });
    const outcomes = await Promise.allSettled([promote(ledger, record, null), promote(ledger, record, null)]);
    expect(outcomes.map((o) => o.status).sort()).toEqual(['fulfilled', 'rejected']);
    const history = await ledger.history('twins', 'production');
    expect(history.map((e) => e.status)).toEqual(['failure', 'success']);
    expect(history[0]?.statusDescription).toMatch(/^refused: another rollout is in flight: 1\.0\.0 full/);
  });

  it('never repeats a deployment GitHub created without answering; a rerun completes it', async () => {
    const octokit = createGitHubClient({ token: 't', baseUrl: server.url, log: new MemoryLogger(), timeUnitMs: 1 });
    const ledger = new GitHubDeploymentsLedger(octokit, { owner: 'acme', repo: 'models' });
    const record = { ...writerRecord(0, 1), model: 'lost-answer', environment: 'production', version: '1.0.0', contract: { path: null, commit: fakeSha('lost') } };
    server.injectFault({ operation: 'repos/create-deployment', kind: 'server-error-after', status: 502 });
    await expect(promote(ledger, record, null)).rejects.toThrow(/502/);
    expect((await ledger.history('lost-answer', 'production')).map((e) => e.status)).toEqual(['in_progress']);
    const rerun = await promote(ledger, record, null);
    expect(rerun.message).toMatch(/^Completed lost-answer 1\.0\.0 full/);
    expect((await ledger.history('lost-answer', 'production')).map((e) => e.status)).toEqual(['success']);
  });
});
