import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runActionBundle } from '../support/action-runner.js';
import { useGitHubServer } from '../support/github-server/vitest.js';
import { EmbeddingServer } from '../support/openai-server.js';
import { DIMENSION, probeWorkspace, promoteWithSnapshot, topicVector } from '../monitor/helpers.js';

// The committed monitor bundle under Node 24, as the runner starts it: a real embeddings
// server whose model is swapped between runs, the file ledger, and the alert issue on the
// OpenAPI-validating GitHub API test server.

const TOKEN = 'ghs_monitor_e2e';
const REPO = 'acme/models';
const github = useGitHubServer({}, (server) => {
  server.addToken(TOKEN, { login: 'github-actions[bot]', permissions: { issues: 'write' } });
  server.state.addRepository(REPO);
});

const weights = { name: 'v1' };
let embeddings: EmbeddingServer;
beforeAll(async () => {
  embeddings = await new EmbeddingServer({ dimension: DIMENSION, embed: (text) => topicVector(text, weights.name) }).start();
});
afterAll(() => embeddings.stop());

describe('monitor bundle under Node 24', () => {
  it('alerts on a swapped model in one issue and closes it once production is healthy again', async () => {
    const workspace = await probeWorkspace();
    weights.name = 'v1';
    await promoteWithSnapshot(workspace, '1.0.0', null, `openai:${embeddings.url}/v1`);
    const run = () =>
      runActionBundle('monitor', {
        workspace,
        inputs: { model: 'search-embedder', production: `openai:${embeddings.url}/v1`, ledger: 'file:ledger.jsonl', 'github-token': TOKEN, 'metrics-file': 'monitor.prom' },
        env: { ...github().env(), GITHUB_REPOSITORY: REPO, GITHUB_RUN_ID: '41' },
      });

    weights.name = 'v1-reloaded-wrong-weights';
    const alerting = await run();
    expect(alerting.exitCode).toBe(1);
    expect(alerting.outputs).toMatchObject({ verdict: 'fail', alerting: 'true', breaches: expect.stringContaining('vectors') });
    const [issue] = github().state.plainIssues(REPO);
    expect(alerting.outputs['issue-url']).toBe(`https://github.com/${REPO}/issues/${issue?.number}`);
    expect(issue?.body).toMatch(/^<!-- model-gates:monitor:search-embedder:production -->/);

    weights.name = 'v1';
    const healthy = await run();
    expect(healthy.exitCode).toBe(0);
    expect(healthy.outputs).toMatchObject({ verdict: 'pass', alerting: 'false' });
    expect(github().state.plainIssues(REPO).map((i) => i.state)).toEqual(['closed']);
    expect(github().state.issueComments(REPO, issue!.number).map((c) => c.body)).toEqual([expect.stringMatching(/^New incident at/), expect.stringMatching(/^Recovered at/)]);
  }, 120_000);
});
