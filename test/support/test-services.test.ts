import { spawnSync } from 'node:child_process';
import { chmod, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ensureTestServices, installCommand, missingServices, TEST_SERVICES } from '../../scripts/test-services.mjs';
import { repoRoot } from './node24.js';
import { tempDir } from './temp.js';

async function emptyDir(): Promise<string> {
  return tempDir('mg-path-');
}

describe('the test services set-up', () => {
  it('lists Prometheus, the Pushgateway and chromium once each', () => {
    expect(TEST_SERVICES.map((s) => s.package)).toEqual(['prometheus', 'prometheus-pushgateway', 'chromium']);
  });

  it('finds every service on this machine (the global set-up installed them)', () => {
    expect(missingServices()).toEqual([]);
    expect(ensureTestServices({ log: () => {} })).toEqual([]);
  });

  it('without root, stops with one message giving the exact apt command for what is missing', async () => {
    const bin = await emptyDir();
    // A chromium stand-in on PATH: only the other two are missing.
    await writeFile(join(bin, 'chromium'), '#!/bin/sh\n');
    await chmod(join(bin, 'chromium'), 0o755);
    const env = { PATH: bin };
    expect(missingServices(env).map((s) => s.package)).toEqual(['prometheus', 'prometheus-pushgateway']);
    expect(() => ensureTestServices({ env, isRoot: false, log: () => {} })).toThrow(
      'sudo apt-get update && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends prometheus prometheus-pushgateway',
    );
  });

  it('accepts a binary named by its override variable instead of PATH', async () => {
    const env = { PATH: await emptyDir(), PROMETHEUS_BIN: '/usr/bin/prometheus', PUSHGATEWAY_BIN: '/usr/bin/prometheus-pushgateway', CHROMIUM_BIN: '/usr/bin/chromium' };
    expect(missingServices(env)).toEqual([]);
  });

  it('run as a script where apt-get cannot be found, exits 1 with the command on stderr', async () => {
    const run = spawnSync(process.execPath, ['scripts/test-services.mjs'], { cwd: repoRoot, env: { PATH: await emptyDir() }, encoding: 'utf8' });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain(installCommand(['prometheus', 'prometheus-pushgateway', 'chromium']));
    expect(run.stderr).toContain('prometheus (canary-analysis (a real Prometheus))');
  });
});
