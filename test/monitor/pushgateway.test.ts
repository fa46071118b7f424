import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exposition, pushUrl } from '../../src/monitor/metrics.js';
import { startPrometheus, type RunningPrometheus } from '../canary/support/prometheus.js';
import { EmbeddingServer } from '../support/openai-server.js';
import { startPushgateway, type RunningPushgateway } from '../support/pushgateway.js';
import { DIMENSION, monitor, probeWorkspace, promoteWithSnapshot, topicVector } from './helpers.js';

// The monitor's figures pushed to a real Pushgateway, scraped by a real Prometheus, and read
// back with PromQL.

let pushgateway: RunningPushgateway;
let prometheus: RunningPrometheus;
let embeddings: EmbeddingServer;
beforeAll(async () => {
  pushgateway = await startPushgateway();
  prometheus = await startPrometheus([pushgateway.target], '1s');
  embeddings = await new EmbeddingServer({ dimension: DIMENSION, embed: (text) => topicVector(text, 'v1') }).start();
}, 60_000);
afterAll(async () => {
  await embeddings?.stop();
  await prometheus?.stop();
  await pushgateway?.stop();
});

/** Polls an instant query until it returns a sample; its value. */
async function readBack(query: string, timeoutMs = 20_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const response = await fetch(`${prometheus.url}/api/v1/query?${new URLSearchParams({ query })}`);
    const body = (await response.json()) as { data?: { result?: { value: [number, string] }[] } };
    const sample = body.data?.result?.[0];
    if (sample) return Number(sample.value[1]);
    if (Date.now() > deadline) throw new Error(`no sample for ${query} within ${timeoutMs} ms:\n${prometheus.log()}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe('metrics', () => {
  it('are pushed to the Pushgateway, scraped by Prometheus and read back with PromQL', async () => {
    const workspace = await probeWorkspace();
    await promoteWithSnapshot(workspace, '1.0.0', null, `openai:${embeddings.url}/v1`);
    const { outcome } = await monitor(workspace, { production: `openai:${embeddings.url}/v1`, sample: 'today.jsonl', pushgateway: pushgateway.url, 'metrics-file': 'monitor.prom' });
    expect(outcome.outputs.verdict).toBe('pass');
    const selector = '{model="search-embedder",environment="production",version="1.0.0"}';
    expect(await readBack(`model_gates_monitor_probe_min_cosine${selector}`)).toBeCloseTo(1, 6);
    expect(await readBack(`sum(model_gates_monitor_breach${selector})`)).toBe(0);
    const auc = await readBack(`model_gates_monitor_drift_classifier_auc${selector}`);
    const text = await readFile(join(workspace, 'monitor.prom'), 'utf8');
    expect(text).toContain(`model_gates_monitor_drift_classifier_auc{model="search-embedder",environment="production",version="1.0.0"} ${auc}`);
  }, 60_000);

  it('escape label values and encode the grouping path in base64', () => {
    const text = exposition([{ name: 'alerting', help: 'Whether it alerts.', value: 1 }], { model: 'a"b\\c\nd' });
    expect(text).toBe('# HELP model_gates_monitor_alerting Whether it alerts.\n# TYPE model_gates_monitor_alerting gauge\nmodel_gates_monitor_alerting{model="a\\"b\\\\c\\nd"} 1\n');
    expect(pushUrl('http://pg:9091/', { model: 'a/b', environment: '' })).toBe('http://pg:9091/metrics/job/model_gates_monitor/model@base64/YS9i/environment@base64/=');
    expect(() => pushUrl('http://user:secret@pg:9091', {})).toThrow(/credentials in the URL are refused/);
  });
});
