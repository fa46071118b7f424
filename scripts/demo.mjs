// The whole lifecycle of a model update on the bundled example, with the committed CLI
// bundle, as a user would run it on a laptop: no network, no GitHub. Two pull requests (one
// that fails, one that passes); after the merge, shadow on mirrored traffic, a canary stage
// in the ledger and a flagd flag file (the serving switch), canary analysis, the advance to
// full; in production, the monitor, which finds a swapped model and rolls back, and the
// history. Everything is written under demo-output/; the demo ends by listing those files.
//
// The story is the list `steps` below: a step is a sentence, a `model-gates` command and
// the exit code it must end with.
import { spawnSync } from 'node:child_process';
import { closeSync, copyFileSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const examples = join(root, 'examples');
const out = process.env.MODEL_GATES_DEMO_OUTPUT || join(root, 'demo-output');
const cli = join(root, 'dist', 'cli', 'index.js');
const model = 'search-embedder';
/** Paths as the commands see them: relative to examples/, where the demo runs. */
const fromExamples = (path) => relative(examples, path) || '.';
const files = {
  ledger: join(out, 'ledger.jsonl'),
  summary: join(out, 'summary.md'),
  logs: join(out, 'logs'),
  pr1: { results: join(out, 'pull-request-1', 'results'), report: join(out, 'pull-request-1', 'report.md'), html: join(out, 'pull-request-1', 'report.html') },
  pr2: {
    results: join(out, 'pull-request-2', 'results'),
    report: join(out, 'pull-request-2', 'report.md'),
    html: join(out, 'pull-request-2', 'report.html'),
    contract: join(out, 'pull-request-2', 'contract.yml'),
  },
  release: join(out, 'release', 'results'),
  /** The demo's policy with a serving switch: a flagd flag file under demo-output/. */
  config: join(out, 'model-gates.yml'),
  flags: join(out, 'flags', '{environment}.flagd.json'),
  production: { results: join(out, 'production', 'results'), state: join(out, 'production', 'monitor-state'), metrics: join(out, 'production', 'monitor.prom') },
};
const ledger = `file:${fromExamples(files.ledger)}`;
// Each pull request is its own head commit: promote accepts only a gate result of the same commit.
const commits = { pr1: '1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d', pr2: '2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e' };
const regression = (candidate, contract, results) => [
  'embedding-regression',
  '--suite', 'suites/search/suite.yml',
  '--production', 'file:suites/search/embeddings/production.jsonl',
  '--candidate', `file:suites/search/embeddings/${candidate}`,
  '--contract', contract,
  '--results-dir', fromExamples(results),
];

/** Pull request 2's commit: the author retrains with more French data and bumps the version. */
function writePullRequest2Contract() {
  let text = readFileSync(join(examples, 'models', model, 'contract.yml'), 'utf8');
  const edits = [
    ['version: 2.0.0', 'version: 2.0.1'],
    ['fine-tuned on 2026-10 click logs.', 'fine-tuned on 2026-10 click logs, with twice the French pairs.'],
    ['search-embedder/2.0.0/model.safetensors', 'search-embedder/2.0.1/model.safetensors'],
    ['sha256:9a8b7c6d5e4f30211f2e3d4c5b6a79880f1e2d3c4b5a69788796a5b4c3d2e1f0', 'sha256:1c7e5a3f9b2d4e6a8c0f1b3d5e7a9c2e4f6a8b0d1c3e5f7a9b2c4d6e8f0a1b3c'],
    ['search-pairs/2026-10', 'search-pairs/2026-10-fr2x'],
    ['codeCommit: 8d2e41a', 'codeCommit: 5f0c9b7'],
  ];
  for (const [from, to] of edits) {
    if (!text.includes(from)) throw new Error(`the example contract no longer contains '${from}'; update the demo's pull request 2`);
    text = text.replace(from, to);
  }
  mkdirSync(dirname(files.pr2.contract), { recursive: true });
  writeFileSync(files.pr2.contract, text);
}

/** The demo policy of examples/demo/, plus the serving switch and the canary stages. */
function writeReleaseConfig() {
  const policy = readFileSync(join(examples, 'demo', 'model-gates.yml'), 'utf8').replace(/^# yaml-language-server.*\n/, '');
  const release = [
    'promote:',
    '  switch:',
    '    backend: flagd-file',
    `    path: ${JSON.stringify(files.flags)}`,
    '  stages: [canary-10, full]',
    '',
  ].join('\n');
  writeFileSync(files.config, `${policy}${release}`);
}

const config = fromExamples(files.config);
const monitor = (production, ...extra) => [
  'monitor', '--model', model, '--ledger', ledger, '--config', config,
  '--production', `file:monitor/embeddings/${production}`,
  '--sample', 'monitor/today.jsonl',
  '--state-dir', fromExamples(files.production.state),
  '--results-dir', fromExamples(files.production.results),
  '--metrics-file', fromExamples(files.production.metrics),
  ...extra,
];

/**
 * The story. `chapter` starts a new part; `say` is what the step shows; `run` the
 * model-gates command (run in examples/); `expect` its exit code; `env` extra variables
 * (the commit under test); `before` prepares files the step needs.
 */
const steps = [
  {
    chapter: 'Pull request #1: search-embedder 2.0.0, fine-tuned on new click logs',
    say: 'The contract of 2.0.0 is valid and compatible with production 1.4.0; the new embedding space means every index must be rebuilt.',
    run: ['contract', '--contract', `models/${model}/contract.yml`, '--production', `production/${model}/contract.yml`, '--results-dir', fromExamples(files.pr1.results)],
    env: { GITHUB_SHA: commits.pr1 },
    expect: 0,
  },
  {
    say: 'The regression suite: 2.0.0 is better in English, but its French segment regresses. The check fails.',
    run: regression('candidate.jsonl', `models/${model}/contract.yml`, files.pr1.results),
    env: { GITHUB_SHA: commits.pr1 },
    expect: 1,
  },
  {
    say: 'The report: the Markdown comment the pull request gets, with the French regression at the top, and the HTML page of the report artifact with its charts.',
    run: ['report', '--results-dir', fromExamples(files.pr1.results), '--mode', 'none', '--output', fromExamples(files.pr1.report), '--html-output', fromExamples(files.pr1.html)],
    env: { GITHUB_SHA: commits.pr1 },
    expect: 0,
  },
  {
    say: 'The gate reads the results and says fail: 2.0.0 cannot be promoted.',
    run: ['gate', '--results-dir', fromExamples(files.pr1.results), '--config', 'demo/model-gates.yml', '--set-status', 'false'],
    env: { GITHUB_SHA: commits.pr1 },
    expect: 1,
  },
  {
    say: 'Promotion is refused without a passing gate: the ledger is not touched.',
    run: ['promote', '--model', model, '--version', '2.0.0', '--stage', 'canary-10', '--results-dir', fromExamples(files.pr1.results), '--ledger', ledger],
    env: { GITHUB_SHA: commits.pr1 },
    expect: 1,
  },
  {
    chapter: 'Pull request #2: search-embedder 2.0.1, retrained with twice the French pairs',
    say: 'The contract of 2.0.1 passes as before.',
    before: writePullRequest2Contract,
    run: ['contract', '--contract', fromExamples(files.pr2.contract), '--production', `production/${model}/contract.yml`, '--results-dir', fromExamples(files.pr2.results)],
    env: { GITHUB_SHA: commits.pr2 },
    expect: 0,
  },
  {
    say: 'The regression suite passes: French is fixed and English keeps its gain.',
    run: regression('candidate-2.0.1.jsonl', fromExamples(files.pr2.contract), files.pr2.results),
    env: { GITHUB_SHA: commits.pr2 },
    expect: 0,
  },
  {
    say: 'The report of pull request #2.',
    run: ['report', '--results-dir', fromExamples(files.pr2.results), '--mode', 'none', '--output', fromExamples(files.pr2.report), '--html-output', fromExamples(files.pr2.html)],
    env: { GITHUB_SHA: commits.pr2 },
    expect: 0,
  },
  {
    say: 'The gate passes 2.0.1. (In CI the approvals of model-gates.yml count too; nobody can approve on a laptop, so the demo policy leaves them out.)',
    run: ['gate', '--results-dir', fromExamples(files.pr2.results), '--config', 'demo/model-gates.yml', '--set-status', 'false'],
    env: { GITHUB_SHA: commits.pr2 },
    expect: 0,
  },
  {
    chapter: 'After merge: shadow, canary, full release',
    say: 'The ledger so far: 1.4.0 serves production (a release from June).',
    before: () => {
      copyFileSync(join(examples, 'demo', 'ledger.jsonl'), files.ledger);
      writeReleaseConfig();
    },
    run: ['history', '--model', model, '--ledger', ledger],
    expect: 0,
  },
  {
    say: 'Shadow: the serving stack mirrors real search requests to 2.0.1 and logs both answers; no user sees 2.0.1. Its neighbourhoods agree with production in every language, errors and latency hold.',
    run: [
      'shadow', '--mode', 'logs', '--model', model, '--version', '2.0.1', '--production-version', '1.4.0',
      '--logs', 'shadow/mirrored-2.0.1.jsonl', '--reference', 'shadow/reference.jsonl',
      '--reference-production', 'file:shadow/reference-production.jsonl', '--reference-candidate', 'file:shadow/reference-candidate.jsonl',
      '--contract', fromExamples(files.pr2.contract), '--results-dir', fromExamples(files.release),
    ],
    env: { GITHUB_SHA: commits.pr2 },
    expect: 0,
  },
  {
    say: "Promote 2.0.1 to a 10 % canary: the ledger records the gate that allowed it, the serving switch (a flagd flag file) sends 10 % of users to 2.0.1, and the monitor's baseline (probe vectors and scores, the reference inputs) is recorded with it.",
    run: [
      'promote', '--model', model, '--version', '2.0.1', '--stage', 'canary-10', '--contract', fromExamples(files.pr2.contract), '--results-dir', fromExamples(files.pr2.results), '--ledger', ledger, '--config', config,
      '--monitor-probes', 'monitor/probes/suite.yml', '--monitor-source', 'file:monitor/embeddings/v1.jsonl', '--monitor-reference', 'monitor/reference.jsonl',
    ],
    env: { GITHUB_SHA: commits.pr2 },
    expect: 0,
  },
  {
    say: "Canary analysis: the canary's live metrics (latency, errors, click-through…) against the baseline's, from a metrics file exported from the canary stage.",
    run: ['canary-analysis', '--source', 'file', '--metrics-file', 'canary/metrics.csv', '--config', 'canary/model-gates.canary.yml', '--model', model, '--version', '2.0.1', '--results-dir', fromExamples(files.release)],
    env: { GITHUB_SHA: commits.pr2 },
    expect: 0,
  },
  {
    say: 'The canary passed its analysis: advance to the next stage, all traffic. The flag makes 2.0.1 the default and keeps 1.4.0 loaded as a variant.',
    run: ['promote', '--operation', 'advance', '--model', model, '--results-dir', fromExamples(files.release), '--ledger', ledger, '--config', config],
    env: { GITHUB_SHA: commits.pr2 },
    expect: 0,
  },
  {
    say: 'Status: what the ledger says and what serving reads, side by side. They agree.',
    run: ['status', '--model', model, '--ledger', ledger, '--config', config],
    expect: 0,
  },
  {
    chapter: 'In production: the monitor, and an automatic rollback',
    say: "The scheduled monitor embeds the probes through production and compares them with the baseline recorded at promotion; today's inputs are tested for drift against the reference sample. Healthy.",
    run: monitor('v1.jsonl'),
    expect: 0,
  },
  {
    say: 'A restart loads other weights behind the same endpoint. The next monitor run sees the probe vectors change, alerts at once and, with on-fail: rollback, rolls the ledger and the flag back to 1.4.0 in one operation.',
    run: monitor('swapped.jsonl', '--on-fail', 'rollback'),
    expect: 1,
  },
  {
    say: 'Status after the rollback: the ledger and serving both say 1.4.0.',
    run: ['status', '--model', model, '--ledger', ledger, '--config', config],
    expect: 0,
  },
  {
    say: 'The history, newest first: every stage, the rollback and its reason. (By hand, the same rollback is one command: model-gates promote --operation rollback.)',
    run: ['history', '--model', model, '--ledger', ledger],
    expect: 0,
  },
];

/** Progress lines of long phases: noise in a story. */
const PROGRESS = /^\S+: (embedding|searching): \d/;

function indent(text) {
  return text
    .split('\n')
    .filter((line) => line !== '' && !PROGRESS.test(line))
    .map((line) => `    │ ${line}`)
    .join('\n');
}

function listFiles(dir) {
  return readdirSync(dir, { withFileTypes: true })
    .sort((a, b) => a.name.localeCompare(b.name))
    .flatMap((entry) => (entry.isDirectory() ? listFiles(join(dir, entry.name)) : [join(dir, entry.name)]));
}

rmSync(out, { recursive: true, force: true });
mkdirSync(files.logs, { recursive: true });
const started = Date.now();
let failed = 0;
steps.forEach((step, index) => {
  if (step.chapter) console.log(`\n━━ ${step.chapter}\n`);
  step.before?.();
  console.log(`${index + 1}. ${step.say}`);
  console.log(`   $ model-gates ${step.run.map((arg) => (/[\s'"]/.test(arg) ? `'${arg}'` : arg)).join(' ')}`);
  // stdout and stderr into one log file, in the order the command wrote them.
  const log = join(files.logs, `${String(index + 1).padStart(2, '0')}-${step.run[0]}.log`);
  const fd = openSync(log, 'w');
  const run = spawnSync(process.execPath, [cli, ...step.run], {
    cwd: examples,
    stdio: ['ignore', fd, fd],
    env: { ...process.env, GITHUB_STEP_SUMMARY: files.summary, GITHUB_ACTOR: 'demo', ...step.env },
  });
  closeSync(fd);
  const text = indent(readFileSync(log, 'utf8'));
  if (text) console.log(text);
  if (run.status === step.expect) {
    console.log(`   ✔ exit ${run.status}${step.expect === 0 ? '' : ', as the story expects'}\n`);
  } else {
    console.log(`   ✖ exit ${run.status ?? run.signal}, expected ${step.expect}\n`);
    failed++;
  }
});

const seconds = ((Date.now() - started) / 1000).toFixed(1);
console.log(`━━ ${steps.length} steps in ${seconds} s${failed ? `, ${failed} did not end as expected` : ''}. Files written:\n`);
for (const file of listFiles(out)) console.log(`  ${relative(root, file)}  (${statSync(file).size.toLocaleString('en')} bytes)`);
process.exitCode = failed ? 1 : 0;
