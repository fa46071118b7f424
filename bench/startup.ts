// Startup time of every committed bundle under Node 24 (the runtime of `using: node24`),
// against a bare `node -e 0` measured in the same run. Each bundle is started in an empty
// workspace with a config file that does not exist, so it loads, parses its inputs, reports
// the problem and exits: the fixed cost every step pays. Target: every bundle starts in
// under 0.3 s.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { node24, repoRoot } from '../test/support/node24.js';

const RUNS = 15;
const workspace = mkdtempSync(join(tmpdir(), 'mg-startup-'));
const TARGET_SECONDS = 0.3;

function medianSeconds(args: string[]): number {
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const start = process.hrtime.bigint();
    spawnSync(node24(), args, { cwd: workspace, env: { PATH: process.env.PATH ?? '', GITHUB_WORKSPACE: workspace, 'INPUT_CONFIG': 'missing.yml' }, stdio: 'ignore' });
    times.push(Number(process.hrtime.bigint() - start) / 1e9);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(RUNS / 2)] as number;
}

const bare = medianSeconds(['-e', '0']);
console.log(`reference: bare node -e 0 under Node 24, median of ${RUNS}: ${bare.toFixed(3)} s`);
let missed = false;
for (const name of readdirSync(join(repoRoot, 'dist')).sort()) {
  const bundle = join(repoRoot, 'dist', name, 'index.js');
  if (!existsSync(bundle)) continue;
  const seconds = medianSeconds(name === 'cli' ? [bundle, '--version'] : [bundle]);
  const ok = seconds < TARGET_SECONDS;
  missed ||= !ok;
  console.log(`${name.padEnd(22)} ${seconds.toFixed(3)} s  ratio to bare node: ${(seconds / bare).toFixed(2)}  ${ok ? 'ok' : `over ${TARGET_SECONDS} s`}`);
}
console.log(`load average while measuring: ${(await import('node:os')).loadavg().map((l) => l.toFixed(2)).join(' ')}`);
process.exitCode = missed ? 1 : 0;
