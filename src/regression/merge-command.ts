import { rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { defineCommand } from '../command.js';
import { mergeResults } from './merge.js';
import { readResults, resultFileName, writeResult } from '../results/store.js';

export const mergeCommand = defineCommand({
  name: 'merge',
  description: 'Merge the partial results of sharded runs into one result per check',
  inputs: {
    'results-dir': { kind: 'string', default: 'model-gates-results', description: 'Directory holding the results, shard files included.' },
    'output-dir': { kind: 'string', description: 'Where merged results are written. Default: the results directory, where the merged shard files are then removed.' },
  },
  outputs: {
    merged: 'Ids of the merged checks, comma-separated.',
    verdict: 'The worst verdict over all results: pass, marginal, fail or error.',
  },
  async run(inputs, environment) {
    const workspace = environment.context.workspace;
    const dir = resolve(workspace, inputs.resultsDir);
    const out = inputs.outputDir ? resolve(workspace, inputs.outputDir) : dir;
    const results = await readResults(dir);
    const merged = mergeResults(results);
    const mergedIds = [...new Set(results.filter((r) => r.shard).map((r) => r.id))];
    for (const result of merged) {
      if (!mergedIds.includes(result.id)) continue;
      await writeResult(out, result);
      environment.log.info(`merged ${results.filter((r) => r.id === result.id).length} shards into ${resultFileName(result)}: ${result.verdict}`);
    }
    // Only after every merged file is written: the directory then holds one result per check.
    if (out === dir) for (const shard of results.filter((r) => r.shard)) await rm(join(dir, resultFileName(shard)), { force: true });
    const rank = ['pass', 'marginal', 'fail', 'error'];
    const verdict = merged.map((r) => r.verdict).reduce((w, v) => (rank.indexOf(v) > rank.indexOf(w) ? v : w), 'pass');
    return { outputs: { merged: mergedIds.join(','), verdict } };
  },
});
