// Tags a release of the checked-out commit: vX.Y.Z from package.json's version, and moves
// the major tag vX to the same commit, so that `uses: …/actions/<name>@vX` follows the
// latest release of that major and `@vX.Y.Z` (or the commit SHA) never moves. The release
// workflow (.github/workflows/release.yml) runs it after the checks and the bundle check
// passed on main. It refuses, changing nothing, when:
// - the version is not X.Y.Z, or CHANGELOG.md has no `## [X.Y.Z]` section;
// - HEAD is not the tip of origin/main, or the working tree has changes;
// - vX.Y.Z already exists on origin (a release is never re-tagged).
// It writes the version's CHANGELOG section to the file named by --notes (the release's
// notes) and prints `tag=`, `major=` and `version=` lines (appended to $GITHUB_OUTPUT when set).
//   node scripts/release.mjs [--notes <file>] [--remote origin] [--branch main]
import { execFileSync } from 'node:child_process';
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

function option(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

const cwd = process.cwd();
const remote = option('remote', 'origin');
const branch = option('branch', 'main');
const notesFile = option('notes', undefined);
const git = (...args) => execFileSync('git', args, { cwd, encoding: 'utf8' }).trim();

function fail(message) {
  console.error(`release: ${message}`);
  process.exit(1);
}

const { version } = JSON.parse(readFileSync(join(cwd, 'package.json'), 'utf8'));
if (typeof version !== 'string' || !/^\d+\.\d+\.\d+$/.test(version)) fail(`package.json version '${version}' is not X.Y.Z`);
const tag = `v${version}`;
const major = `v${version.split('.')[0]}`;

/** The `## [X.Y.Z]` section of the changelog, without its heading; undefined when missing. */
function changelogSection(text) {
  const lines = text.split('\n');
  const start = lines.findIndex((line) => line.startsWith(`## [${version}]`));
  if (start < 0) return undefined;
  const end = lines.findIndex((line, i) => i > start && line.startsWith('## '));
  return lines.slice(start + 1, end < 0 ? undefined : end).join('\n').trim();
}
const notes = changelogSection(readFileSync(join(cwd, 'CHANGELOG.md'), 'utf8'));
if (!notes) fail(`CHANGELOG.md has no '## [${version}]' section with the changes of ${tag}`);

git('fetch', '--quiet', '--tags', '--force', remote, branch);
const head = git('rev-parse', 'HEAD');
const tip = git('rev-parse', `${remote}/${branch}`);
if (head !== tip) fail(`HEAD ${head.slice(0, 12)} is not the tip of ${remote}/${branch} (${tip.slice(0, 12)}): releases are cut from ${branch} only`);
const dirty = git('status', '--porcelain');
if (dirty) fail(`the working tree has changes (a stale bundle?):\n${dirty}`);
if (git('ls-remote', '--tags', remote, `refs/tags/${tag}`)) fail(`${tag} is already released; bump the version in package.json and CHANGELOG.md`);

if (notesFile) writeFileSync(notesFile, `${notes}\n`);
git('tag', '--annotate', tag, '--message', `model-gates ${tag}`);
git('tag', '--annotate', '--force', major, '--message', `model-gates ${tag}`);
git('push', '--quiet', remote, `refs/tags/${tag}`);
git('push', '--quiet', '--force', remote, `refs/tags/${major}`);

const outputs = `tag=${tag}\nmajor=${major}\nversion=${version}\n`;
process.stdout.write(outputs);
if (process.env.GITHUB_OUTPUT) appendFileSync(process.env.GITHUB_OUTPUT, outputs);
