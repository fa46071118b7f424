// Runs the whole pipeline on the bundled example with the committed CLI bundle, as a user
// would on a laptop: no network, no GitHub. Everything is written under demo-output/.
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const examples = join(root, 'examples');
const out = join(root, 'demo-output');
const results = join(out, 'results');
const summary = join(out, 'summary.md');
rmSync(out, { recursive: true, force: true });
mkdirSync(results, { recursive: true });

const cli = join(root, 'dist', 'cli', 'index.js');
const steps = [
  {
    title: 'contract: the candidate contract against production',
    args: [
      'contract',
      '--contract', 'models/search-embedder/contract.yml',
      '--production', 'production/search-embedder/contract.yml',
      '--results-dir', results,
    ],
    expect: 0,
  },
  {
    // Offline there is no pull request and no token: thresholds and required checks are
    // evaluated, approvals are "not evaluated", so the decision is pending (not a failure).
    title: 'gate: thresholds and required checks; approvals not evaluated offline',
    args: ['gate', '--results-dir', results, '--fail-on-pending', 'false', '--set-status', 'false'],
    expect: 0,
  },
];

let failed = false;
for (const step of steps) {
  console.log(`\n▶ model-gates ${step.args[0]}: ${step.title}`);
  const run = spawnSync(process.execPath, [cli, ...step.args], {
    cwd: examples,
    stdio: 'inherit',
    env: { ...process.env, GITHUB_STEP_SUMMARY: summary },
  });
  if (run.status !== step.expect) {
    console.error(`✖ expected exit ${step.expect}, got ${run.status}`);
    failed = true;
  }
}
console.log(`\nResults: ${relative(root, results)}/\nSummary: ${relative(root, summary)}`);
process.exitCode = failed ? 1 : 0;
