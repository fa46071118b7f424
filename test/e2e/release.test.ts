import { execFileSync, spawnSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { repoRoot } from '../support/node24.js';
import { tempDir } from '../support/temp.js';

const script = join(repoRoot, 'scripts', 'release.mjs');

/** A clone of a bare "origin" with package.json at `version` and a changelog section for it, pushed to main. */
async function repository(version: string): Promise<{ clone: string; origin: string; git: (...args: string[]) => string }> {
  const root = await tempDir('mg-release-');
  const origin = join(root, 'origin.git');
  const clone = join(root, 'clone');
  execFileSync('git', ['init', '--quiet', '--bare', '--initial-branch=main', origin]);
  execFileSync('git', ['clone', '--quiet', origin, clone], { stdio: 'ignore' });
  const git = (...args: string[]): string => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.invalid', ...args], { cwd: clone, encoding: 'utf8' }).trim();
  git('checkout', '--quiet', '-b', 'main');
  await bump(clone, git, version);
  return { clone, origin, git };
}

async function bump(clone: string, git: (...args: string[]) => string, version: string): Promise<void> {
  await writeFile(join(clone, 'package.json'), JSON.stringify({ name: 'model-gates', version }));
  await writeFile(join(clone, 'CHANGELOG.md'), `# Changelog\n\n## [Unreleased]\n\n## [${version}]\n\n- Changes of ${version}.\n\n## [0.1.0]\n\n- First.\n`);
  git('add', '-A');
  git('commit', '--quiet', '-m', `release ${version}`);
  git('push', '--quiet', 'origin', 'main');
}

function release(clone: string, notes?: string) {
  return spawnSync(process.execPath, [script, ...(notes ? ['--notes', notes] : [])], {
    cwd: clone,
    encoding: 'utf8',
    env: { ...process.env, GITHUB_OUTPUT: '', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.invalid', GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.invalid' },
  });
}

const remoteTag = (origin: string, tag: string): string => execFileSync('git', ['rev-parse', `${tag}^{commit}`], { cwd: origin, encoding: 'utf8' }).trim();

describe('scripts/release.mjs', () => {
  it('tags vX.Y.Z and moves the major tag to the released commit; a later release moves it on', async () => {
    const { clone, origin, git } = await repository('1.0.0');
    const notes = join(clone, '..', 'notes.md');
    const first = release(clone, notes);
    expect(first.status, first.stderr).toBe(0);
    expect(first.stdout).toBe('tag=v1.0.0\nmajor=v1\nversion=1.0.0\n');
    expect(await readFile(notes, 'utf8')).toBe('- Changes of 1.0.0.\n');
    const released = git('rev-parse', 'HEAD');
    expect(remoteTag(origin, 'v1.0.0')).toBe(released);
    expect(remoteTag(origin, 'v1')).toBe(released);

    await bump(clone, git, '1.1.0');
    expect(release(clone).status).toBe(0);
    const next = git('rev-parse', 'HEAD');
    expect(remoteTag(origin, 'v1')).toBe(next);
    // The full-version tag never moves.
    expect(remoteTag(origin, 'v1.0.0')).toBe(released);
  });

  it('refuses to release a version twice, a commit that is not the tip of main, or a version without a changelog section', async () => {
    const { clone, git } = await repository('1.0.0');
    expect(release(clone).status).toBe(0);
    const again = release(clone);
    expect(again.status).toBe(1);
    expect(again.stderr).toContain('v1.0.0 is already released');

    // A new version, with its changelog section, committed but not pushed to main.
    await writeFile(join(clone, 'package.json'), JSON.stringify({ name: 'model-gates', version: '1.0.1' }));
    await writeFile(join(clone, 'CHANGELOG.md'), '# Changelog\n\n## [1.0.1]\n\n- Fix.\n');
    git('commit', '--quiet', '-am', 'not pushed');
    const notOnMain = release(clone);
    expect(notOnMain.status).toBe(1);
    expect(notOnMain.stderr).toMatch(/is not the tip of origin\/main/);
    git('push', '--quiet', 'origin', 'main');
    // A version whose changelog says nothing of it.
    await writeFile(join(clone, 'package.json'), JSON.stringify({ name: 'model-gates', version: '1.0.2' }));
    git('commit', '--quiet', '-am', 'no changelog');
    git('push', '--quiet', 'origin', 'main');
    const noSection = release(clone);
    expect(noSection.status).toBe(1);
    expect(noSection.stderr).toContain("CHANGELOG.md has no '## [1.0.2]' section");
    expect(git('tag', '--list')).toBe('v1\nv1.0.0');
  });
});

describe('the release workflow', () => {
  it('runs on main only, checks and verifies the bundles before the release script tags', async () => {
    const workflow = parse(await readFile(join(repoRoot, '.github', 'workflows', 'release.yml'), 'utf8')) as {
      jobs: { release: { if: string; permissions: Record<string, string>; steps: { run?: string; uses?: string }[] } };
    };
    const job = workflow.jobs.release;
    expect(job.if).toBe("github.ref == 'refs/heads/main'");
    expect(job.permissions).toEqual({ contents: 'write' });
    const runs = job.steps.map((s) => s.run ?? s.uses ?? '');
    const at = (text: string): number => runs.findIndex((r) => r.includes(text));
    for (const check of ['npm run lint', 'npm run typecheck', 'npm run check-dist', 'npm test']) {
      expect(at(check), check).toBeGreaterThan(-1);
      expect(at(check)).toBeLessThan(at('scripts/release.mjs'));
    }
  });
});
