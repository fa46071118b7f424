import { execFileSync, spawnSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../support/node24.js';
import { tempDir } from '../support/temp.js';

// The package a team installs: `npm pack`, installed offline into an empty folder, runs as
// `npx model-gates`. The CLI bundle is self-contained, so the package has no dependencies.
describe('the npm package', () => {
  it('installs from its tarball into an empty folder without the network and runs `npx model-gates --help`', async () => {
    const packDir = await tempDir('mg-pack-');
    const npmEnv = { ...process.env, npm_config_cache: join(packDir, 'cache'), npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false' };
    const packed = JSON.parse(execFileSync('npm', ['pack', '--json', '--pack-destination', packDir], { cwd: repoRoot, encoding: 'utf8', env: npmEnv })) as {
      filename: string;
      files: { path: string }[];
    }[];
    const files = packed[0]!.files.map((f) => f.path);
    expect(files).toContain('dist/cli/index.js');
    expect(files).toContain('LICENSE');
    expect(files).toContain('schemas/result.schema.json');
    // Only the CLI bundle, the schemas and the docs: no sources, tests or action bundles.
    expect(files.filter((f) => !/^(dist\/cli\/|schemas\/|README\.md$|CHANGELOG\.md$|LICENSE$|package\.json$)/.test(f))).toEqual([]);

    const project = await tempDir('mg-install-');
    await writeFile(join(project, 'package.json'), '{ "name": "consumer", "private": true }\n');
    const install = spawnSync('npm', ['install', '--offline', '--no-audit', '--no-fund', join(packDir, packed[0]!.filename)], { cwd: project, encoding: 'utf8', env: npmEnv });
    expect(install.status, install.stderr).toBe(0);
    const installed = JSON.parse(await readFile(join(project, 'node_modules', 'model-gates', 'package.json'), 'utf8')) as { dependencies?: object; license: string };
    expect(installed.dependencies).toBeUndefined();
    expect(installed.license).toBe('MIT');

    const help = spawnSync('npx', ['--offline', '--no-install', 'model-gates', '--help'], { cwd: project, encoding: 'utf8', env: npmEnv });
    expect(help.status, help.stderr).toBe(0);
    expect(help.stdout).toMatch(/^model-gates 0\.1\.0: CI\/CD gates for ML model updates/);
    for (const command of ['contract', 'embedding-regression', 'report', 'gate', 'promote', 'canary-analysis', 'history']) expect(help.stdout).toContain(`  ${command} `);
    // A command runs too, from the installed bundle alone.
    const version = spawnSync('npx', ['--offline', '--no-install', 'model-gates', '--version'], { cwd: project, encoding: 'utf8', env: npmEnv });
    expect(version.stdout.trim()).toBe('0.1.0');
  }, 120_000);
});
