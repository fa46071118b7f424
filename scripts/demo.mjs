// Runs the whole pipeline on the bundled example with the committed CLI bundle, as a user
// would on a laptop: no network, no GitHub. Everything is written under demo-output/.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const examples = join(root, 'examples');
const out = join(root, 'demo-output');
const results = join(out, 'results');
const summary = join(out, 'summary.md');
const report = join(out, 'report.md');
const ledger = `file:${join(out, 'ledger.jsonl')}`;
const gateFile = join(results, 'gate.json');
/** Whether an earlier step left a passing gate result: only then can the demo promote. */
const gatePassed = () => existsSync(gateFile) && JSON.parse(readFileSync(gateFile, 'utf8')).details?.decision === 'pass';
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
    title: 'the candidate improves English and the overall AUC and nDCG, but its French segment regresses (expected to fail)',
    args: [
      'embedding-regression',
      '--suite', 'suites/search/suite.yml',
      '--production', 'file:suites/search/embeddings/production.jsonl',
      '--candidate', 'file:suites/search/embeddings/candidate.jsonl',
      '--contract', 'models/search-embedder/contract.yml',
      '--results-dir', results,
    ],
    expect: 1,
  },
  {
    // The report exits 0 whatever the verdict once the report is written: failing is the gate's job.
    title: 'the comment Markdown a pull request would get, written to disk',
    args: ['report', '--results-dir', results, '--mode', 'none', '--output', report],
    expect: 0,
  },
  {
    // Offline there is no pull request and no token: the results, required checks and
    // thresholds are evaluated, approvals are reported as "not evaluated". The failing
    // regression fails the gate: it exits 1 and writes its result.
    title: 'gate: the promotion decision offline; the regression fails it (expected to fail)',
    args: ['gate', '--results-dir', results, '--set-status', 'false'],
    expect: 1,
  },
  {
    title: 'promote: record the gated version as a 5 % canary in the file ledger',
    when: gatePassed,
    args: ['promote', '--model', 'search-embedder', '--version', '2.0.0', '--stage', 'canary-5', '--contract', 'models/search-embedder/contract.yml', '--results-dir', results, '--ledger', ledger],
    expect: 0,
  },
  {
    title: 'history: what the ledger says is deployed, newest first',
    args: ['history', '--model', 'search-embedder', '--ledger', ledger],
    expect: 0,
  },
];

let failed = false;
for (const step of steps) {
  if (step.when && !step.when()) {
    console.log(`\n▷ skipped: ${step.title} (no passing gate result in ${relative(root, results)})`);
    continue;
  }
  console.log(`\n▶ model-gates ${step.args[0]}: ${step.title}`);
  const run = spawnSync(process.execPath, [cli, ...step.args], {
    cwd: examples,
    stdio: 'inherit',
    env: { ...process.env, GITHUB_STEP_SUMMARY: summary },
  });
  if (run.status !== step.expect) {
    console.error(`✖ expected exit ${step.expect}, got ${run.status}`);
    failed = true;
  } else if (step.expect !== 0) {
    console.log(`✔ exited ${run.status} as expected`);
  }
}
console.log(`\nResults: ${relative(root, results)}/\nSummary: ${relative(root, summary)}\nReport:  ${relative(root, report)}`);
process.exitCode = failed ? 1 : 0;
