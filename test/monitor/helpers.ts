import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Environment } from '../../src/command.js';
import { parseInputs } from '../../src/inputs/spec.js';
import { MemoryLogger } from '../../src/io/log.js';
import { createMonitorCommand, type MonitorDependencies } from '../../src/monitor/command.js';
import { createPromoteCommand } from '../../src/promote/command.js';
import { writeGateResult } from '../support/gate-fixture.js';
import { hashedVector } from '../support/openai-server.js';
import { tempDir } from '../support/temp.js';

export const MODEL = 'search-embedder';
export const COMMIT = 'c0ffee1234567890c0ffee1234567890c0ffee12';
export const DIMENSION = 16;

export function environment(workspace: string, extra: Partial<Environment> = {}, env: NodeJS.ProcessEnv = {}): Environment & { log: MemoryLogger } {
  return {
    log: new MemoryLogger(),
    context: { commit: COMMIT, ref: null, repository: 'acme/models', runUrl: 'https://github.com/acme/models/actions/runs/9', baseCommit: null, pullRequest: null, workspace },
    env,
    setSecret: () => {},
    runner: 'cli',
    ...extra,
  } as Environment & { log: MemoryLogger };
}

/**
 * A deterministic model over topic-tagged texts: `topic-<k>: …` lands near topic k's centre,
 * so a sample drawn from other topics drifts; `model` names the weights (another name: another
 * space, as after a swap); a smaller `topicWeight` blurs the topics (same space, weaker model).
 */
export function topicVector(text: string, model: string, dimension = DIMENSION, topicWeight = 2): number[] {
  const topic = /^topic-(\d+):/.exec(text)?.[1] ?? 'none';
  const centre = hashedVector(`${model}:centre:${topic}`, dimension);
  const noise = hashedVector(`${model}:${text}`, dimension);
  const v = centre.map((c, i) => topicWeight * c + (noise[i] as number));
  const norm = Math.hypot(...v);
  return v.map((x) => x / norm);
}

/** Writes a small probe suite (40 texts in two segments, pairs, triplets, qrels) and drift samples into a new workspace. */
export async function probeWorkspace(): Promise<string> {
  const workspace = await tempDir('mg-monitor-');
  const dir = join(workspace, 'probes');
  await mkdir(dir, { recursive: true });
  const texts = Array.from({ length: 40 }, (_, i) => ({ id: `t${i}`, text: `topic-${i % 5}: probe text ${i}`, segment: i < 20 ? 'en' : 'fr' }));
  await writeFile(join(dir, 'texts.jsonl'), texts.map((t) => JSON.stringify(t)).join('\n'));
  const pairs = ['a,b,label'];
  for (let i = 0; i < 30; i++) pairs.push(`t${i},t${(i + 5) % 40},related`, `t${i},t${(i + 1) % 40},unrelated`);
  await writeFile(join(dir, 'pairs.csv'), pairs.join('\n'));
  await writeFile(join(dir, 'triplets.jsonl'), Array.from({ length: 20 }, (_, i) => JSON.stringify({ id: `x${i}`, anchor: `t${i}`, positive: `t${(i + 5) % 40}`, negative: `t${(i + 1) % 40}` })).join('\n'));
  await writeFile(join(dir, 'qrels.txt'), Array.from({ length: 10 }, (_, i) => `t${i} 0 t${i + 10} 1`).join('\n'));
  await writeFile(
    join(dir, 'suite.yml'),
    ['name: probes', 'texts: texts.jsonl', 'settings: { seed: 3, resamples: 500 }', 'checks:', '  pairs: { file: pairs.csv }', '  triplets: { file: triplets.jsonl }', '  retrieval: { qrels: qrels.txt, k: 5 }', ''].join('\n'),
  );
  const sample = (name: string, topics: (i: number) => number, rows: number) =>
    writeFile(join(workspace, name), Array.from({ length: rows }, (_, i) => JSON.stringify({ id: `${name}-${i}`, text: `topic-${topics(i)}: ${name} input ${i}`, segment: i % 2 ? 'en' : 'fr' })).join('\n'));
  await sample('reference.jsonl', (i) => i % 5, 160);
  await sample('today.jsonl', (i) => (i * 3) % 5, 160);
  await sample('drifted.jsonl', (i) => (i % 2 ? 5 + (i % 3) : i % 5), 160);
  return workspace;
}

/** Records a full promotion of `version` with its monitor snapshot, as `promote` does after a passing gate. */
export async function promoteWithSnapshot(workspace: string, version: string, production: string | null, source: string, extra: Record<string, string> = {}) {
  await writeGateResult(workspace, `results-${version}`, { model: MODEL, version, productionVersion: production, commit: COMMIT, decision: 'pass' });
  const raw: Record<string, string> = {
    model: MODEL,
    version,
    stage: 'full',
    ledger: 'file:ledger.jsonl',
    'results-dir': `results-${version}`,
    'monitor-probes': 'probes/suite.yml',
    'monitor-source': source,
    'monitor-reference': 'reference.jsonl',
    ...extra,
  };
  const promoteCommand = createPromoteCommand({});
  return promoteCommand.run(parseInputs(promoteCommand.inputs, (name) => raw[name], 'cli'), environment(workspace));
}

const noIssues: MonitorDependencies = {};

export async function monitor(workspace: string, raw: Record<string, string>, options: { dependencies?: MonitorDependencies; env?: Partial<Environment> } = {}) {
  const command = createMonitorCommand(options.dependencies ?? noIssues);
  const env = environment(workspace, options.env);
  const outcome = await command.run(parseInputs(command.inputs, (name) => ({ model: MODEL, ledger: 'file:ledger.jsonl', ...raw })[name], 'cli'), env);
  return { outcome, log: env.log };
}
