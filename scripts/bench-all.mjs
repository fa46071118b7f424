// Runs every `bench:*` script in package.json, one after the other.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const { scripts } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
let failed = false;
for (const name of Object.keys(scripts).filter((s) => s.startsWith('bench:')).sort()) {
  console.log(`\n=== npm run ${name}`);
  failed = spawnSync('npm', ['run', '--silent', name], { stdio: 'inherit' }).status !== 0 || failed;
}
process.exitCode = failed ? 1 : 0;
