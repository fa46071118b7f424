import { spawnSync } from 'node:child_process';
import { readFile, readdir } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../support/node24.js';
import { tempDir } from '../support/temp.js';

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => relative(dir, join(e.parentPath, e.name))).sort();
}

// `npm run demo` exactly: the committed CLI bundle over the bundled example, no network.
describe('npm run demo', () => {
  it('tells the whole lifecycle, every step ending as the story expects, and lists the files it wrote', async () => {
    const out = await tempDir('mg-demo-');
    const run = spawnSync(process.execPath, ['scripts/demo.mjs'], { cwd: repoRoot, encoding: 'utf8', env: { ...process.env, MODEL_GATES_DEMO_OUTPUT: out }, timeout: 120_000 });
    const story = run.stdout;
    expect(run.status, `${story}\n${run.stderr}`).toBe(0);
    expect(story).not.toContain('✖');

    // Pull request 1: the French segment fails the regression, the gate and the promotion.
    expect(story).toContain('━━ Pull request #1');
    expect(story).toMatch(/triplets: fail: .*regressed segment: fr/);
    expect(story).toContain('gate: decision fail');
    expect(story).toMatch(/refused: the gate did not pass search-embedder 2\.0\.0 \(decision: fail\)/);
    // Pull request 2 passes, then the release.
    expect(story).toContain('━━ Pull request #2');
    expect(story).toMatch(/│ search-regression: pass: /);
    expect(story).toMatch(/│ decision=pass/);
    // After merge: shadow passes, the canary and the advance move the ledger and the flag together.
    expect(story).toContain('━━ After merge');
    expect(story).toMatch(/shadow logs: 180 request\(s\) answered by both versions/);
    expect(story).toMatch(/Recorded search-embedder 2\.0\.1 canary-10 \(10% of traffic\) in production as #2/);
    expect(story).toMatch(/│ serving=1\.4\.0, canary 2\.0\.1 at 10%\n/);
    expect(story).toMatch(/monitor snapshot of search-embedder 2\.0\.1: 16 probe vectors/);
    expect(story).toMatch(/canary analysis: pass, score 100/);
    expect(story).toMatch(/Recorded search-embedder 2\.0\.1 full \(100% of traffic\) in production as #3/);
    // In production: healthy, then a swapped model alerts and rolls the ledger and the flag back.
    expect(story).toContain('━━ In production');
    expect(story).toMatch(/│ verdict=pass\n {4}│ alerting=false\n/);
    expect(story).toMatch(/│ breaches=vectors\n/);
    expect(story).toMatch(/Rolled search-embedder in production back from 2\.0\.1 to 1\.4\.0 as #4/);
    expect(story).toMatch(/│ rolled-back-to=1\.4\.0\n/);
    expect(story).not.toContain('DISAGREEMENT');
    const lastStatus = story.slice(story.lastIndexOf('$ model-gates status'), story.lastIndexOf('$ model-gates history'));
    expect(lastStatus).toMatch(/│ serving=1\.4\.0\n {4}│ serving-agrees=true\n/);
    // The history has every field filled.
    const history = story.slice(story.lastIndexOf('$ model-gates history'));
    expect(history).toMatch(/#4 {2}\S+ {2}1\.4\.0 {2}full {2}rollback {2}success {2}\(monitor: probe vectors changed: /);
    expect(history).toMatch(/#3 {2}\S+ {2}2\.0\.1 {2}full {2}promote {2}failure/);
    for (const output of ['deployment-id=4', 'current-version=1.4.0', 'previous-version=2.0.1']) {
      expect(history).toContain(`│ ${output}\n`);
    }
    // Progress lines are left out of the story.
    expect(story).not.toMatch(/searching: \d/);

    // It ends by listing the files it wrote, and they are there.
    const files = await filesUnder(out);
    for (const file of [
      'ledger.jsonl',
      'summary.md',
      'pull-request-1/report.md',
      'pull-request-1/report.html',
      'pull-request-1/results/gate.json',
      'pull-request-2/report.md',
      'pull-request-2/results/gate.json',
      'release/results/canary-analysis.json',
      'release/results/shadow.json',
      'flags/production.flagd.json',
      'production/results/monitor.json',
      'production/monitor.prom',
      'releases/search-embedder/production/4.json',
    ]) {
      expect(files).toContain(file);
    }
    const listing = story.slice(story.lastIndexOf('Files written:'));
    for (const file of files) expect(listing).toContain(`${relative(repoRoot, join(out, file))}  (`);
    const gate1 = JSON.parse(await readFile(join(out, 'pull-request-1', 'results', 'gate.json'), 'utf8')) as { details: { decision: string } };
    const gate2 = JSON.parse(await readFile(join(out, 'pull-request-2', 'results', 'gate.json'), 'utf8')) as { details: { decision: string } };
    expect([gate1.details.decision, gate2.details.decision]).toEqual(['fail', 'pass']);
    const ledger = (await readFile(join(out, 'ledger.jsonl'), 'utf8')).trim().split('\n').map((line) => JSON.parse(line) as { type: string; record?: { version: string; stage: string; operation: string } });
    const flag = JSON.parse(await readFile(join(out, 'flags', 'production.flagd.json'), 'utf8')) as { flags: Record<string, { defaultVariant: string; variants: Record<string, string> }> };
    // The rollback flips the default back; 2.0.1 stays loaded as a variant.
    expect(flag.flags['search-embedder']?.defaultVariant).toBe('1.4.0');
    expect(Object.keys(flag.flags['search-embedder']?.variants ?? {}).sort()).toEqual(['1.4.0', '2.0.1']);
    const rollbackRecord = JSON.parse(await readFile(join(out, 'releases', 'search-embedder', 'production', '4.json'), 'utf8')) as { rollback: { trigger: string } };
    expect(rollbackRecord.rollback.trigger).toBe('monitor');
    expect(ledger.filter((l) => l.type === 'record').map((l) => `${l.record?.version} ${l.record?.stage} ${l.record?.operation}`)).toEqual([
      '1.4.0 full promote',
      '2.0.1 canary-10 promote',
      '2.0.1 full promote',
      '1.4.0 full rollback',
    ]);
  }, 120_000);
});
